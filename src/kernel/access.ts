// drivers/pci/access.c: the one door between the modelled kernel and the simulated hardware.
// pci_read_config_*() / pci_write_config_*() reach the function through the machine's routing
// (bus numbers as currently programmed), and every access is recorded with its call chain.
import type { Width } from '../hw/config-space';
import type { Kernel } from './kernel';
import type { PciBus, PciDev } from './types';
import { zpci_load } from './arch/s390/pci';

const ZPCI_IOMAP_ADDR_BASE = 0x8000000000000000n;

function busRead(k: Kernel, bus: PciBus, devfn: number, off: number, width: Width): number {
  k.clock.advance(1);
  const v = k.machine.configRead(bus.domain, bus.number, devfn, off, width);
  if (k.trace) k.record({ target: bus.slotName(devfn), kind: 'cfg-read', offset: off, width, value: v });
  return v;
}

function busWrite(k: Kernel, bus: PciBus, devfn: number, off: number, width: Width, value: number): void {
  k.clock.advance(1);
  const v = value >>> 0;
  if (k.trace) {
    const fn = k.machine.locate(bus.domain, bus.number, devfn);
    const before = fn ? fn.readConfig(off, width) : undefined;
    const pre = fn && k.writeObserver ? k.writeObserver.pre(fn) : undefined;
    const reset = k.machine.configWrite(bus.domain, bus.number, devfn, off, width, v);
    const after = fn ? fn.readConfig(off, width) : undefined;
    const e: Parameters<Kernel['record']>[0] = { target: bus.slotName(devfn), kind: 'cfg-write', offset: off, width, value: v, before, after };
    if (reset) e.reset = true;
    k.record(e);
    if (fn && k.writeObserver) k.writeObserver.post(fn, pre, k.trace[k.trace.length - 1]);
  } else {
    k.machine.configWrite(bus.domain, bus.number, devfn, off, width, v);
  }
}

export const pci_bus_read_config_dword = (k: Kernel, bus: PciBus, devfn: number, off: number): number => busRead(k, bus, devfn, off, 4);
export const pci_bus_read_config_word = (k: Kernel, bus: PciBus, devfn: number, off: number): number => busRead(k, bus, devfn, off, 2);
export const pci_bus_read_config_byte = (k: Kernel, bus: PciBus, devfn: number, off: number): number => busRead(k, bus, devfn, off, 1);
export const pci_bus_write_config_dword = (k: Kernel, bus: PciBus, devfn: number, off: number, v: number): void => busWrite(k, bus, devfn, off, 4, v);
export const pci_bus_write_config_word = (k: Kernel, bus: PciBus, devfn: number, off: number, v: number): void => busWrite(k, bus, devfn, off, 2, v);
export const pci_bus_write_config_byte = (k: Kernel, bus: PciBus, devfn: number, off: number, v: number): void => busWrite(k, bus, devfn, off, 1, v);

export const pci_read_config_dword = (k: Kernel, dev: PciDev, off: number): number => busRead(k, dev.bus, dev.devfn, off, 4);
export const pci_read_config_word = (k: Kernel, dev: PciDev, off: number): number => busRead(k, dev.bus, dev.devfn, off, 2);
export const pci_read_config_byte = (k: Kernel, dev: PciDev, off: number): number => busRead(k, dev.bus, dev.devfn, off, 1);
export const pci_write_config_dword = (k: Kernel, dev: PciDev, off: number, v: number): void => busWrite(k, dev.bus, dev.devfn, off, 4, v);
export const pci_write_config_word = (k: Kernel, dev: PciDev, off: number, v: number): void => busWrite(k, dev.bus, dev.devfn, off, 2, v);
export const pci_write_config_byte = (k: Kernel, dev: PciDev, off: number, v: number): void => busWrite(k, dev.bus, dev.devfn, off, 1, v);

/** The MMIO door: a 32-bit read of CPU physical address `addr` (readl() on an ioremap()ed BAR). */
export function readl(k: Kernel, addr: bigint): number {
  k.clock.advance(1);
  // s390x: addresses are iomap cookies, read with PCI Load instructions
  const { value, decoder } = k.machine.arch === 's390x' && addr & ZPCI_IOMAP_ADDR_BASE
    ? (({ value: v, host }) => ({ value: v, decoder: host?.root.get(0) ?? null }))(zpci_load(k, addr))
    : k.machine.memAccess(addr);
  const owner = k.devices.find((d) => d.resource.some((r, i) => i < 7 && r.flags & 0x200 && addr >= r.start && addr <= r.end));
  k.noteMmio(addr, value, owner?.name() ?? null);
  if (k.trace)
    k.record({
      target: '0x' + addr.toString(16), kind: 'mmio-read', offset: 0, width: 4, value,
      device: owner?.name(), decoder: decoder ? k.machine.nameOf(decoder) : null,
    });
  return value;
}

/**
 * pcie_capability_reg_implemented() (drivers/pci/access.c): which PCIe capability registers a
 * function of this port type has. The accessors read 0 and drop writes for the rest, without a
 * configuration cycle.
 */
export function pcie_capability_reg_implemented(dev: PciDev, pos: number): boolean {
  if (!dev.pcieCap) return false;
  const type = dev.pcieType();
  const v2 = (dev.pcieFlags & 0xf) > 1;
  switch (pos) {
    case 0x02: case 0x04: case 0x08: case 0x0a:
      return true;
    case 0x0c: case 0x10: case 0x12: // link registers
      return type === 0 || type === 1 || type === 4 || type === 5 || type === 6 || type === 7 || type === 8;
    case 0x14: case 0x18: case 0x1a: // slot registers
      return (type === 4 || type === 6 || type === 8) && (dev.pcieFlags & 0x0100) !== 0;
    case 0x1c: case 0x1e: case 0x20: // root registers
      return type === 4 || type === 10;
    case 0x24: case 0x28: case 0x2a: case 0x2c: case 0x30: case 0x32: case 0x34: case 0x38: case 0x3a:
      return v2;
    default:
      return false;
  }
}

export const pcie_capability_read_word = (k: Kernel, dev: PciDev, pos: number): number =>
  pcie_capability_reg_implemented(dev, pos) ? pci_read_config_word(k, dev, dev.pcieCap + pos) : 0;
export const pcie_capability_read_dword = (k: Kernel, dev: PciDev, pos: number): number =>
  pcie_capability_reg_implemented(dev, pos) ? pci_read_config_dword(k, dev, dev.pcieCap + pos) : 0;
export const pcie_capability_write_word = (k: Kernel, dev: PciDev, pos: number, v: number): void => {
  if (pcie_capability_reg_implemented(dev, pos)) pci_write_config_word(k, dev, dev.pcieCap + pos, v);
};
/** pcie_capability_clear_and_set_word(): read, modify, write back — even when nothing changes. */
export function pcie_capability_clear_and_set_word(k: Kernel, dev: PciDev, pos: number, clear: number, set: number): void {
  if (!pcie_capability_reg_implemented(dev, pos)) return;
  const v = pci_read_config_word(k, dev, dev.pcieCap + pos);
  pci_write_config_word(k, dev, dev.pcieCap + pos, ((v & ~clear) | set) & 0xffff);
}
/** pcie_capability_clear_and_set_dword() */
export function pcie_capability_clear_and_set_dword(k: Kernel, dev: PciDev, pos: number, clear: number, set: number): void {
  if (!pcie_capability_reg_implemented(dev, pos)) return;
  const v = pci_read_config_dword(k, dev, dev.pcieCap + pos);
  pci_write_config_dword(k, dev, dev.pcieCap + pos, ((v & ~clear) | set) >>> 0);
}
