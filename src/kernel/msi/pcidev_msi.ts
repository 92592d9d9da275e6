// drivers/pci/msi/pcidev_msi.c: at enumeration (pci_init_capabilities()) the PCI core finds the
// MSI and MSI-X capabilities and turns off whatever a previous owner left enabled, so that the new
// kernel starts with interrupts it knows about.
import * as R from '../../hw/regs';
import { pci_read_config_word, pci_write_config_word } from '../access';
import { Kernel, traced } from '../kernel';
import { pci_find_capability } from '../pci';
import { pci_lu_adopt } from '../liveupdate';
import type { PciDev } from '../types';

/** pci_msi_init(): "Disable MSI". */
export const pci_msi_init = traced('pci_msi_init', (k: Kernel, dev: PciDev): void => {
  dev.msiCap = pci_find_capability(k, dev, R.PCI_CAP_ID_MSI);
  if (!dev.msiCap) return;
  const ctrl = pci_read_config_word(k, dev, dev.msiCap + R.PCI_MSI_FLAGS);
  // pci-luo-no-writes: MSI stays enabled on a preserved device, and dev->msi_enabled stays 0
  if (!pci_lu_adopt(k, dev, ctrl & R.PCI_MSI_FLAGS_ENABLE && { what: 'MSI Enable clear', off: dev.msiCap + R.PCI_MSI_FLAGS, width: 2, value: ctrl & ~R.PCI_MSI_FLAGS_ENABLE }) && ctrl & R.PCI_MSI_FLAGS_ENABLE)
    pci_write_config_word(k, dev, dev.msiCap + R.PCI_MSI_FLAGS, ctrl & ~R.PCI_MSI_FLAGS_ENABLE);
  if (!(ctrl & R.PCI_MSI_FLAGS_64BIT)) dev.noMsi64 = true;
});

/** pci_msix_init(): "Disable MSI-X". */
export const pci_msix_init = traced('pci_msix_init', (k: Kernel, dev: PciDev): void => {
  dev.msixCap = pci_find_capability(k, dev, R.PCI_CAP_ID_MSIX);
  if (!dev.msixCap) return;
  const ctrl = pci_read_config_word(k, dev, dev.msixCap + R.PCI_MSIX_FLAGS);
  if (!pci_lu_adopt(k, dev, ctrl & R.PCI_MSIX_FLAGS_ENABLE && { what: 'MSI-X Enable clear', off: dev.msixCap + R.PCI_MSIX_FLAGS, width: 2, value: ctrl & ~R.PCI_MSIX_FLAGS_ENABLE }) && ctrl & R.PCI_MSIX_FLAGS_ENABLE)
    pci_write_config_word(k, dev, dev.msixCap + R.PCI_MSIX_FLAGS, ctrl & ~R.PCI_MSIX_FLAGS_ENABLE);
});
