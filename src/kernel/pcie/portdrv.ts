// drivers/pci/pcie/portdrv.c: the built-in "pcieport" driver binds Root Ports and Switch ports at
// device_initcall. Modelled: enabling the port and bus mastering. Not modelled: the port
// services (PME, AER, DPC, hotplug, bandwidth notification) and their lines.
import * as R from '../../hw/regs';
import { Kernel, traced } from '../kernel';
import { __pci_set_master, pci_enable_device } from '../pci';
import { DriverWithIds, pci_register_driver } from '../pci-driver';
import { pci_alloc_irq_vectors } from '../msi';
import type { PciDev } from '../types';

const pcie_portdrv_probe = traced('pcie_portdrv_probe', (k: Kernel, dev: PciDev): number => {
  const t = dev.pcieType();
  if (!dev.isPcie() || (t !== R.PCI_EXP_TYPE_ROOT_PORT && t !== R.PCI_EXP_TYPE_UPSTREAM && t !== R.PCI_EXP_TYPE_DOWNSTREAM && t !== R.PCI_EXP_TYPE_RC_EC)) return -19;
  // pcie_port_device_register()
  const rc = pci_enable_device(k, dev);
  if (rc) return rc;
  __pci_set_master(k, dev, true);
  pci_alloc_irq_vectors(k, dev); // pcie_init_service_irqs()
  return 0;
});

export function pcieportDriver(k: Kernel): DriverWithIds {
  return { name: 'pcieport', ids: [], classMatch: 0x060400, probe: (dev) => pcie_portdrv_probe(k, dev) };
}

/** pcie_portdrv_init(), device_initcall */
export const pcie_portdrv_init = traced('pcie_portdrv_init', (k: Kernel): void => {
  pci_register_driver(k, pcieportDriver(k));
});
