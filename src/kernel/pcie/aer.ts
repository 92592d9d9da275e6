// drivers/pci/pcie/aer.c pci_aer_init(), the part portdrv depends on: dev->aer_cap. Not modelled:
// what it writes when the OS owns AER (pci_aer_clear_status(), enabling error reporting in
// Device Control, ECRC), nor the AER service itself.
import * as R from '../../hw/regs';
import { Kernel, traced } from '../kernel';
import { pci_find_ext_capability } from '../pci';
import type { PciDev } from '../types';

export const pci_aer_init = traced('pci_aer_init', (k: Kernel, dev: PciDev): void => {
  dev.aerCap = pci_find_ext_capability(k, dev, R.PCI_EXT_CAP_ID_ERR);
});
