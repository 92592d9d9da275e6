// drivers/pci/msi/: only what changes PCI-core-owned registers. Enabling MSI or MSI-X turns
// INTx off in COMMAND (pci_intx_for_msi() → pci_intx(dev, 0)); the MSI capability writes
// themselves are not modelled.
import * as R from '../hw/regs';
import { pci_read_config_word, pci_write_config_word } from './access';
import { Kernel, traced } from './kernel';
import { pci_find_capability } from './pci';
import type { PciDev } from './types';

const PCI_CAP_ID_MSI = 0x05;
const PCI_CAP_ID_MSIX = 0x11;

/** pci_intx(): INTx Disable follows `enable`. */
export const pci_intx = traced('pci_intx', (k: Kernel, dev: PciDev, enable: boolean): void => {
  const old = pci_read_config_word(k, dev, R.PCI_COMMAND);
  const cmd = enable ? old & ~R.PCI_COMMAND_INTX_DISABLE : old | R.PCI_COMMAND_INTX_DISABLE;
  if (cmd !== old) pci_write_config_word(k, dev, R.PCI_COMMAND, cmd);
});

/** pci_alloc_irq_vectors(…, PCI_IRQ_MSIX | PCI_IRQ_MSI | PCI_IRQ_LEGACY): MSI-X, else MSI, else INTx. */
export const pci_alloc_irq_vectors = traced('pci_alloc_irq_vectors', (k: Kernel, dev: PciDev): 'msix' | 'msi' | 'intx' => {
  const kind = pci_find_capability(k, dev, PCI_CAP_ID_MSIX) ? 'msix' : pci_find_capability(k, dev, PCI_CAP_ID_MSI) ? 'msi' : 'intx';
  if (kind !== 'intx') pci_intx(k, dev, false); // pci_intx_for_msi(dev, 0)
  return kind;
});
