// drivers/acpi/pci_root.c and arch/x86/pci/acpi.c: an ACPI PNP0A08 host bridge becomes a root
// bus, is scanned, and its devices are added. Hot-added roots would be surveyed and assigned
// here; roots present at boot are not (that happens later, in pci_subsys_init/fs_initcall).
import { Kernel, traced } from '../kernel';
import { pci_register_host_bridge, pci_scan_child_bus_extend } from '../probe';
import { pci_bus_add_devices } from '../bus';
import { IORESOURCE_BUS, IORESOURCE_IO, IORESOURCE_MEM, Resource, insert_resource_conflict, request_resource_conflict } from '../resource';
import type { HostBridge } from '../../hw/machine';
import type { PciBus } from '../types';

/** pci_acpi_scan_root() → acpi_pci_root_create(): create the root bus and scan it. */
export const pci_acpi_scan_root = traced('pci_acpi_scan_root', (k: Kernel, host: HostBridge): PciBus => {
  const bus = pci_register_host_bridge(k, host);
  for (const w of bus.rootResources) request_resource_conflict(w.flags & 0x100 ? k.ioportResource : k.iomemResource, w);
  pci_scan_child_bus_extend(k, bus, 0); // pci_scan_child_bus()
  return bus;
});

/** acpi_pci_root_add() */
export const acpi_pci_root_add = traced('acpi_pci_root_add', (k: Kernel, host: HostBridge): void => {
  const secondary = new Resource('', BigInt(host.busStart), BigInt(host.busEnd), IORESOURCE_BUS);
  k.pr_info('acpi_root_bridge', { dev_name: 'PCI Root Bridge', bid: host.acpiName, domain: host.domain, res: secondary });
  const bus = pci_acpi_scan_root(k, host);
  pci_bus_add_devices(k, bus);
});

/**
 * acpi_create_platform_device() → platform_device_add(): an ACPI device's memory and I/O go into
 * the resource tree with insert_resource(), inside a host bridge window if one contains them.
 */
const acpi_create_platform_device = traced('acpi_create_platform_device', (k: Kernel, name: string, type: 'io' | 'mem', start: bigint, end: bigint): void => {
  const r = new Resource(name, start, end, type === 'io' ? IORESOURCE_IO : IORESOURCE_MEM);
  insert_resource_conflict(type === 'io' ? k.ioportResource : k.iomemResource, r);
});

/** acpi_init() → acpi_bus_scan(): every host bridge in the namespace, then the platform devices. */
export const acpi_init = traced('acpi_init', (k: Kernel): void => {
  for (const host of k.machine.hosts) acpi_pci_root_add(k, host);
  for (const a of k.machine.acpiDevices) acpi_create_platform_device(k, a.name, a.type, a.start, a.end);
});
