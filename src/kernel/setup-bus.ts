// drivers/pci/setup-bus.c: sizing bridge windows, assigning what is still unassigned (largest
// alignment first), programming bridges, and the final bus resource dump.
import * as R from '../hw/regs';
import { pci_read_config_word, pci_write_config_dword, pci_write_config_word } from './access';
import { Kernel, traced } from './kernel';
import { pci_resource_name } from './pci';
import {
  IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PCI_FIXED, IORESOURCE_PREFETCH, Resource,
} from './resource';
import { pci_assign_resource, pci_resource_alignment } from './setup-res';
import { PCI_BRIDGE_RESOURCES, PCI_NUM_RESOURCES, PciBus, PciDev } from './types';

export class NotModelledError extends Error {
  override name = 'NotModelledError';
}

/** pci_bridge_check_ranges(): which windows this bridge has at all. */
function pci_bridge_check_ranges(bus: PciBus): void {
  const bridge = bus.self!;
  const b = bridge.resource;
  b[PCI_BRIDGE_RESOURCES + 1].flags |= IORESOURCE_MEM;
  if (bridge.ioWindow) b[PCI_BRIDGE_RESOURCES].flags |= IORESOURCE_IO;
  if (bridge.prefWindow) {
    b[PCI_BRIDGE_RESOURCES + 2].flags |= IORESOURCE_MEM | IORESOURCE_PREFETCH;
    if (bridge.pref64Window) b[PCI_BRIDGE_RESOURCES + 2].flags |= IORESOURCE_MEM_64;
  }
}

/** What the devices below `bus` still need from a window of this kind (0: nothing). */
function childNeeds(bus: PciBus, match: (r: Resource) => boolean): bigint {
  let need = 0n;
  for (const dev of bus.devices) {
    for (let i = 0; i < PCI_NUM_RESOURCES; i++) {
      const r = dev.resource[i];
      if (r.flags && match(r)) need += r.end - r.start + 1n;
    }
  }
  return need;
}

/**
 * pbus_size_io() / pbus_size_mem(): a window that is already assigned needs nothing; a window no
 * child uses is disabled. Computing a new window size (bridges firmware left without a window for
 * their children) is not modelled yet and stops the run with that message.
 */
function pbus_size(k: Kernel, bus: PciBus, idx: number, match: (r: Resource) => boolean): void {
  const b = bus.self!.resource[PCI_BRIDGE_RESOURCES + idx];
  if (!b.flags || b.parent) return;
  if (childNeeds(bus, match) === 0n) {
    b.flags = 0;
    return;
  }
  void k;
  throw new NotModelledError(`${bus.self!.name()}: ${pci_resource_name(bus.self!, PCI_BRIDGE_RESOURCES + idx)} must be sized for [bus ${bus.name().slice(5)}], which is not modelled yet`);
}

/** __pci_bus_size_bridges(): depth first. */
const __pci_bus_size_bridges = traced('__pci_bus_size_bridges', (k: Kernel, bus: PciBus): void => {
  for (const dev of bus.devices) if (dev.subordinate) __pci_bus_size_bridges(k, dev.subordinate);
  if (!bus.self) return;
  pci_bridge_check_ranges(bus);
  pbus_size(k, bus, 0, (r) => (r.flags & IORESOURCE_IO) !== 0);
  pbus_size(k, bus, 2, (r) => (r.flags & IORESOURCE_PREFETCH) !== 0 && (r.flags & IORESOURCE_MEM) !== 0);
  pbus_size(k, bus, 1, (r) => (r.flags & IORESOURCE_MEM) !== 0 && !(bus.self!.resource[PCI_BRIDGE_RESOURCES + 2].flags && r.flags & IORESOURCE_PREFETCH));
});

/** pdev_sort_resources() over a bus: unassigned resources, largest alignment first (stable). */
function pbus_sort_resources(bus: PciBus): Array<{ dev: PciDev; idx: number; align: bigint }> {
  const list: Array<{ dev: PciDev; idx: number; align: bigint }> = [];
  for (const dev of bus.devices) {
    const cls = dev.class >> 8;
    // Don't touch classless devices or host bridges.
    if (cls === 0x0000 || cls === 0x0600) continue;
    for (let i = 0; i < PCI_NUM_RESOURCES; i++) {
      const r = dev.resource[i];
      if (r.flags & IORESOURCE_PCI_FIXED || !r.flags || r.parent) continue;
      const align = pci_resource_alignment(dev, r);
      if (!align) continue;
      let at = list.findIndex((e) => align > e.align);
      if (at < 0) at = list.length;
      list.splice(at, 0, { dev, idx: i, align });
    }
  }
  return list;
}

/** pci_setup_bridge_io() */
const pci_setup_bridge_io = traced('pci_setup_bridge_io', (k: Kernel, bridge: PciDev): void => {
  const res = bridge.resource[PCI_BRIDGE_RESOURCES];
  let l: number, upper16: number;
  if (res.flags & IORESOURCE_IO) {
    pci_read_config_word(k, bridge, R.PCI_IO_BASE);
    const baseLo = Number((res.start >> 8n) & BigInt(R.PCI_IO_RANGE_MASK));
    const limitLo = Number((res.end >> 8n) & BigInt(R.PCI_IO_RANGE_MASK));
    l = (limitLo << 8) | baseLo;
    upper16 = Number((res.end & 0xffff0000n) | (res.start >> 16n));
    k.pci_info(bridge, 'setup_bridge_window', { name: pci_resource_name(bridge, PCI_BRIDGE_RESOURCES), res });
  } else {
    upper16 = 0;
    l = 0x00f0;
  }
  // Temporarily disable the I/O range before updating PCI_IO_BASE.
  pci_write_config_dword(k, bridge, R.PCI_IO_BASE_UPPER16, 0x0000ffff);
  pci_write_config_word(k, bridge, R.PCI_IO_BASE, l);
  pci_write_config_dword(k, bridge, R.PCI_IO_BASE_UPPER16, upper16);
});

/** pci_setup_bridge_mmio() */
const pci_setup_bridge_mmio = traced('pci_setup_bridge_mmio', (k: Kernel, bridge: PciDev): void => {
  const res = bridge.resource[PCI_BRIDGE_RESOURCES + 1];
  let l: number;
  if (res.flags & IORESOURCE_MEM) {
    l = Number(((res.start >> 16n) & 0xfff0n) | (res.end & 0xfff00000n));
    k.pci_info(bridge, 'setup_bridge_window', { name: pci_resource_name(bridge, PCI_BRIDGE_RESOURCES + 1), res });
  } else {
    l = 0x0000fff0;
  }
  pci_write_config_dword(k, bridge, R.PCI_MEMORY_BASE, l);
});

/** pci_setup_bridge_mmio_pref() */
const pci_setup_bridge_mmio_pref = traced('pci_setup_bridge_mmio_pref', (k: Kernel, bridge: PciDev): void => {
  // Clear out the upper 32 bits of PREF limit first (temporarily disables the window).
  pci_write_config_dword(k, bridge, R.PCI_PREF_LIMIT_UPPER32, 0);
  const res = bridge.resource[PCI_BRIDGE_RESOURCES + 2];
  let l: number, bu = 0, lu = 0;
  if (res.flags & IORESOURCE_PREFETCH) {
    l = Number(((res.start >> 16n) & 0xfff0n) | (res.end & 0xfff00000n));
    if (res.flags & IORESOURCE_MEM_64) {
      bu = Number(res.start >> 32n);
      lu = Number(res.end >> 32n);
    }
    k.pci_info(bridge, 'setup_bridge_window', { name: pci_resource_name(bridge, PCI_BRIDGE_RESOURCES + 2), res });
  } else {
    l = 0x0000fff0;
  }
  pci_write_config_dword(k, bridge, R.PCI_PREF_MEMORY_BASE, l);
  pci_write_config_dword(k, bridge, R.PCI_PREF_BASE_UPPER32, bu);
  pci_write_config_dword(k, bridge, R.PCI_PREF_LIMIT_UPPER32, lu);
});

/** __pci_setup_bridge() */
const __pci_setup_bridge = traced('__pci_setup_bridge', (k: Kernel, bus: PciBus): void => {
  const bridge = bus.self!;
  k.pci_info(bridge, 'setup_bridge_to', { res: bus.busnRes });
  pci_setup_bridge_io(k, bridge);
  pci_setup_bridge_mmio(k, bridge);
  pci_setup_bridge_mmio_pref(k, bridge);
  pci_write_config_word(k, bridge, R.PCI_BRIDGE_CONTROL, bus.bridgeCtl);
});

export const pci_setup_bridge = traced('pci_setup_bridge', (k: Kernel, bus: PciBus): void => {
  __pci_setup_bridge(k, bus);
});

/** __pci_bus_assign_resources(): this bus's devices first, then each child bus, then its bridge. */
const __pci_bus_assign_resources = traced('__pci_bus_assign_resources', (k: Kernel, bus: PciBus): void => {
  for (const e of pbus_sort_resources(bus)) pci_assign_resource(k, e.dev, e.idx);
  for (const dev of bus.devices) {
    const b = dev.subordinate;
    if (!b) continue;
    __pci_bus_assign_resources(k, b);
    if (dev.hdrType === R.PCI_HEADER_TYPE_BRIDGE && dev.enableCnt === 0) pci_setup_bridge(k, b);
  }
});

/** pci_bus_dump_resources(): "resource N [...]" for every bus, depth first. */
const pci_bus_dump_resources = traced('pci_bus_dump_resources', (k: Kernel, bus: PciBus): void => {
  const list: Array<Resource | null> = [...bus.resource, ...bus.rootResources];
  list.forEach((res, i) => {
    if (!res || !res.end || !res.flags) return;
    k.pci_bus_info(bus, 'bus_resource', { idx: i, res });
  });
  for (const dev of bus.devices) if (dev.subordinate) pci_bus_dump_resources(k, dev.subordinate);
});

/** pci_assign_unassigned_root_bus_resources() (no realloc: one try). */
export const pci_assign_unassigned_root_bus_resources = traced('pci_assign_unassigned_root_bus_resources', (k: Kernel, bus: PciBus): void => {
  __pci_bus_size_bridges(k, bus);
  __pci_bus_assign_resources(k, bus);
  pci_bus_dump_resources(k, bus);
});

/** pci_assign_unassigned_resources() */
export const pci_assign_unassigned_resources = traced('pci_assign_unassigned_resources', (k: Kernel): void => {
  for (const bus of k.roots) pci_assign_unassigned_root_bus_resources(k, bus);
});
