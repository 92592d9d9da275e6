// drivers/vfio/pci/vfio_pci_config.c: a guest's (QEMU's) write to the config space of an assigned
// device. Only the basic header's COMMAND register is modelled: vfio virtualizes INTx Disable and
// passes every other bit (memory, I/O, bus master …) through to the device.
import * as R from '../../hw/regs';
import { pci_read_config_word, pci_write_config_word } from '../access';
import { Kernel, traced } from '../kernel';
import type { VfioPciCoreDevice } from './pci-core';

/** vfio_default_config_write() for COMMAND: the non-virtualized writable bits go to hardware. */
const vfio_default_config_write = traced('vfio_default_config_write', (k: Kernel, vdev: VfioPciCoreDevice, val: number): void => {
  const phys = pci_read_config_word(k, vdev.pdev, R.PCI_COMMAND); // vfio_user_config_read()
  const virt = R.PCI_COMMAND_INTX_DISABLE;
  pci_write_config_word(k, vdev.pdev, R.PCI_COMMAND, (phys & virt) | (val & ~virt & 0xffff)); // vfio_user_config_write()
});

/** vfio_basic_config_write() at PCI_COMMAND (the BAR-restore check after backdoor resets is not modelled). */
const vfio_basic_config_write = traced('vfio_basic_config_write', (k: Kernel, vdev: VfioPciCoreDevice, val: number): void => {
  pci_read_config_word(k, vdev.pdev, R.PCI_COMMAND); // phys_cmd
  vfio_default_config_write(k, vdev, val);
});

/** vfio_pci_config_rw(): the guest writes `val` to its device's COMMAND register. */
export const vfio_pci_config_rw = traced('vfio_pci_config_rw', (k: Kernel, vdev: VfioPciCoreDevice, val: number): void => {
  vfio_basic_config_write(k, vdev, val);
});
