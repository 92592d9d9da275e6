// The simulated machine: host bridges with their root segments, and the routing of configuration
// and memory cycles through bridges. Routing reads the bridges' own registers on every cycle, so
// when the kernel reprograms bus numbers or windows, what is reachable changes with them.
import type { Width } from './config-space';
import { PciFunction } from './pci-function';
import * as R from './regs';

export interface HostWindow {
  type: 'io' | 'mem';
  start: bigint;
  end: bigint;
  pref: boolean;
  /** an ACPI _CRS window (IORESOURCE_WINDOW); pci=nocrs defaults are not */
  window?: boolean;
}

export class HostBridge {
  readonly root = new Map<number, PciFunction>();
  constructor(
    readonly acpiName: string,
    readonly domain: number,
    readonly busStart: number,
    readonly busEnd: number,
    readonly windows: HostWindow[],
  ) {}
}

export interface Located {
  fn: PciFunction;
  host: HostBridge;
  bus: number;
  devfn: number;
}

/** PCIe root and downstream ports forward type 0 cycles only to device 0 (PCIe r6.0 §7.3.1). */
function onlyDevice0(bridge: PciFunction): boolean {
  return bridge.pcieType === R.PCI_EXP_TYPE_ROOT_PORT || bridge.pcieType === R.PCI_EXP_TYPE_DOWNSTREAM;
}

export interface Reservation {
  type: 'io' | 'mem';
  start: bigint;
  end: bigint;
  /** the PNP device, "00:04" */
  by: string;
}

export class Machine {
  constructor(
    readonly name: string,
    readonly hosts: HostBridge[],
    /** x86 PCIBIOS_MIN_MEM (pci_mem_start) */
    readonly pciMemStart: bigint,
    /** firmware-described motherboard resources (ACPI PNP0C02) */
    readonly reserved: Reservation[] = [],
    /** memory and I/O of ACPI platform devices, inserted when ACPI enumerates them */
    readonly acpiDevices: Array<{ name: string; type: 'io' | 'mem'; start: bigint; end: bigint }> = [],
  ) {}

  private host(domain: number, bus: number): HostBridge | undefined {
    return this.hosts.find((h) => h.domain === domain && bus >= h.busStart && bus <= h.busEnd);
  }

  /** Which function, if any, a configuration cycle to domain:bus:devfn reaches right now. */
  locate(domain: number, bus: number, devfn: number): PciFunction | null {
    const h = this.host(domain, bus);
    if (!h) return null;
    return route(h.root, h.busStart, bus, devfn);
  }

  configRead(domain: number, bus: number, devfn: number, offset: number, width: Width): number {
    const fn = this.locate(domain, bus, devfn);
    // No function claims the cycle: the root complex completes it with all-ones.
    if (!fn) return width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    return fn.readConfig(offset, width);
  }

  /** Returns true when the write reset the function it reached. */
  configWrite(domain: number, bus: number, devfn: number, offset: number, width: Width, value: number): boolean {
    return this.locate(domain, bus, devfn)?.writeConfig(offset, width, value) ?? false;
  }

  /**
   * A 32-bit memory read from the CPU. Unclaimed reads (no BAR decodes the address, decode
   * disabled, outside every window) end as Unsupported Request / master abort: all-ones.
   */
  memRead32(addr: bigint): number {
    return this.memAccess(addr).value;
  }

  /** The read and which function, if any, decoded it. */
  memAccess(addr: bigint): { value: number; decoder: PciFunction | null } {
    for (const h of this.hosts) {
      if (!h.windows.some((w) => w.type === 'mem' && addr >= w.start && addr <= w.end)) continue;
      const hit = memRoute(h.root, addr);
      if (hit) return hit;
    }
    return { value: 0xffffffff, decoder: null };
  }

  /** The "dddd:bb:dd.f" name a function answers to now. */
  nameOf(fn: PciFunction): string | null {
    for (const l of this.walk()) {
      if (l.fn === fn) return `${l.host.domain.toString(16).padStart(4, '0')}:${l.bus.toString(16).padStart(2, '0')}:${(l.devfn >> 3).toString(16).padStart(2, '0')}.${l.devfn & 7}`;
    }
    return null;
  }

  /** Every function with the bus number it answers to now, in topology order. */
  *walk(): Generator<Located> {
    for (const h of this.hosts) yield* walkSegment(h, h.root, h.busStart);
  }
}

function route(segment: Map<number, PciFunction>, segBus: number, bus: number, devfn: number): PciFunction | null {
  if (bus === segBus) return segment.get(devfn) ?? null;
  for (const fn of segment.values()) {
    if (!fn.below) continue;
    const sec = fn.secondaryBus();
    const sub = fn.subordinateBus();
    if (sec <= segBus || bus < sec || bus > sub) continue;
    if (bus === sec) {
      if (onlyDevice0(fn) && devfn >> 3 !== 0) return null;
      return fn.below.get(devfn) ?? null;
    }
    return route(fn.below, sec, bus, devfn);
  }
  return null;
}

function memRoute(segment: Map<number, PciFunction>, addr: bigint): { value: number; decoder: PciFunction | null } | null {
  for (const fn of segment.values()) {
    if (fn.below) {
      // A bridge that forwards the address owns it: nothing below claiming it is a master abort.
      if (fn.forwardsMemory(addr)) return memRoute(fn.below, addr) ?? { value: 0xffffffff, decoder: null };
      continue;
    }
    for (const bar of fn.memoryBars()) {
      if (addr >= bar.base && addr < bar.base + bar.size) return { value: fn.mmioRead(bar.index, Number(addr - bar.base)), decoder: fn };
    }
  }
  return null;
}

function* walkSegment(h: HostBridge, segment: Map<number, PciFunction>, bus: number): Generator<Located> {
  for (const [devfn, fn] of segment) {
    yield { fn, host: h, bus, devfn };
    if (fn.below) {
      const sec = fn.secondaryBus();
      if (sec > bus) yield* walkSegment(h, fn.below, sec);
    }
  }
}
