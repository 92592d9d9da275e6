// drivers/pci/hotplug/shpchp_core.c: the SHPC hotplug driver probes bridges with an SHPC
// capability. Modelled: what it leaves in PCI-core registers. Not modelled: the controller itself
// and its lines ("HPC vendor_id …", slot registration).
import { Kernel, traced } from '../kernel';
import { __pci_set_master, pci_enable_device, pci_find_capability, pci_intx } from '../pci';
import { DriverWithIds, pci_register_driver } from '../pci-driver';
import { PCI_IRQ_MSI, pci_alloc_irq_vectors } from '../msi/api';
import type { PciDev } from '../types';

const PCI_CAP_ID_SHPC = 0x0c;

const shpc_probe = traced('shpc_probe', (k: Kernel, dev: PciDev): number => {
  if (!pci_find_capability(k, dev, PCI_CAP_ID_SHPC)) return -19; // is_shpc_capable()
  const rc = pci_enable_device(k, dev); // shpc_init()
  if (rc) return rc;
  __pci_set_master(k, dev, true);
  pci_alloc_irq_vectors(k, dev, 1, 1, PCI_IRQ_MSI); // pci_enable_msi() unless shpchp_poll_mode
  // init_slots(): pci_hp_register() fails with -EBUSY where ACPI hotplug (acpiphp) has already
  // registered the slots — as on QEMU's pci-bridge, the only SHPC bridges the model has seen.
  // shpchp_probe() then releases the controller: hpc_release_ctlr() → pci_disable_msi(), which
  // turns INTx back on; the bridge stays enabled with bus mastering.
  pci_intx(k, dev, true);
  return -16;
});

/** shpcd_init(), device_initcall when built in */
export const shpcd_init = traced('shpcd_init', (k: Kernel): void => {
  const drv: DriverWithIds = { name: 'shpchp', ids: [], classMatch: 0x060400, probe: (dev) => shpc_probe(k, dev) };
  pci_register_driver(k, drv);
});
