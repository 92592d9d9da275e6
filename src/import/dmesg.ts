// Reading a kernel log from a bug report: the firmware's PCI state as the kernel printed it at
// enumeration (root windows, devices, BARs, bridge bus numbers and windows), in either log wording
// (≤ v6.7 "reg 0x10: [mem …]", ≥ v6.8 "BAR 0 [mem …]"), with or without "[ timestamp]" or
// "kernel:" (journal, syslog) prefixes. Every fact remembers its line.
import { Resource, IORESOURCE_IO, IORESOURCE_MEM_64, IORESOURCE_PREFETCH, IORESOURCE_UNSET } from '../kernel/resource';
import { parseResource, pciOptions } from '../replay/inputs';

export class ImportError extends Error {
  override name = 'ImportError';
}

export interface Fact<T> {
  value: T;
  line: number;
}

export interface DmesgDevice {
  /** "dddd:bb:dd.f" */
  bdf: string;
  line: number;
  vendor: number;
  device: number;
  hdr: number;
  class: number;
  /** the ≥ v6.8 type suffix ("PCIe Root Port"), if printed */
  typeStr?: string;
  bars: Map<number, Fact<Resource>>;
  rom?: Fact<Resource>;
  bridge?: { secondary: number; subordinate: number; line: number; windows: Array<Fact<Resource>>; subtractive: boolean };
  pme?: Fact<string[]>;
  d1d2?: Fact<string[]>;
  extTag?: Fact<boolean>;
  /** "Video device with shadowed ROM": legacy VGA is routed to it and it decodes */
  shadowRom?: Fact<boolean>;
  hotplug?: Fact<boolean>;
  /** SR-IOV, from sriov_init()'s lines: per-VF BARs and TotalVFs (and, in the old wording, the capability offset) */
  sriov?: { total: number; line: number; pos?: number; bars: Map<number, Fact<Resource>> };
  /** "enabling device (OLD -> NEW)" from pci_enable_resources(): OLD is COMMAND as firmware left it */
  enableOld?: Fact<number>;
  /** a prefetchable window the kernel printed later (assigned or programmed): "64bit pref" or "pref" tells its type */
  prefLater?: Fact<boolean>;
  /** old wording: the last "reg 0x%x:" above the standard header, awaiting its "VF(n) BAR" line */
  pendingVfReg?: Fact<{ reg: number; res: Resource }>;
}

export interface DmesgRoot {
  acpi: string;
  domain: number;
  busStart: number;
  busEnd: number;
  line: number;
  windows: Array<Fact<Resource>>;
}

export interface DmesgFacts {
  file: string;
  reserved: Array<Fact<{ res: Resource; by: string }>>;
  kernelVersion?: Fact<string>;
  roots: DmesgRoot[];
  devices: Map<string, DmesgDevice>;
  /** 1-based line where enumeration ended (the first "PCI: Using ACPI for IRQ routing" or claim/assign line) */
  enumerationEnd: number;
  /** set once the post-enumeration assignment has started: reservations after it are not firmware facts */
  sawAssignment?: boolean;
  /** cached: does any line show PCIe (importer's type guess) */
  pcieEvidence?: boolean;
  /** ACPI platform devices a claim ran into ("address conflict with AMDIF031:00 [mem …]") */
  acpiDevices: Array<Fact<{ name: string; res: Resource }>>;
  /** the pci= options of "Kernel command line:" */
  cmdline?: Fact<string[]>;
  /** the log lines with prefixes stripped, for comparisons */
  lines: Array<{ text: string; line: number }>;
}

/** Strip "[    0.318903] ", "kernel: ", "<6>", or a syslog "Mon DD HH:MM:SS host kernel: " prefix. */
export function stripPrefix(raw: string): string | null {
  let l = raw.replace(/\r$/, '');
  l = l.replace(/^<\d>/, '');
  const sys = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: /.exec(l);
  if (sys) l = l.slice(sys[0].length);
  else if (l.startsWith('kernel: ')) l = l.slice(8);
  const ts = /^\[\s*\d+\.\d+\] ?/.exec(l);
  if (ts) l = l.slice(ts[0].length);
  // A log whose timestamps were cut off leaves the space that followed them.
  else if (l.startsWith(' ') && !l.startsWith('  ')) l = l.slice(1);
  return l;
}

const DEV = /^pci ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): (.*)$/;
const PCIE_TYPES = new Set(['PCIe Endpoint', 'PCIe Legacy Endpoint', 'PCIe Root Port', 'PCIe Switch Upstream Port', 'PCIe Switch Downstream Port',
  'PCIe to PCI/PCI-X bridge', 'PCI/PCI-X to PCIe bridge', 'PCIe Root Complex Integrated Endpoint', 'PCIe Root Complex Event Collector', 'PCIe unknown',
  'conventional PCI endpoint', 'conventional PCI bridge', 'CardBus bridge', 'conventional PCI']);

/** The two sides of a unified diff of two kernel logs ("diff -U 10000 dmesg_a dmesg_b"). */
export type DiffSide = 'old' | 'new';

interface DiffHeader { oldName: string; newName: string; line: number }

function unifiedDiffHeader(lines: string[]): DiffHeader | null {
  for (let i = 0; i + 1 < lines.length; i++) {
    const a = /^--- (\S+)/.exec(lines[i]);
    const b = a ? /^\+\+\+ (\S+)/.exec(lines[i + 1]) : null;
    if (a && b) return { oldName: a[1], newName: b[1], line: i + 1 };
  }
  return null;
}

/**
 * One side of a unified diff, keeping every line where it was (lines of the other side, and all
 * before the diff header, become empty) so that facts still point into the file as given.
 */
function diffSide(lines: string[], h: DiffHeader, side: DiffSide): string[] {
  const mine = side === 'old' ? '-' : '+';
  return lines.map((l, i) => {
    if (i < h.line + 1) return '';
    if (l.startsWith(' ') || l.startsWith(mine)) return l.slice(1);
    return '';
  });
}

export function parseDmesg(text: string, file: string, side?: DiffSide): DmesgFacts {
  const facts: DmesgFacts = { file, reserved: [], roots: [], devices: new Map(), enumerationEnd: Number.MAX_SAFE_INTEGER, lines: [], acpiDevices: [] };
  let raw = text.split('\n');
  const all = raw;
  const diff = unifiedDiffHeader(raw);
  if (diff && !side) throw new ImportError(`Cannot import dmesg ${file}:${diff.line}: it is a unified diff of two logs (${diff.oldName} and ${diff.newName}); choose one with --side old or --side new`);
  if (!diff && side) throw new ImportError(`Cannot import dmesg ${file}: --side ${side} is for a unified diff of two logs, and this file is not one`);
  if (diff && side) {
    raw = diffSide(raw, diff, side);
    // The file names in the header are all a diff may say about the kernels.
    const v = /(\d+\.\d+(?:\.\d+)?)/.exec(side === 'old' ? diff.oldName : diff.newName);
    if (v) facts.kernelVersion = { value: v[1], line: diff.line + (side === 'old' ? 0 : 1) };
  }
  let lastBridge: DmesgDevice | null = null;
  let pendingRoot: DmesgRoot | null = null;
  for (let i = 0; i < raw.length; i++) {
    const no = i + 1;
    const l = stripPrefix(raw[i]);
    if (l === null) continue;
    facts.lines.push({ text: l, line: no });
    const v = /Linux version (\d+\.\d+(?:\.\d+)?)/.exec(l);
    if (v && !facts.kernelVersion) facts.kernelVersion = { value: v[1], line: no };
    const cl = /^Kernel command line: (.*)$/.exec(l);
    if (cl && !facts.cmdline) {
      facts.cmdline = { value: pciOptions(cl[1]), line: no };
      continue;
    }
    // A claim that ran into an ACPI platform device names it and its resource.
    const acpi = /: can't claim; address conflict with ([A-Z0-9_]{3,8}:[0-9a-f]{2}) (\[[^\]]*\])$/.exec(l);
    if (acpi && !facts.acpiDevices.some((a) => a.value.name === acpi[1])) {
      const res = parseResource(acpi[2]);
      if (res) facts.acpiDevices.push({ value: { name: acpi[1], res }, line: no });
    }
    const pnp = /^system ([0-9a-f]{2}:[0-9a-f]{2}): (\[[^\]]*\]) has been reserved$/.exec(l);
    if (pnp && !facts.sawAssignment) {
      const res = parseResource(pnp[2]);
      if (res) facts.reserved.push({ value: { res, by: pnp[1] }, line: no });
      continue;
    }
    if (no >= facts.enumerationEnd) {
      // pcibios_assign_resources() (fs_initcall) has begun; claims come earlier, before the PNP reservations
      if (/: assigned$|: assigned \[|add_size|: can't assign|^pci_bus \S+: (resource \d|max bus depth)/.test(l)) facts.sawAssignment = true;
      // A bridge's prefetchable window as assigned or programmed: its flags say 32- or 64-bit.
      const pw = /^pci ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): (?:BAR (?:9|15): assigned |bridge window |  bridge window )\[mem [^\]]*?( 64bit)? pref\]/.exec(l);
      const pd = pw ? facts.devices.get(pw[1]) : undefined;
      if (pd && pd.hdr === 1 && !pd.prefLater) pd.prefLater = { value: !!pw![2], line: no };
      const en = /^\S+ ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): enabling device \(([0-9a-f]{4}) -> [0-9a-f]{4}\)$/.exec(l);
      const ed = en ? facts.devices.get(en[1]) : undefined;
      if (ed && !ed.enableOld) ed.enableOld = { value: parseInt(en![2], 16), line: no };
      const hp2 = /^(?:pciehp|pcieport) ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): (?:pciehp: )?Slot #/.exec(l);
      const dev = hp2 ? facts.devices.get(hp2[1]) : undefined;
      if (dev && !dev.hotplug) dev.hotplug = { value: true, line: no };
      continue;
    }
    if (/^PCI: Using ACPI for IRQ routing$|^PCI: pci_cache_line_size set to/.test(l) || /: can't claim|: assigned$|: assigned \[|add_size/.test(l)) {
      if (facts.roots.length) facts.enumerationEnd = no;
      continue;
    }
    const root = /^ACPI: PCI Root Bridge \[(\w+)\] \(domain ([0-9a-f]{4}) \[bus ([0-9a-f]{2})-([0-9a-f]{2})\]\)$/.exec(l);
    if (root) {
      pendingRoot = { acpi: root[1], domain: parseInt(root[2], 16), busStart: parseInt(root[3], 16), busEnd: parseInt(root[4], 16), line: no, windows: [] };
      facts.roots.push(pendingRoot);
      continue;
    }
    const rbr = /^pci_bus ([0-9a-f]{4}):([0-9a-f]{2}): root bus resource (\[.*\])$/.exec(l);
    if (rbr) {
      const res = parseResource(rbr[3]);
      if (!res) throw new ImportError(`Cannot import dmesg ${file}:${no}: cannot read resource "${rbr[3]}"`);
      let r = facts.roots.find((x) => x.domain === parseInt(rbr[1], 16) && x.busStart === parseInt(rbr[2], 16));
      if (!r) {
        // A root bus without an ACPI line (e.g. a log that starts later): take what is printed.
        r = { acpi: 'PCI0', domain: parseInt(rbr[1], 16), busStart: parseInt(rbr[2], 16), busEnd: 0xff, line: no, windows: [] };
        facts.roots.push(r);
      }
      if (res.flags & 0x1000) r.busEnd = Number(res.end);
      else r.windows.push({ value: res, line: no });
      continue;
    }
    // pciehp binding a slot ("pcieport 0000:04:00.0: pciehp: Slot #10 …"): a hotplug bridge
    const hp = /^(?:pciehp|pcieport) ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): (?:pciehp: )?Slot #/.exec(l);
    if (hp) {
      const d = facts.devices.get(hp[1]);
      if (d) d.hotplug = { value: true, line: no };
      continue;
    }
    const m = DEV.exec(l);
    if (!m) continue;
    const bdf = m[1];
    const rest = m[2];
    const disc = /^\[([0-9a-f]{4}):([0-9a-f]{4})\] type ([0-9a-f]{2}) class 0x([0-9a-f]{6})(?: (.+))?$/.exec(rest);
    if (disc) {
      if (facts.devices.has(bdf)) continue; // a later re-enumeration (hot-add, rescan): keep the boot one
      const typeStr = disc[5];
      if (typeStr && !PCIE_TYPES.has(typeStr)) throw new ImportError(`Cannot import dmesg ${file}:${no}: unknown device type "${typeStr}"`);
      facts.devices.set(bdf, { bdf, line: no, vendor: parseInt(disc[1], 16), device: parseInt(disc[2], 16), hdr: parseInt(disc[3], 16), class: parseInt(disc[4], 16), typeStr, bars: new Map() });
      continue;
    }
    const d = facts.devices.get(bdf);
    if (!d) continue;
    const bar = /^(?:BAR (\d) |reg 0x([0-9a-f]+): )(\[[^\]]*\])$/.exec(rest);
    if (bar) {
      const res = parseResourceOrSize(bar[3]);
      if (!res) throw new ImportError(`Cannot import dmesg ${file}:${no}: cannot read BAR resource "${bar[3]}"`);
      if (bar[2] !== undefined && parseInt(bar[2], 16) >= 0x100) {
        // a VF BAR read by sriov_init() (old wording); its "VF(n) BAR" line follows
        d.pendingVfReg = { value: { reg: parseInt(bar[2], 16), res }, line: no };
        continue;
      }
      const idx = bar[1] !== undefined ? Number(bar[1]) : (parseInt(bar[2], 16) - 0x10) / 4;
      if (bar[2] !== undefined && (parseInt(bar[2], 16) === 0x30 || parseInt(bar[2], 16) === 0x38)) d.rom = { value: res, line: no };
      else if (idx >= 0 && idx < 6 && !d.bars.has(idx)) d.bars.set(idx, { value: res, line: no });
      continue;
    }
    // sriov_init(): "VF BAR 0 [mem …]" (__pci_read_base(), per VF), then
    // "VF BAR 0 [mem …]: contains BAR 0 for 8 VFs" or, before v6.8, "VF(n) BAR0 space: [mem …] (contains BAR0 for 8 VFs)"
    const vfRead = /^VF BAR (\d) (\[[^\]]*\])$/.exec(rest);
    if (vfRead) {
      const res = parseResourceOrSize(vfRead[2]);
      if (!res) throw new ImportError(`Cannot import dmesg ${file}:${no}: cannot read VF BAR resource "${vfRead[2]}"`);
      d.pendingVfReg = { value: { reg: -1, res }, line: no };
      continue;
    }
    const vf = /^(?:VF BAR (\d) \[[^\]]*\]: contains BAR \d+ for (\d+) VFs|VF\(n\) BAR(\d) space: \[[^\]]*\] \(contains BAR\d+ for (\d+) VFs\))$/.exec(rest);
    if (vf) {
      const i = Number(vf[1] ?? vf[3]);
      const total = Number(vf[2] ?? vf[4]);
      const read = d.pendingVfReg;
      if (!read) throw new ImportError(`Cannot import dmesg ${file}:${no}: "${rest}" without the VF BAR line sriov_init() prints before it`);
      d.sriov ??= { total, line: no, bars: new Map() };
      if (read.value.reg >= 0) d.sriov.pos = read.value.reg - 0x24 - 4 * i;
      d.sriov.bars.set(i, { value: read.value.res, line: read.line });
      d.pendingVfReg = undefined;
      continue;
    }
    const rom = /^ROM (\[[^\]]*\])$/.exec(rest);
    if (rom) {
      const res = parseResourceOrSize(rom[1]);
      if (res && !d.rom) d.rom = { value: res, line: no };
      continue;
    }
    const br = /^PCI bridge to \[bus ([0-9a-f]{2})(?:-([0-9a-f]{2}))?\]( \(subtractive decode\))?$/.exec(rest);
    if (br) {
      if (!d.bridge) {
        d.bridge = { secondary: parseInt(br[1], 16), subordinate: parseInt(br[2] ?? br[1], 16), line: no, windows: [], subtractive: !!br[3] };
        lastBridge = d;
      } else lastBridge = null;
      continue;
    }
    const win = /^ {2}bridge window (\[[^\]]*\])$/.exec(rest);
    if (win) {
      if (lastBridge === d) {
        const res = parseResource(win[1]);
        if (res) d.bridge!.windows.push({ value: res, line: no });
      }
      continue;
    }
    lastBridge = lastBridge === d ? d : null;
    const pme = /^PME# supported from((?: D0| D1| D2| D3hot| D3cold)+)$/.exec(rest);
    if (pme) {
      d.pme = { value: pme[1].trim().split(' '), line: no };
      continue;
    }
    const sup = /^supports((?: D1| D2)+)$/.exec(rest);
    if (sup) {
      d.d1d2 = { value: sup[1].trim().split(' '), line: no };
      continue;
    }
    if (rest === 'enabling Extended Tags') d.extTag = { value: true, line: no };
    if (/^Video device with shadowed ROM at /.test(rest)) d.shadowRom = { value: true, line: no };
  }
  // Both sides of a diff booted the same firmware: what a line of the other side says about the
  // firmware's COMMAND holds for this one too (its line number is the file's either way).
  if (diff && side) {
    const other = diffSide(all, diff, side === 'old' ? 'new' : 'old');
    other.forEach((o, i) => {
      const en = /^\S+ ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): enabling device \(([0-9a-f]{4}) -> [0-9a-f]{4}\)$/.exec(stripPrefix(o) ?? '');
      const d = en ? facts.devices.get(en[1]) : undefined;
      if (d && !d.enableOld) d.enableOld = { value: parseInt(en![2], 16), line: i + 1 };
    });
  }
  if (!facts.devices.size) throw new ImportError(`Cannot import dmesg ${file}: no PCI device discovery lines ("pci dddd:bb:dd.f: [vvvv:dddd] type ..") found`);
  return facts;
}

/** `[mem size 0x1000 64bit]` (an unset BAR) or a normal `%pR`. */
function parseResourceOrSize(text: string): Resource | null {
  const s = /^\[(io  |mem )size (0x[0-9a-f]+)( 64bit)?( pref)?\]$/.exec(text);
  if (s) {
    const size = BigInt(s[2]);
    let flags = (s[1] === 'io  ' ? IORESOURCE_IO : 0x200) | IORESOURCE_UNSET;
    if (s[3]) flags |= IORESOURCE_MEM_64;
    if (s[4]) flags |= IORESOURCE_PREFETCH;
    return new Resource('', 0n, size - 1n, flags);
  }
  return parseResource(text);
}
