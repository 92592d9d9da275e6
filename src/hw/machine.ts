// The simulated machine: host bridges with their root segments, and the routing of configuration
// and memory cycles through bridges. Routing reads the bridges' own registers on every cycle, so
// when the kernel reprograms bus numbers or windows, what is reachable changes with them.
import type { Width } from './config-space';
import { PciFunction, topology } from './pci-function';
import * as R from './regs';

export interface HostWindow {
  type: 'io' | 'mem';
  start: bigint;
  end: bigint;
  pref: boolean;
  /** an ACPI _CRS window (IORESOURCE_WINDOW); pci=nocrs defaults are not */
  window?: boolean;
}

/**
 * An s390x zPCI function as the machine's firmware knows it: its function ID and UID, and the
 * bus address it programmed into each BAR. PCI Load/Store instructions name a function handle
 * and a BAR, and firmware turns them into a memory cycle at that address.
 */
export interface ZpciFunction {
  fid: number;
  uid: number;
  /** BAR index → the bus address firmware programmed */
  bars: Map<number, bigint>;
  /** BAR index → what CLP QUERY PCI FN reports of it (size, 64-bit, prefetchable) */
  barInfo: Map<number, { size: bigint; mem64: boolean; prefetch: boolean }>;
  /** CLP "configured" and enabled (disable + enable is the hot reset) */
  enabled: boolean;
}

/** The _OSC control fields acpi_pci_root_add() prints, in its order. */
export const OSC_ALL = ['PCIeHotplug', 'SHPCHotplug', 'PME', 'AER', 'PCIeCapability', 'LTR', 'DPC'] as const;

export class HostBridge {
  readonly root = new Map<number, PciFunction>();
  /** s390x: the zPCI function this root bus stands for */
  zpci: ZpciFunction | null = null;
  /** what ACPI _OSC hands the OS ("OS now controls [...]"): native PCIe services */
  osc: ReadonlySet<string> = new Set(OSC_ALL);
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
  /**
   * x86 interrupt remapping the firmware enabled (set by the builder): it decides what an MSI
   * message holds. 'amd-vi': an IRTE index in the data, the fixed 0xfee00000 address.
   */
  irqRemap: 'amd-vi' | null = null;

  constructor(
    readonly name: string,
    readonly hosts: HostBridge[],
    /** x86 PCIBIOS_MIN_MEM (pci_mem_start) */
    readonly pciMemStart: bigint,
    /** firmware-described motherboard resources (ACPI PNP0C02) */
    readonly reserved: Reservation[] = [],
    /** 'x86' (ACPI host bridges) or 's390x' (zPCI functions, each its own root bus) */
    readonly arch: 'x86' | 's390x' = 'x86',
    /** memory and I/O of ACPI platform devices, inserted when ACPI enumerates them */
    readonly acpiDevices: Array<{ name: string; type: 'io' | 'mem'; start: bigint; end: bigint }> = [],
    /** s390x: the UID-checking bit of the CLP LIST PCI response */
    readonly zpciUidChecking = true,
  ) {}

  private host(domain: number, bus: number): HostBridge | undefined {
    return this.hosts.find((h) => h.domain === domain && bus >= h.busStart && bus <= h.busEnd);
  }

  /** domain:bus → the segment a configuration cycle to that bus reaches, as of topology.epoch */
  private readonly segments = new Map<number, { epoch: number; seg: Map<number, PciFunction> | null; only0: boolean }>();

  /** Which function, if any, a configuration cycle to domain:bus:devfn reaches right now. */
  locate(domain: number, bus: number, devfn: number): PciFunction | null {
    const key = domain * 256 + bus;
    let hit = this.segments.get(key);
    if (!hit || hit.epoch !== topology.epoch) {
      const h = this.host(domain, bus);
      hit = { epoch: topology.epoch, ...(h ? segmentFor(h.root, h.busStart, bus) : { seg: null, only0: false }) };
      this.segments.set(key, hit);
    }
    if (!hit.seg || (hit.only0 && devfn >> 3 !== 0)) return null;
    return hit.seg.get(devfn) ?? null;
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

  /**
   * s390x PCI Load from a BAR (zpci_load() with a function handle): a memory cycle at the bus
   * address firmware programmed into that BAR. A function whose BAR register no longer holds it
   * (or that stopped decoding, or is in the error state) leaves the load unanswered: all-ones.
   */
  zpciLoad(h: HostBridge, bar: number, offset: number): { value: number; decoder: PciFunction | null } {
    const fn = h.root.get(0);
    const addr = h.zpci?.bars.get(bar);
    if (!fn || addr === undefined || !h.zpci!.enabled) return { value: 0xffffffff, decoder: null };
    const hit = fn.memoryBars().find((b) => addr + BigInt(offset) >= b.base && addr + BigInt(offset) < b.base + b.size);
    return hit ? { value: fn.mmioRead(hit.index, Number(addr + BigInt(offset) - hit.base)), decoder: fn } : { value: 0xffffffff, decoder: null };
  }

  /** What a device register holds (its MMIO file), whatever decodes now: the verdict's reference. */
  registerValue(domain: number, bus: number, devfn: number, bar: number, offset: number): number {
    const fn = this.locate(domain, bus, devfn);
    return fn ? fn.mmioRead(bar, offset) : 0xffffffff;
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

/**
 * The segment (functions by devfn) that configuration cycles to `bus` reach from `segment` on
 * `segBus`, following the bridges' bus numbers as programmed now; `only0` when the bridge leading
 * there passes only device 0 (a PCIe downstream link).
 */
function segmentFor(segment: Map<number, PciFunction>, segBus: number, bus: number): { seg: Map<number, PciFunction> | null; only0: boolean } {
  if (bus === segBus) return { seg: segment, only0: false };
  for (const fn of segment.values()) {
    if (!fn.below) continue;
    const sec = fn.secondaryBus();
    const sub = fn.subordinateBus();
    if (sec <= segBus || bus < sec || bus > sub) continue;
    if (bus === sec) return { seg: fn.below, only0: onlyDevice0(fn) };
    return segmentFor(fn.below, sec, bus);
  }
  return { seg: null, only0: false };
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
