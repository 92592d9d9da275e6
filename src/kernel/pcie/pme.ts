// drivers/pci/pcie/pme.c: the PME service of Root Ports and Root Complex Event Collectors. Modelled:
// its register writes around requesting the interrupt. Not modelled: the PME handling and its line
// ("PME: Signaling with IRQ %d", which needs the Linux IRQ number).
import * as R from '../../hw/regs';
import { pcie_capability_clear_and_set_dword, pcie_capability_clear_and_set_word } from '../access';
import { Kernel, traced } from '../kernel';
import { pci_lu_adopt } from '../liveupdate';
import { request_irq } from '../irq/manage';
import type { PciDev } from '../types';

/** pcie_pme_interrupt_enable(): Root Control's PME Interrupt Enable. */
export const pcie_pme_interrupt_enable = traced('pcie_pme_interrupt_enable', (k: Kernel, dev: PciDev, enable: boolean): void => {
  // pci-luo-no-writes returns first thing
  if (pci_lu_adopt(k, dev, { what: `Root Control PME Interrupt Enable ${enable ? 'set' : 'clear'}`, off: dev.pcieCap + R.PCI_EXP_RTCTL, width: 2 })) return;
  if (enable) pcie_capability_clear_and_set_word(k, dev, R.PCI_EXP_RTCTL, 0, R.PCI_EXP_RTCTL_PMEIE);
  else pcie_capability_clear_and_set_word(k, dev, R.PCI_EXP_RTCTL, R.PCI_EXP_RTCTL_PMEIE, 0);
});

/** pcie_clear_root_pme_status(): write 1 to Root Status PME Status. */
const pcie_clear_root_pme_status = traced('pcie_clear_root_pme_status', (k: Kernel, dev: PciDev): void => {
  pcie_capability_clear_and_set_dword(k, dev, R.PCI_EXP_RTSTA, 0, R.PCI_EXP_RTSTA_PME);
});

/** pcie_pme_remove() → pcie_pme_disable_interrupt(): PME interrupt off, Root Status cleared. */
export const pcie_pme_remove = traced('pcie_pme_remove', (k: Kernel, port: PciDev): void => {
  pcie_pme_interrupt_enable(k, port, false);
  pcie_clear_root_pme_status(k, port);
});

/** pcie_pme_probe() */
export const pcie_pme_probe = traced('pcie_pme_probe', (k: Kernel, port: PciDev): number => {
  const t = port.pcieType();
  if (t !== R.PCI_EXP_TYPE_RC_EC && t !== R.PCI_EXP_TYPE_ROOT_PORT) return -19;
  if (!pci_lu_adopt(k, port, { what: 'PME interrupt off and Root Status PME Status clear', off: port.pcieCap + R.PCI_EXP_RTCTL, width: 2 })) {
    pcie_pme_interrupt_enable(k, port, false);
    pcie_clear_root_pme_status(k, port);
  }
  request_irq(k, port, 0);
  // pcie_pme_mark_devices(): no register access
  if (!pci_lu_adopt(k, port)) pcie_pme_interrupt_enable(k, port, true);
  return 0;
});
