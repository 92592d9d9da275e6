// drivers/vfio/pci/vfio_pci_intrs.c: VFIO_DEVICE_SET_IRQS with VFIO_PCI_MSI_IRQ_INDEX, the way
// QEMU arms a guest's MSI: allocate the vectors (memory decode forced on around it), then give each
// an eventfd trigger, which requests the host interrupt and so unmasks it.
import * as R from '../../hw/regs';
import { pci_read_config_word, pci_write_config_word } from '../access';
import { Kernel, traced } from '../kernel';
import { PCI_IRQ_MSI, pci_alloc_irq_vectors, pci_free_irq_vectors } from '../msi/api';
import { request_irq } from '../irq/manage';
import type { VfioPciCoreDevice } from './pci-core';

/** vfio_pci_memory_lock_and_enable() (vfio_pci_core.c): memory decode on while MSI is set up. */
const vfio_pci_memory_lock_and_enable = traced('vfio_pci_memory_lock_and_enable', (k: Kernel, vdev: VfioPciCoreDevice): number => {
  const cmd = pci_read_config_word(k, vdev.pdev, R.PCI_COMMAND);
  if (!(cmd & R.PCI_COMMAND_MEMORY)) pci_write_config_word(k, vdev.pdev, R.PCI_COMMAND, cmd | R.PCI_COMMAND_MEMORY);
  return cmd;
});

/** vfio_pci_memory_unlock_and_restore(): writes COMMAND back, changed or not. */
const vfio_pci_memory_unlock_and_restore = traced('vfio_pci_memory_unlock_and_restore', (k: Kernel, vdev: VfioPciCoreDevice, cmd: number): void => {
  pci_write_config_word(k, vdev.pdev, R.PCI_COMMAND, cmd);
});

/** vfio_msi_enable() */
const vfio_msi_enable = traced('vfio_msi_enable', (k: Kernel, vdev: VfioPciCoreDevice, nvec: number): number => {
  const cmd = vfio_pci_memory_lock_and_enable(k, vdev);
  const ret = pci_alloc_irq_vectors(k, vdev.pdev, 1, nvec, PCI_IRQ_MSI);
  k.checkpoint('pci_alloc_irq_vectors() returned');
  if (ret < nvec && ret > 0) pci_free_irq_vectors(k, vdev.pdev);
  vfio_pci_memory_unlock_and_restore(k, vdev, cmd);
  return ret < nvec ? (ret > 0 ? ret : -28) : 0;
});

/** vfio_msi_set_vector_signal(): a trigger for vector `n`: request_irq() under the memory lock. */
const vfio_msi_set_vector_signal = traced('vfio_msi_set_vector_signal', (k: Kernel, vdev: VfioPciCoreDevice, n: number): number => {
  const cmd = vfio_pci_memory_lock_and_enable(k, vdev);
  const ret = request_irq(k, vdev.pdev, n);
  k.checkpoint('request_irq() returned');
  vfio_pci_memory_unlock_and_restore(k, vdev, cmd);
  return ret;
});

/** vfio_pci_set_msi_trigger() with eventfds for `nvec` vectors: enable, then vfio_msi_set_block(). */
export const vfio_pci_set_msi_trigger = traced('vfio_pci_set_msi_trigger', (k: Kernel, vdev: VfioPciCoreDevice, nvec: number): number => {
  const ret = vfio_msi_enable(k, vdev, nvec);
  if (ret) return ret;
  for (let n = 0; n < nvec; n++) {
    const r = vfio_msi_set_vector_signal(k, vdev, n);
    if (r) return r;
  }
  return 0;
});
