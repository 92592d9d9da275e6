// drivers/pci/msi/api.c: pci_alloc_irq_vectors(), MSI-X first, then MSI, then INTx, as the flags
// allow.
import { Kernel, traced } from '../kernel';
import { pci_intx } from '../pci';
import { NotModelledError } from '../setup-bus';
import type { PciDev } from '../types';
import { __pci_enable_msi_range, pci_disable_msi } from './msi';

export const PCI_IRQ_INTX = 1 << 0;
export const PCI_IRQ_MSI = 1 << 1;
export const PCI_IRQ_MSIX = 1 << 2;

/**
 * pci_alloc_irq_vectors(). Programming an MSI capability needs the message the platform composes;
 * the model has that for AMD-Vi interrupt remapping (iommu/amd-iommu.ts). On other machines it
 * does only what enabling MSI or MSI-X does to PCI-core-owned registers: pci_intx_for_msi() turns
 * INTx off in COMMAND.
 */
export const pci_alloc_irq_vectors = traced('pci_alloc_irq_vectors', (k: Kernel, dev: PciDev, min: number, max: number, flags: number): number => {
  if (!k.machine.irqRemap) {
    if ((flags & PCI_IRQ_MSIX && dev.msixCap) || (flags & PCI_IRQ_MSI && dev.msiCap)) {
      pci_intx(k, dev, false);
      return 1;
    }
    if (flags & PCI_IRQ_INTX && min === 1 && dev.pin) {
      pci_intx(k, dev, true);
      return 1;
    }
    return -28;
  }
  if (flags & PCI_IRQ_MSIX && dev.msixCap)
    throw new NotModelledError(`${dev.name()}: MSI-X vectors are not modelled (their table lives in a BAR)`);
  if (flags & PCI_IRQ_MSI) {
    const n = __pci_enable_msi_range(k, dev, min, max);
    if (n > 0) return n;
  }
  // "use INTx IRQ if allowed": the pin's interrupt, INTx Disable cleared
  if (flags & PCI_IRQ_INTX && min === 1 && dev.pin) {
    pci_intx(k, dev, true);
    return 1;
  }
  return -28;
});

/** pci_free_irq_vectors(): pci_disable_msix(), then pci_disable_msi(). */
export const pci_free_irq_vectors = traced('pci_free_irq_vectors', (k: Kernel, dev: PciDev): void => {
  if (!k.machine.irqRemap) return; // nothing was programmed (see pci_alloc_irq_vectors())
  pci_disable_msi(k, dev);
});
