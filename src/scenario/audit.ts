// The Live Update write audit (spec/scenarios.md §5): every configuration write of the new kernel
// that reaches a preserved function — the device or a bridge on its path — judged from what the
// hardware did with it, and the places where the new kernel's cached view of the preserved device
// and the device itself disagree.
//
// A write is disruptive when it changes, even for a moment, what the path does with the device's
// traffic: a BAR or the ROM BAR, COMMAND's Memory/I/O Space or Bus Master Enable, bus numbers, a
// bridge window as decoded, Bridge Control, the power state (a function in D3hot neither decodes
// memory nor masters, PCI PM r1.2 §5.3.1.4), or a reset. Everything else is harmless and says why:
// the same value written back, a write-1-to-clear status register, interrupt state, and so on.
// This is the simulator's judgement, never mixed into the kernel log.
import type { PciFunction } from '../hw/pci-function';
import * as R from '../hw/regs';
import type { Kernel, TraceEntry, WriteObserver } from '../kernel/kernel';
import { IORESOURCE_IO, IORESOURCE_MEM } from '../kernel/resource';
import { PCI_BRIDGE_RESOURCES, PCI_D3hot, PciDev, pci_power_name } from '../kernel/types';
import { resourceString } from '../printk/format';

const hex = (v: number, digits = 8) => '0x' + (v >>> 0).toString(16).padStart(digits, '0');
const hexw = (v: number, width: number) => hex(v, width * 2);

// ---- reading a function's registers as the hardware holds them ---------------------------------

interface Cap {
  id: number;
  at: number;
  len: number;
}

const CAP_LEN: Record<number, number> = { [R.PCI_CAP_ID_PM]: 8, [R.PCI_CAP_ID_MSI]: 24, [R.PCI_CAP_ID_MSIX]: 12, [R.PCI_CAP_ID_EXP]: 0x3c };

/** The capability list, walked in the hardware's own config space (no accesses traced). */
export function capabilities(fn: PciFunction): Cap[] {
  const c = fn.config;
  const out: Cap[] = [];
  if (!(c.read(R.PCI_STATUS, 2) & R.PCI_STATUS_CAP_LIST)) return out;
  let pos = c.read(R.PCI_CAPABILITY_LIST, 1) & ~3;
  for (let ttl = 48; pos >= 0x40 && ttl; ttl--) {
    const id = c.read(pos, 1);
    out.push({ id, at: pos, len: CAP_LEN[id] ?? 4 });
    pos = c.read(pos + 1, 1) & ~3;
  }
  return out;
}

const HEADER0: Record<number, string> = {
  0x00: 'PCI_VENDOR_ID', 0x04: 'PCI_COMMAND', 0x06: 'PCI_STATUS', 0x0c: 'PCI_CACHE_LINE_SIZE', 0x0d: 'PCI_LATENCY_TIMER',
  0x10: 'PCI_BASE_ADDRESS_0', 0x14: 'PCI_BASE_ADDRESS_1', 0x18: 'PCI_BASE_ADDRESS_2', 0x1c: 'PCI_BASE_ADDRESS_3',
  0x20: 'PCI_BASE_ADDRESS_4', 0x24: 'PCI_BASE_ADDRESS_5', 0x30: 'PCI_ROM_ADDRESS', 0x3c: 'PCI_INTERRUPT_LINE',
};
const HEADER1: Record<number, string> = {
  0x00: 'PCI_VENDOR_ID', 0x04: 'PCI_COMMAND', 0x06: 'PCI_STATUS', 0x0c: 'PCI_CACHE_LINE_SIZE', 0x0d: 'PCI_LATENCY_TIMER',
  0x10: 'PCI_BASE_ADDRESS_0', 0x14: 'PCI_BASE_ADDRESS_1', 0x18: 'PCI_PRIMARY_BUS', 0x19: 'PCI_SECONDARY_BUS',
  0x1a: 'PCI_SUBORDINATE_BUS', 0x1b: 'PCI_SEC_LATENCY_TIMER', 0x1c: 'PCI_IO_BASE', 0x1d: 'PCI_IO_LIMIT', 0x1e: 'PCI_SEC_STATUS',
  0x20: 'PCI_MEMORY_BASE', 0x22: 'PCI_MEMORY_LIMIT', 0x24: 'PCI_PREF_MEMORY_BASE', 0x26: 'PCI_PREF_MEMORY_LIMIT',
  0x28: 'PCI_PREF_BASE_UPPER32', 0x2c: 'PCI_PREF_LIMIT_UPPER32', 0x30: 'PCI_IO_BASE_UPPER16', 0x32: 'PCI_IO_LIMIT_UPPER16',
  0x38: 'PCI_ROM_ADDRESS1', 0x3c: 'PCI_INTERRUPT_LINE', 0x3e: 'PCI_BRIDGE_CONTROL',
};
const CAP_REGS: Record<number, Record<number, string>> = {
  [R.PCI_CAP_ID_PM]: { 2: 'PCI_PM_PMC', 4: 'PCI_PM_CTRL' },
  [R.PCI_CAP_ID_MSIX]: { 2: 'PCI_MSIX_FLAGS', 4: 'PCI_MSIX_TABLE', 8: 'PCI_MSIX_PBA' },
  [R.PCI_CAP_ID_EXP]: {
    8: 'PCI_EXP_DEVCTL', 10: 'PCI_EXP_DEVSTA', 16: 'PCI_EXP_LNKCTL', 18: 'PCI_EXP_LNKSTA', 24: 'PCI_EXP_SLTCTL', 26: 'PCI_EXP_SLTSTA',
    28: 'PCI_EXP_RTCTL', 40: 'PCI_EXP_DEVCTL2', 48: 'PCI_EXP_LNKCTL2', 56: 'PCI_EXP_SLTCTL2',
  },
};

/** The MSI capability's registers depend on 64-bit addressing (PCI r3.0 §6.8.1). */
function msiRegs(fn: PciFunction, at: number): Record<number, string> {
  const is64 = (fn.config.read(at + R.PCI_MSI_FLAGS, 2) & R.PCI_MSI_FLAGS_64BIT) !== 0;
  return is64
    ? { 2: 'PCI_MSI_FLAGS', 4: 'PCI_MSI_ADDRESS_LO', 8: 'PCI_MSI_ADDRESS_HI', 12: 'PCI_MSI_DATA_64', 16: 'PCI_MSI_MASK_64', 20: 'PCI_MSI_PENDING_64' }
    : { 2: 'PCI_MSI_FLAGS', 4: 'PCI_MSI_ADDRESS_LO', 8: 'PCI_MSI_DATA_32', 12: 'PCI_MSI_MASK_32', 16: 'PCI_MSI_PENDING_32' };
}

/** The extended capability list from 0x100, in the hardware's config space. */
function extCapabilities(fn: PciFunction): Cap[] {
  const c = fn.config;
  const out: Cap[] = [];
  if (c.size <= 0x100) return out;
  let pos = 0x100;
  for (let ttl = 480; pos >= 0x100 && ttl; ttl--) {
    const header = c.read(pos, 4);
    if (!header || header === 0xffffffff) break;
    out.push({ id: header & 0xffff, at: pos, len: header & 0xffff ? EXT_LEN[header & 0xffff] ?? 4 : 4 });
    pos = (header >>> 20) & 0xffc;
  }
  return out;
}

const EXT_LEN: Record<number, number> = { [R.PCI_EXT_CAP_ID_SRIOV]: 0x40, [R.PCI_EXT_CAP_ID_ERR]: 0x48 };
const EXT_REGS: Record<number, Record<number, string>> = {
  [R.PCI_EXT_CAP_ID_SRIOV]: {
    0x08: 'PCI_SRIOV_CTRL', 0x0a: 'PCI_SRIOV_STATUS', 0x10: 'PCI_SRIOV_NUM_VF', 0x20: 'PCI_SRIOV_SYS_PGSIZE',
    0x24: 'PCI_SRIOV_BAR 0', 0x28: 'PCI_SRIOV_BAR 1', 0x2c: 'PCI_SRIOV_BAR 2', 0x30: 'PCI_SRIOV_BAR 3', 0x34: 'PCI_SRIOV_BAR 4', 0x38: 'PCI_SRIOV_BAR 5',
  },
  [R.PCI_EXT_CAP_ID_ERR]: { 0x04: 'PCI_ERR_UNCOR_STATUS', 0x08: 'PCI_ERR_UNCOR_MASK', 0x0c: 'PCI_ERR_UNCOR_SEVER', 0x10: 'PCI_ERR_COR_STATUS', 0x14: 'PCI_ERR_COR_MASK', 0x18: 'PCI_ERR_CAP' },
};

/** The register at `off`, by its include/uapi/linux/pci_regs.h name. */
export function registerName(fn: PciFunction, off: number): string {
  const header = fn.isBridge() ? HEADER1 : HEADER0;
  if (off < 0x40) return header[off] ?? `header ${hex(off, 2)}`;
  if (off < 0x100) {
    for (const cap of capabilities(fn)) {
      if (off < cap.at || off >= cap.at + cap.len) continue;
      const regs = cap.id === R.PCI_CAP_ID_MSI ? msiRegs(fn, cap.at) : CAP_REGS[cap.id] ?? {};
      return regs[off - cap.at] ?? `capability ${hex(cap.id, 2)} + ${hex(off - cap.at, 2)}`;
    }
  } else {
    for (const cap of extCapabilities(fn)) {
      if (off < cap.at || off >= cap.at + cap.len) continue;
      return EXT_REGS[cap.id]?.[off - cap.at] ?? `extended capability ${hex(cap.id, 4)} + ${hex(off - cap.at, 2)}`;
    }
  }
  return `config ${hex(off, 3)}`;
}

/** What a function's registers make it do with traffic: the fields a disruptive write changes. */
interface View {
  bars: number[];
  rom: number;
  /** SR-IOV: the VF BAR registers and VF Enable / VF Memory Space Enable */
  vfBars: number[];
  vfCtrl: number;
  /** PCIe Link Control's Link Disable */
  linkDisable: number;
  decode: number;
  buses: string | null;
  windows: { io: string; mem: string; pref: string } | null;
  bctl: number | null;
  power: number;
}

function decodeWindows(fn: PciFunction): View['windows'] {
  const c = fn.config;
  const io = (() => {
    const b = c.read(R.PCI_IO_BASE, 1), l = c.read(R.PCI_IO_LIMIT, 1);
    if (!c.mask(R.PCI_IO_BASE, 1)) return 'none';
    let base = (b & R.PCI_IO_RANGE_MASK) << 8, limit = ((l & R.PCI_IO_RANGE_MASK) << 8) | 0xfff;
    if ((b & 0x0f) === R.PCI_IO_RANGE_TYPE_32) {
      base += c.read(R.PCI_IO_BASE_UPPER16, 2) * 0x10000;
      limit += c.read(R.PCI_IO_LIMIT_UPPER16, 2) * 0x10000;
    }
    return base <= limit ? `[io  ${hex(base, 4)}-${hex(limit, 4)}]` : 'disabled';
  })();
  const mb = BigInt(c.read(R.PCI_MEMORY_BASE, 2) & R.PCI_MEMORY_RANGE_MASK) << 16n;
  const ml = (BigInt(c.read(R.PCI_MEMORY_LIMIT, 2) & R.PCI_MEMORY_RANGE_MASK) << 16n) | 0xfffffn;
  const mem = mb <= ml ? `[mem 0x${mb.toString(16).padStart(8, '0')}-0x${ml.toString(16).padStart(8, '0')}]` : 'disabled';
  const pref = (() => {
    if (!c.mask(R.PCI_PREF_MEMORY_BASE, 2)) return 'none';
    const pb = c.read(R.PCI_PREF_MEMORY_BASE, 2), pl = c.read(R.PCI_PREF_MEMORY_LIMIT, 2);
    let base = BigInt(pb & R.PCI_PREF_RANGE_MASK) << 16n;
    let limit = (BigInt(pl & R.PCI_PREF_RANGE_MASK) << 16n) | 0xfffffn;
    if ((pb & R.PCI_PREF_RANGE_TYPE_MASK) === R.PCI_PREF_RANGE_TYPE_64) {
      base |= BigInt(c.read(R.PCI_PREF_BASE_UPPER32, 4)) << 32n;
      limit |= BigInt(c.read(R.PCI_PREF_LIMIT_UPPER32, 4)) << 32n;
    }
    return base <= limit ? `[mem 0x${base.toString(16).padStart(8, '0')}-0x${limit.toString(16).padStart(8, '0')} pref]` : 'disabled';
  })();
  return { io, mem, pref };
}

function view(fn: PciFunction): View {
  const c = fn.config;
  const bridge = fn.isBridge();
  const bars: number[] = [];
  for (let i = 0; i < (bridge ? 2 : 6); i++) bars.push(c.read(R.PCI_BASE_ADDRESS_0 + 4 * i, 4));
  const sriov = extCapabilities(fn).find((x) => x.id === R.PCI_EXT_CAP_ID_SRIOV);
  const vfBars: number[] = [];
  if (sriov) for (let i = 0; i < R.PCI_SRIOV_NUM_BARS; i++) vfBars.push(c.read(sriov.at + R.PCI_SRIOV_BAR + 4 * i, 4));
  return {
    bars,
    rom: c.read(bridge ? R.PCI_ROM_ADDRESS1 : R.PCI_ROM_ADDRESS, 4),
    vfBars,
    vfCtrl: sriov ? c.read(sriov.at + R.PCI_SRIOV_CTRL, 2) & (R.PCI_SRIOV_CTRL_VFE | R.PCI_SRIOV_CTRL_MSE) : 0,
    linkDisable: fn.pcieCap ? c.read(fn.pcieCap + R.PCI_EXP_LNKCTL, 2) & R.PCI_EXP_LNKCTL_LD : 0,
    decode: c.read(R.PCI_COMMAND, 2) & (R.PCI_COMMAND_IO | R.PCI_COMMAND_MEMORY | R.PCI_COMMAND_MASTER),
    buses: bridge ? `${hex(c.read(R.PCI_PRIMARY_BUS, 1), 2).slice(2)}/${hex(c.read(R.PCI_SECONDARY_BUS, 1), 2).slice(2)}/${hex(c.read(R.PCI_SUBORDINATE_BUS, 1), 2).slice(2)}` : null,
    windows: bridge ? decodeWindows(fn) : null,
    bctl: bridge ? c.read(R.PCI_BRIDGE_CONTROL, 2) : null,
    power: fn.powerState(),
  };
}

const COMMAND_BITS: Array<[number, string]> = [[R.PCI_COMMAND_IO, 'I/O Space'], [R.PCI_COMMAND_MEMORY, 'Memory Space'], [R.PCI_COMMAND_MASTER, 'Bus Master']];
const COMMAND_NAMES: Array<[number, string]> = [
  [0x0008, 'Special Cycles'], [0x0010, 'Memory Write and Invalidate'], [0x0020, 'VGA Palette Snoop'], [0x0040, 'Parity Error Response'],
  [0x0100, 'SERR# Enable'], [0x0200, 'Fast Back-to-Back'], [0x0400, 'INTx Disable'],
];

/** The disruptive changes between two views, in words. */
function disruptions(a: View, b: View, reset: boolean): string[] {
  const out: string[] = [];
  a.bars.forEach((v, i) => { if (v !== b.bars[i]) out.push(`BAR ${i} register ${hex(v)} -> ${hex(b.bars[i])}`); });
  if (a.rom !== b.rom) out.push(`ROM BAR ${hex(a.rom)} -> ${hex(b.rom)}`);
  a.vfBars.forEach((v, i) => { if (v !== b.vfBars[i]) out.push(`VF BAR ${i} register ${hex(v)} -> ${hex(b.vfBars[i])}`); });
  if (a.vfCtrl !== b.vfCtrl) out.push(`SR-IOV VF Enable/VF MSE ${hex(a.vfCtrl, 2)} -> ${hex(b.vfCtrl, 2)}`);
  if (a.linkDisable !== b.linkDisable) out.push(`Link Disable ${a.linkDisable ? 'on -> off' : 'off -> on'}`);
  for (const [bit, name] of COMMAND_BITS) if ((a.decode ^ b.decode) & bit) out.push(`${name} ${a.decode & bit ? 'on -> off' : 'off -> on'}`);
  if (a.buses !== b.buses) out.push(`bus numbers (primary/secondary/subordinate) ${a.buses} -> ${b.buses}`);
  if (a.windows && b.windows) {
    if (a.windows.io !== b.windows.io) out.push(`I/O window ${a.windows.io} -> ${b.windows.io}`);
    if (a.windows.mem !== b.windows.mem) out.push(`memory window ${a.windows.mem} -> ${b.windows.mem}`);
    if (a.windows.pref !== b.windows.pref) out.push(`prefetchable window ${a.windows.pref} -> ${b.windows.pref}`);
  }
  if (a.bctl !== b.bctl) out.push(`Bridge Control ${hex(a.bctl ?? 0, 4)} -> ${hex(b.bctl ?? 0, 4)}`);
  if (a.power !== b.power) out.push(`power state ${pci_power_name(a.power)} -> ${pci_power_name(b.power)}`);
  if (reset) out.push('the function was reset');
  return out;
}

/** Why a write that disrupts nothing is harmless. */
function harmless(name: string, e: TraceEntry): string {
  const before = e.before ?? 0, after = e.after ?? 0;
  if (name === 'PCI_STATUS' || name === 'PCI_SEC_STATUS' || name === 'PCI_EXP_DEVSTA') {
    const cleared = (before & ~after) >>> 0;
    return cleared ? `write-1-to-clear: error bits ${hexw(cleared, e.width)} cleared` : 'write-1-to-clear: no error bit was set';
  }
  if (before === after) return 'the register already held this value';
  if (name === 'PCI_COMMAND') {
    const bits = COMMAND_NAMES.filter(([bit]) => (before ^ after) & bit).map(([, n]) => n).join(', ');
    return `COMMAND ${hexw(before, e.width)} -> ${hexw(after, e.width)}: ${bits}, not decode or bus mastering`;
  }
  if (name.startsWith('PCI_MSI')) return `interrupt state (${name}), not decode or DMA`;
  if (name === 'PCI_PM_CTRL') return 'PME_En/PME_Status, the power state unchanged';
  if (/^PCI_(IO|MEMORY|PREF)/.test(name)) return 'a window register changed, the window as decoded did not';
  return `${name} ${hexw(before, e.width)} -> ${hexw(after, e.width)}: not in the disruptive set`;
}

// ---- the collector -------------------------------------------------------------------------------

export interface PathFunction {
  /** "dddd:bb:dd.f" where firmware placed it (PciFunction.fwBdf) */
  fw: string;
  bdf: string;
  role: string;
  fn: PciFunction;
}

export interface AuditWrite {
  seq: number;
  usec: number;
  phase: string;
  chain: string;
  target: string;
  role: string;
  register: string;
  offset: number;
  width: 1 | 2 | 4;
  value: number;
  before: number;
  after: number;
  class: 'disruptive' | 'harmless';
  why: string;
}

export interface AuditGuard {
  usec: number;
  phase: string;
  chain: string;
  target: string;
  what: string;
}

export interface Divergence {
  /** the preserved function, by its name in stage 2 */
  device: string;
  what: string;
  cached: string;
  hardware: string;
  from: { label: string; usec: number };
  until: { label: string; usec: number } | null;
}

/** Watches stage 2: the writes reaching the path, the guards that fired, the divergences. */
export class AuditCollector implements WriteObserver {
  readonly writes: AuditWrite[] = [];
  private readonly open = new Map<string, Divergence>();
  readonly divergences: Divergence[] = [];
  private readonly byFn = new Map<PciFunction, PathFunction>();

  constructor(
    private readonly k: Kernel,
    /** the preserved functions, root port first */
    readonly path: PathFunction[],
  ) {
    for (const p of path) this.byFn.set(p.fn, p);
    k.writeObserver = this;
  }

  pre(fn: PciFunction): unknown {
    return this.byFn.has(fn) ? view(fn) : null;
  }

  post(fn: PciFunction, pre: unknown, e: TraceEntry): void {
    const p = this.byFn.get(fn);
    if (!p || !pre) return;
    const changes = disruptions(pre as View, view(fn), e.reset === true);
    const register = registerName(fn, e.offset);
    this.writes.push({
      seq: e.seq, usec: e.usec, phase: e.phase, chain: e.chain, target: e.target, role: p.role, register,
      offset: e.offset, width: e.width, value: e.value, before: e.before ?? 0, after: e.after ?? 0,
      class: changes.length ? 'disruptive' : 'harmless',
      why: changes.length ? changes.join('; ') : harmless(register, e),
    });
  }

  /** The guards that fired on the path: writes pci_lu_adopt() kept from happening. */
  guards(): AuditGuard[] {
    const names = new Set(this.path.map((p) => p.bdf));
    return (this.k.trace ?? [])
      .filter((t) => t.kind === 'lu-guard' && names.has(t.target))
      .map((t) => ({ usec: t.usec, phase: t.phase, chain: t.chain, target: t.target, what: t.text ?? '' }));
  }

  /** Compare the kernel's view of each preserved function with the hardware; note what changed. */
  check(label: string): void {
    const now = new Map<string, { device: string; what: string; cached: string; hardware: string }>();
    for (const p of this.path) {
      const dev = this.k.devices.find((d) => this.k.machine.locate(d.bus.domain, d.bus.number, d.devfn) === p.fn);
      if (dev) for (const d of cachedVersusHardware(dev, p.fn)) now.set(`${p.fw} ${d.what}`, { device: dev.name(), ...d });
    }
    for (const [key, d] of this.open) {
      const cur = now.get(key);
      if (cur && cur.cached === d.cached && cur.hardware === d.hardware) continue;
      d.until = { label, usec: this.k.clock.usec };
      this.open.delete(key);
    }
    for (const [key, d] of now) {
      if (this.open.has(key)) continue;
      const div: Divergence = { ...d, from: { label, usec: this.k.clock.usec }, until: null };
      this.open.set(key, div);
      this.divergences.push(div);
    }
  }

  /** Stop watching. */
  detach(): void {
    if (this.k.writeObserver === this) this.k.writeObserver = null;
  }
}

/**
 * Where the kernel's cached state of a function and the function disagree: MSI enable, mask and
 * message (msi_desc), the power state (current_state), bus mastering (is_busmaster) and the BARs
 * (the resource tree).
 */
function cachedVersusHardware(dev: PciDev, fn: PciFunction): Array<{ what: string; cached: string; hardware: string }> {
  const out: Array<{ what: string; cached: string; hardware: string }> = [];
  const c = fn.config;
  const msi = capabilities(fn).find((x) => x.id === R.PCI_CAP_ID_MSI);
  if (msi) {
    const flags = c.read(msi.at + R.PCI_MSI_FLAGS, 2);
    const hwOn = (flags & R.PCI_MSI_FLAGS_ENABLE) !== 0;
    if (hwOn !== dev.msiEnabled)
      out.push({ what: 'MSI Enable', cached: `dev->msi_enabled ${dev.msiEnabled ? 1 : 0}`, hardware: `PCI_MSI_FLAGS ${hex(flags, 4)} (MSI Enable ${hwOn ? 1 : 0})` });
    const desc = dev.msiDesc;
    if (desc?.canMask) {
      const hwMask = c.read(desc.maskPos, 4);
      if (hwMask !== desc.msiMask)
        out.push({ what: 'MSI mask bits', cached: `desc->pci.msi_mask ${hex(desc.msiMask)}`, hardware: `${registerName(fn, desc.maskPos)} ${hex(hwMask)}` });
    }
    if (desc?.msg) {
      const is64 = (flags & R.PCI_MSI_FLAGS_64BIT) !== 0;
      const hw = { lo: c.read(msi.at + R.PCI_MSI_ADDRESS_LO, 4), hi: is64 ? c.read(msi.at + R.PCI_MSI_ADDRESS_HI, 4) : 0, data: c.read(msi.at + (is64 ? R.PCI_MSI_DATA_64 : R.PCI_MSI_DATA_32), 2) };
      if (hw.lo !== desc.msg.addressLo || hw.hi !== desc.msg.addressHi || hw.data !== desc.msg.data)
        out.push({
          what: 'MSI message', cached: `desc->msg address ${hex(desc.msg.addressHi)}${hex(desc.msg.addressLo).slice(2)} data ${hex(desc.msg.data, 4)}`,
          hardware: `address ${hex(hw.hi)}${hex(hw.lo).slice(2)} data ${hex(hw.data, 4)}`,
        });
    }
  }
  if (fn.pmCap && dev.currentState <= PCI_D3hot && dev.currentState !== fn.powerState())
    out.push({ what: 'power state', cached: `current_state ${pci_power_name(dev.currentState)}`, hardware: `PCI_PM_CTRL PowerState ${pci_power_name(fn.powerState())}` });
  const master = (c.read(R.PCI_COMMAND, 2) & R.PCI_COMMAND_MASTER) !== 0;
  if (master !== dev.isBusmaster)
    out.push({ what: 'bus mastering', cached: `dev->is_busmaster ${dev.isBusmaster ? 1 : 0}`, hardware: `PCI_COMMAND Bus Master ${master ? 1 : 0}` });
  if (fn.isBridge()) {
    // the kernel's windows (claimed or assigned) against what the bridge decodes
    const hw = decodeWindows(fn)!;
    for (const [i, name, now] of [[1, 'memory window', hw.mem], [2, 'prefetchable window', hw.pref]] as const) {
      const res = dev.resource[PCI_BRIDGE_RESOURCES + i];
      if (!res.parent || !(res.flags & IORESOURCE_MEM)) continue;
      const decoded = now.match(/^\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)/);
      if (!decoded || BigInt(decoded[1]) !== res.start || BigInt(decoded[2]) !== res.end)
        out.push({ what: name, cached: `resource ${resourceString(res)}`, hardware: `decodes ${now}` });
    }
  }
  const bars = fn.memoryBarsAll();
  for (const b of bars) {
    const res = dev.resource[b.index];
    const hw = `${b.io ? 'io ' : 'mem'} 0x${b.base.toString(16).padStart(8, '0')}-0x${(b.base + b.size - 1n).toString(16).padStart(8, '0')}`;
    if (!(res.flags & (IORESOURCE_IO | IORESOURCE_MEM)))
      out.push({ what: `BAR ${b.index}`, cached: 'no resource', hardware: `decodes [${hw}]` });
    else if (res.start !== b.base || res.end !== b.base + b.size - 1n)
      out.push({ what: `BAR ${b.index}`, cached: `resource ${resourceString(res)}`, hardware: `decodes [${hw}]` });
  }
  return out;
}

/**
 * Functions off the preserved path that decode memory inside a preserved function's BAR: the new
 * kernel, having no resource there (the RFC leaves the preserved BARs unsized), may have placed
 * another device on top of it.
 */
export function addressConflicts(machine: { walk(): Iterable<{ fn: PciFunction }>; nameOf(fn: PciFunction): string | null }, path: PathFunction[]): string[] {
  const onPath = new Set(path.map((p) => p.fn));
  const preserved = path.filter((p) => !p.fn.isBridge()).flatMap((p) => p.fn.memoryBars().map((b) => ({ p, b })));
  const out: string[] = [];
  for (const { fn } of machine.walk()) {
    if (onPath.has(fn)) continue;
    for (const b of fn.memoryBars()) {
      for (const { p, b: pb } of preserved) {
        if (b.base < pb.base + pb.size && pb.base < b.base + b.size)
          out.push(`${machine.nameOf(fn)} BAR ${b.index} decodes [mem 0x${b.base.toString(16)}-0x${(b.base + b.size - 1n).toString(16)}], over ${p.bdf} BAR ${pb.index}`);
      }
    }
  }
  return out;
}
