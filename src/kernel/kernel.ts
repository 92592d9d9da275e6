// One running simulated kernel: its variant (release + modelled commits), the machine it runs on,
// its log, its virtual clock, the current initcall or event phase, and the call chain that every
// hardware access is attributed to.
import type { Machine } from '../hw/machine';
import { KernelLog, VirtualClock } from '../printk/log';
import type { MessageId, Params } from '../printk/messages';
import type { KernelVariant } from './releases';
import { PCI_BRIDGE_RESOURCES, type PciBus, type PciDev, type PciDriver } from './types';
import { RESOURCE_NAMES_65F8E0BEAC5A } from './commits';
import { IORESOURCE_IO, IORESOURCE_MEM, Resource } from './resource';
import type { PciFunction } from '../hw/pci-function';

export interface TraceEntry {
  seq: number;
  usec: number;
  phase: string;
  /** kernel call chain, outermost first, joined with " > " */
  chain: string;
  /** "0000:07:00.0", or the address for MMIO */
  target: string;
  /**
   * cfg-read / cfg-write: a configuration access; mmio-read: a readl() of a BAR; saved: the
   * kernel changed saved_config_space (no hardware access, recorded because restores use it);
   * platform: firmware changed the function outside any config access (s390 zPCI error state,
   * CLP disable/enable), `text` says what; lu-guard: a Live Update guard (pci_lu_adopt()) kept
   * the kernel from writing, `text` says what it skipped.
   */
  kind: 'cfg-read' | 'cfg-write' | 'mmio-read' | 'saved' | 'platform' | 'lu-guard';
  text?: string;
  offset: number;
  width: 1 | 2 | 4;
  /** for reads the value read; for writes the value written */
  value: number;
  /** writes: the register before and after, as the hardware holds it */
  before?: number;
  after?: number;
  /** cfg-write: the write reset the function (FLR, D3hot → D0 with No_Soft_Reset clear) */
  reset?: boolean;
  /** mmio-read: the device whose kernel resource covers the address, and who actually answered */
  device?: string;
  decoder?: string | null;
}

/**
 * Watches every configuration write that reaches a function (the Live Update write audit): `pre`
 * runs before the write, `post` after it with what `pre` returned.
 */
export interface WriteObserver {
  pre(fn: PciFunction): unknown;
  post(fn: PciFunction, pre: unknown, e: TraceEntry): void;
}

/** struct pci_ser as the incoming Live Update data hands it over: the preserved functions. */
export interface PciSer {
  devices: Array<{ domain: number; bdf: number; refcount: number }>;
}

export interface CommandLine {
  /** pci=realloc */
  realloc?: boolean;
  /** pci=assign-busses */
  assignBusses?: boolean;
  /** pci=nocrs */
  nocrs?: boolean;
}

/** Build options of the kernel that change PCI behaviour (Kconfig). */
export interface KernelConfig {
  /**
   * CONFIG_PCI_REALLOC_ENABLE_AUTO: VF BARs firmware left unassigned turn pci=realloc on. Debian's
   * amd64 config (read for 6.1.192-2) and the other distribution kernels of the corpus set it.
   */
  PCI_REALLOC_ENABLE_AUTO: boolean;
  /**
   * CONFIG_PCI_IOV: SR-IOV support, and with it six VF BAR slots in every pci_dev's resource[]
   * between the ROM and the bridge windows. Without it the windows are resources 7..10, which is
   * what old-wording messages ("BAR 9: assigned") and "resource %d … released" print.
   */
  PCI_IOV: boolean;
}

export const DEFAULT_KCONFIG: KernelConfig = { PCI_REALLOC_ENABLE_AUTO: true, PCI_IOV: true };

export class Kernel {
  readonly log: KernelLog;
  /** the build's Kconfig choices; replays set it from the fixture before booting */
  kconfig: KernelConfig = { ...DEFAULT_KCONFIG };
  phase = 'boot';
  readonly stack: string[] = [];
  private chainCache: string | null = '';
  readonly trace: TraceEntry[] | null;
  readonly roots: PciBus[] = [];
  /** every pci_dev in device_add() order: for_each_pci_dev() */
  readonly devices: PciDev[] = [];
  readonly drivers = new Map<string, PciDriver>();
  /** the top of the resource trees: ioport_resource and iomem_resource (kernel/resource.c) */
  readonly ioportResource = new Resource('PCI IO', 0n, 0xffffn, IORESOURCE_IO);
  readonly iomemResource = new Resource('PCI mem', 0n, 0xffffffffffffffffn, IORESOURCE_MEM);
  seq = 0;
  /** vga_default_device() */
  vgaDefault: PciDev | null = null;
  /** called after every initcall and event (the scenario runner computes findings there) */
  afterStep: ((label: string) => void) | null = null;
  /** called at API boundaries inside an event (Kernel.checkpoint()), e.g. after an IRQ is set up */
  onCheckpoint: ((label: string) => void) | null = null;
  /** sees every configuration write that reaches a function (tracing runs only) */
  writeObserver: WriteObserver | null = null;
  /** Live Update: the incoming data of the previous kernel (liveupdate_flb_get_incoming()), if any */
  lu: PciSer | null = null;
  /** kexec_in_progress */
  kexecInProgress = false;
  private readonly printedOnce = new Set<string>();
  private readonly work: Array<{ fn: string; run: () => void }> = [];

  constructor(
    readonly variant: KernelVariant,
    readonly machine: Machine,
    readonly clock: VirtualClock,
    readonly cmdline: CommandLine = {},
    tracing = true,
    /** "host" or "guest": which side of a passthrough this kernel is */
    readonly side: 'host' | 'guest' = 'host',
  ) {
    this.log = new KernelLog(clock, !variant.commits.has(RESOURCE_NAMES_65F8E0BEAC5A));
    this.trace = tracing ? [] : null;
  }

  /** Does this kernel carry the behaviour of `commit` (upstream id; backports count)? */
  has(commit: string): boolean {
    return this.variant.commits.has(commit);
  }

  enter(fn: string): void {
    this.stack.push(fn);
    this.chainCache = null;
  }

  leave(): void {
    this.stack.pop();
    this.chainCache = null;
  }

  chain(): string {
    if (this.chainCache === null) this.chainCache = this.stack.join(' > ');
    return this.chainCache;
  }

  record(e: Omit<TraceEntry, 'seq' | 'usec' | 'phase' | 'chain'>): void {
    if (!this.trace) return;
    this.trace.push({ seq: this.seq++, usec: this.clock.usec, phase: this.phase, chain: this.chain(), ...e });
  }

  /** MMIO reads that came back all-ones, kept with or without tracing (for findings). */
  readonly allOnesMmio: Array<{ usec: number; phase: string; chain: string; addr: bigint; device: string | null }> = [];

  noteMmio(addr: bigint, value: number, device: string | null): void {
    if (value === 0xffffffff) this.allOnesMmio.push({ usec: this.clock.usec, phase: this.phase, chain: this.chain(), addr, device });
  }

  /** saved_config_space[index] of `dev` becomes `value` (pci_save_state(), 909f7bf9b080, …). */
  setSaved(dev: PciDev, index: number, value: number): void {
    dev.savedConfigSpace[index] = value >>> 0;
    dev.savedEver = true;
    if (this.trace) this.record({ target: dev.name(), kind: 'saved', offset: index * 4, width: 4, value: value >>> 0 });
  }

  /** queue_work(): deferred work, run by flushWork() after the current event. */
  queueWork(fn: string, run: () => void): void {
    this.work.push({ fn, run });
  }

  /** Run queued work items (as the workqueue would, once the event's caller has returned). */
  flushWork(): void {
    while (this.work.length) {
      const w = this.work.shift()!;
      const saved = this.stack.splice(0);
      this.enter(w.fn);
      try {
        w.run();
      } finally {
        this.leave();
        this.stack.push(...saved);
        this.chainCache = null;
      }
    }
  }

  pci_info(dev: PciDev, id: MessageId, p?: Params): void {
    // The model always keeps the VF BAR slots; without CONFIG_PCI_IOV the kernel's own numbering
    // of a bridge window (`idx` of a device message) is six lower.
    if (p && typeof p.idx === 'number' && !this.kconfig.PCI_IOV && p.idx >= PCI_BRIDGE_RESOURCES) p = { ...p, idx: p.idx - 6 };
    this.log.print(dev.prefix(), id, p);
  }
  pci_bus_info(bus: PciBus, id: MessageId, p?: Params): void {
    this.log.print(`pci_bus ${bus.name()}: `, id, p);
  }
  pr_info(id: MessageId, p?: Params): void {
    this.log.print('', id, p);
  }
  /** pr_info_once(), pr_notice_once(): the first time only (a static bool at the call site) */
  pr_info_once(id: MessageId, p?: Params): void {
    if (this.printedOnce.has(id)) return;
    this.printedOnce.add(id);
    this.log.print('', id, p);
  }

  /** A point where the simulator looks at kernel-versus-hardware state (see onCheckpoint). */
  checkpoint(label: string): void {
    this.onCheckpoint?.(label);
  }
}

/**
 * Declare a modelled kernel function: `traced('pci_restore_state', (k, dev) => …)`. The name is
 * the kernel's, and every hardware access made inside is attributed to the call chain.
 */
export function traced<A extends unknown[], R>(name: string, f: (k: Kernel, ...a: A) => R): (k: Kernel, ...a: A) => R {
  // Fixed arity up to five arguments: a rest parameter would allocate an array on every call,
  // and millions of calls on a large machine make that garbage a good part of a boot.
  const g = f as unknown as (k: Kernel, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown) => R;
  const wrapped = f.length <= 6
    ? (k: Kernel, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown): R => {
        k.enter(name);
        try {
          return g(k, a, b, c, d, e);
        } finally {
          k.leave();
        }
      }
    : (k: Kernel, ...a: unknown[]): R => {
        k.enter(name);
        try {
          return (f as unknown as (k: Kernel, ...x: unknown[]) => R)(k, ...a);
        } finally {
          k.leave();
        }
      };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as unknown as (k: Kernel, ...a: A) => R;
}
