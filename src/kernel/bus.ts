// drivers/pci/bus.c: adding enumerated devices to the driver core.
import * as C from './commits';
import { Kernel, traced } from './kernel';
import { pci_save_state } from './pci';
import { device_attach } from './pci-driver';
import type { PciBus, PciDev } from './types';

/**
 * pci_bus_add_device(). a2f1e22390ac "PCI/ERR: Ensure error recoverability at all times" saves
 * config space here, at enumeration ("Save config space for error recoverability"), before any
 * driver binds — and on x86 before pcibios_assign_resources() corrects misprogrammed BARs.
 */
export const pci_bus_add_device = traced('pci_bus_add_device', (k: Kernel, dev: PciDev): void => {
  if (k.has(C.A2F1E22390AC)) pci_save_state(k, dev);
  dev.matchDriver = true;
  device_attach(k, dev);
  dev.isAdded = true;
});

/** pci_bus_add_devices(): this bus's devices first, then each child bus. */
export const pci_bus_add_devices = traced('pci_bus_add_devices', (k: Kernel, bus: PciBus): void => {
  for (const dev of bus.devices) if (!dev.isAdded) pci_bus_add_device(k, dev);
  for (const dev of bus.devices) if (dev.isAdded && dev.subordinate) pci_bus_add_devices(k, dev.subordinate);
});
