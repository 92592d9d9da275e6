// Turning the attachments of a bug report into a machine fixture: what the dumps say wins for
// register contents, sizes come from `[size=…]` or the kernel log, and what neither has gets a
// documented default. Every device records where each of its facts came from (`provenance`).
import * as fs from 'fs';
import * as path from 'path';
import { Document, visit, Scalar } from 'yaml';
import { parseMachine } from '../fixture/load';
import type { MachineFixture } from '../fixture/schema';
import { IORESOURCE_BUS, IORESOURCE_IO, IORESOURCE_MEM_64, IORESOURCE_PREFETCH, IORESOURCE_UNSET, Resource } from '../kernel/resource';
import { deviceFromDump } from '../replay/capture';
import { KNOWN_PCI_OPTIONS } from '../replay/inputs';
import type { BarSize, BarSizes } from '../replay/inputs';
import { DmesgDevice, DmesgFacts, ImportError } from './dmesg';
import type { LspciDevice } from './lspci';

/** The defaults used where no source has a fact, written down once. */
export const IMPORT_DEFAULTS = {
  command: 'decode enabled for every BAR type present (and bus master on bridges), unless a later "enabling device (OLD -> NEW)" line gives the decode bits firmware left (OLD)',
  caps: 'PM capability at 0x40, PCIe capability at 0x50 (offsets are not in a kernel log)',
  pcieType: 'for logs without the v6.8 type suffix: a log with no PCIe-only line (pcieport, pciehp, a pci device Extended Tags, PCIe bandwidth, VF BAR or ASPM line) is all conventional PCI; otherwise bridges on a root bus are root ports, below a root port an upstream switch port, below that downstream ports, endpoints behind a port are PCIe endpoints, and a subtractive bridge or one with endpoints at a device number other than 0 on its bus is a conventional PCI bridge',
  barSize: 'a BAR with an address but no size anywhere gets the largest size its address allows (lowest set address bit)',
  ioWindow: 'bridges implement an I/O window; the prefetchable window is 64-bit unless the log prints it (at enumeration, or as assigned or programmed later) without "64bit"',
  roots: 'without root bus lines: one host bridge, domain 0000, [bus 00-ff], windows [io 0x0000-0xffff] and [mem 0x00000000-0xffffffffff]',
  sriov: 'SR-IOV capability at 0x100 unless the old-wording "reg 0x…" line gives its offset (then a vendor-specific capability header at 0x100 leads to it); VF Offset 0x80 and Stride 1 (Offset 1 when 0x80 would push VFs onto another bus): a log prints neither',
} as const;

const hex = (v: number, d: number) => v.toString(16).padStart(d, '0');

const TYPE_KEYS: Record<string, string> = {
  'PCIe Endpoint': 'endpoint', 'PCIe Legacy Endpoint': 'legacy-endpoint', 'PCIe Root Port': 'root-port',
  'PCIe Switch Upstream Port': 'switch-upstream', 'PCIe Switch Downstream Port': 'switch-downstream',
  'PCIe to PCI/PCI-X bridge': 'pcie-to-pci', 'PCI/PCI-X to PCIe bridge': 'pci-to-pcie',
  'PCIe Root Complex Integrated Endpoint': 'rc-endpoint', 'PCIe Root Complex Event Collector': 'rc-event-collector',
};

interface ImportSources {
  dmesg?: { facts: DmesgFacts; name: string };
  lspci: Array<{ devices: LspciDevice[]; name: string }>;
}

type Raw = Record<string, unknown>;

/** The fixture as a plain object in its file form (bigint where the file shows hex). */
export function importMachine(src: ImportSources, machineName: string): Raw {
  const d = src.dmesg?.facts;
  const dn = src.dmesg?.name ?? '';
  const lspciByBdf = new Map<string, { dev: LspciDevice; name: string }>();
  for (const l of src.lspci) for (const dev of l.devices) lspciByBdf.set(dev.bdf, { dev, name: l.name });
  const all = new Set<string>([...(d?.devices.keys() ?? []), ...lspciByBdf.keys()]);
  const bdfs = [...all].sort();
  if (!bdfs.length) throw new ImportError('Cannot import: no devices in any source');

  // Roots: from the log, else the default.
  const roots = d?.roots.length
    ? d.roots.map((r) => ({
        acpi: r.acpi, domain: BigInt(r.domain), bus: [BigInt(r.busStart), BigInt(r.busEnd)],
        windows: r.windows.map((w) => ({ type: w.value.flags & IORESOURCE_IO ? 'io' : 'mem', start: w.value.start, end: w.value.end })),
      }))
    : [{ acpi: 'PCI0', domain: 0n, bus: [0n, 0xffn], windows: [{ type: 'io', start: 0n, end: 0xffffn }, { type: 'mem', start: 0n, end: 0xffffffffffn }] }];

  const devices: Raw[] = [];
  const skipped: string[] = [];
  // The reported boot's pci= options, where the model knows them; the others are named in notes.
  const cmdline = (d?.cmdline?.value ?? []).filter((o) => KNOWN_PCI_OPTIONS.includes(o) && o !== 'earlydump');
  // CONFIG_PCI_REALLOC_ENABLE_AUTO: a VF BAR left at 0 auto-enables realloc ("max bus depth")
  // unless the option is off; a log with such a BAR, no realloc option and no "max bus depth" line
  // after enumeration shows a kernel built without it.
  const kconfig: Raw = {};
  if (d && !cmdline.some((o) => o.startsWith('realloc')) && d.lines.some((l) => l.line >= d.enumerationEnd && /: assigned$|: assigned \[|can't assign/.test(l.text))) {
    const vf = [...d.devices.values()].find((x) => x.sriov && [...x.sriov.bars.values()].some((b) => b.value.start === 0n));
    const auto = d.lines.find((l) => l.line >= d.enumerationEnd && /^pci_bus \S+: max bus depth: /.test(l.text));
    if (vf && !auto) {
      kconfig.PCI_REALLOC_ENABLE_AUTO = false;
      skipped.push(`kconfig PCI_REALLOC_ENABLE_AUTO is off: ${vf.bdf} has a VF BAR at 0 (${dn}:${vf.sriov!.line}) yet no "max bus depth" line follows`);
    }
  }
  // CONFIG_PCI_IOV: a bridge window numbered 7..10 in a device message ("BAR 9: assigned",
  // "resource 8 … released") shows a kernel without the six VF BAR slots.
  for (const l of d?.lines ?? []) {
    const m = /^pci ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): (?:BAR|resource) (\d+)[: ]/.exec(l.text);
    const n = m ? Number(m[2]) : -1;
    if (m && d!.devices.get(m[1])?.hdr === 1 && n >= 7 && n <= 10) {
      kconfig.PCI_IOV = false;
      skipped.push(`kconfig PCI_IOV is off: ${m[1]} numbers a bridge window ${n} (${dn}:${l.line}), not ${n + 6}`);
      break;
    }
  }
  for (const a of d?.acpiDevices ?? []) skipped.push(`acpi_devices ${a.value.name}: ${dn}:${a.line}`);
  for (const o of d?.cmdline?.value ?? []) if (!KNOWN_PCI_OPTIONS.includes(o)) skipped.push(`the log's pci=${o} (${dn}:${d!.cmdline!.line}) is not modelled and left out`);
  const vgaRouted = new Set<string>();
  for (const bdf of bdfs) {
    const lf = lspciByBdf.get(bdf);
    const df = d?.devices.get(bdf);
    const prov: Record<string, string> = {};
    const multifunction = bdfs.some((o) => o !== bdf && o.slice(0, 10) === bdf.slice(0, 10));
    // A function in D3cold when lspci ran reads all-ones (lspci says "Unknown header type 7f"):
    // its dump describes nothing, so the log is used if it has the function, else it is left out.
    const dead = lf?.dev.dump ? isAllOnes(lf.dev.dump.bytes) : false;
    let dev: Raw;
    if (lf?.dev.dump && !dead) {
      dev = fromDump(bdf, lf.dev, lf.name, df, dn, prov);
    } else if (df) {
      dev = fromLog(df, dn, d!, prov);
    } else if (dead) {
      skipped.push(`left out ${bdf}: its config space read as all-ones in ${lf!.name}:${lf!.dev.dump!.line} (powered off when dumped) and no kernel log describes it`);
      continue;
    } else {
      throw new ImportError(`Cannot import ${lf!.name}:${lf!.dev.line}: ${bdf} has neither a hex dump nor a kernel-log discovery line`);
    }
    if (multifunction) dev.multifunction = true;
    if (df?.shadowRom && !lf?.dev.dump) {
      // pci_fixup_video() only fires for a decoding VGA device every upstream bridge routes VGA to.
      dev.command = (dev.command as bigint) | 3n;
      prov.command = `${dn}:${df.shadowRom.line}`;
      vgaRouted.add(df.bdf);
    }
    dev.provenance = prov;
    devices.push(dev);
  }
  // Bridges above a shadowed-ROM VGA device have VGA Enable set (that is why the fixup fired).
  for (const bdf of vgaRouted) {
    let cur = d!.devices.get(bdf);
    while (cur && (cur = parentBridge(cur, d!))) {
      const b = devices.find((x) => x.bdf === cur!.bdf);
      const br = b?.bridge as Raw | undefined;
      if (br) {
        br.control = BigInt((br.control as bigint | number | undefined) ?? 0n) | 0x08n;
        (b!.provenance as Record<string, string>).bridge_control = `${dn}:${d!.devices.get(bdf)!.shadowRom!.line}`;
      }
    }
  }
  return {
    machine: machineName,
    description: `imported from ${[src.dmesg?.name, ...src.lspci.map((l) => l.name)].filter(Boolean).join(', ')}`,
    arch: 'x86',
    pci_mem_start: roots.flatMap((r) => r.windows).filter((w) => w.type === 'mem' && w.start >= 0x100000n).reduce((a, w) => (w.start < a ? w.start : a), 0xffffffffn),
    roots,
    devices,
    ...(Object.keys(kconfig).length ? { kconfig } : {}),
    ...(cmdline.length ? { cmdline: cmdline.map((o) => `pci=${o}`).join(' ') } : {}),
    acpi_devices: (d?.acpiDevices ?? []).map((a) => ({ name: a.value.name, type: a.value.res.flags & IORESOURCE_IO ? 'io' : 'mem', start: a.value.res.start, end: a.value.res.end })),
    reserved: (d?.reserved ?? []).map((r) => ({ type: r.value.res.flags & IORESOURCE_IO ? 'io' : 'mem', start: r.value.res.start, end: r.value.res.end, by: r.value.by })),
    sources: [...(src.dmesg ? [{ ref: src.dmesg.name, what: `kernel log${d?.kernelVersion ? ` (Linux ${d.kernelVersion.value})` : ''}` }] : []), ...src.lspci.map((l) => ({ ref: l.name, what: 'lspci output' }))],
    notes: [...Object.entries(IMPORT_DEFAULTS).map(([k, v]) => `default ${k}: ${v}`), ...skipped],
  };
}

function isAllOnes(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0xff && b[1] === 0xff && b[2] === 0xff && b[3] === 0xff;
}

function lowestBit(v: bigint): bigint {
  return v & -v;
}

/** A device whose configuration space is dumped: everything from the dump, sizes from elsewhere. */
function fromDump(bdf: string, l: LspciDevice, lname: string, df: DmesgDevice | undefined, dn: string, prov: Record<string, string>): Raw {
  const dump = l.dump!;
  const b = dump.bytes;
  const hdr = b[0x0e] & 0x7f;
  const bars: BarSize[] = [];
  const count = hdr === 0 ? 6 : hdr === 1 ? 2 : 0;
  for (let i = 0; i < count; i++) {
    const reg = 0x10 + 4 * i;
    const lo = (b[reg] | (b[reg + 1] << 8) | (b[reg + 2] << 16) | (b[reg + 3] << 24)) >>> 0;
    const io = (lo & 1) === 1;
    const is64 = !io && (lo & 6) === 4;
    const value = io ? BigInt((lo & ~3) >>> 0) : BigInt((lo & ~0xf) >>> 0) | (is64 ? BigInt((b[reg + 4] | (b[reg + 5] << 8) | (b[reg + 6] << 16) | (b[reg + 7] << 24)) >>> 0) << 32n : 0n);
    const region = l.regions.get(i);
    const logged = df?.bars.get(i);
    let size = region?.size ?? (logged ? logged.value.end - logged.value.start + 1n : 0n);
    if (region) prov[`bar${i}`] = `${lname}:${region.line}`;
    else if (logged) prov[`bar${i}`] = `${dn}:${logged.line}`;
    if (!size && value) {
      size = lowestBit(value);
      prov[`bar${i}`] = 'default';
    }
    if (size) bars.push({ index: i, type: io ? 'io' : is64 ? 'mem64' : (lo & 6) === 2 ? 'mem1M' : 'mem32', prefetch: !io && (lo & 8) !== 0, size, mask: 0 });
    if (is64) i++;
  }
  // lspci prints "[virtual]" when sysfs has a ROM address the register does not hold; at
  // 0xc0000-0xdffff that is the shadow copy pci_fixup_video() made, not a ROM BAR of the device.
  let romRegion = l.regions.get(6) ?? undefined;
  const romRegister = (b[hdr === 1 ? 0x38 : 0x30] | (b[(hdr === 1 ? 0x38 : 0x30) + 1] << 8) | (b[(hdr === 1 ? 0x38 : 0x30) + 2] << 16) | (b[(hdr === 1 ? 0x38 : 0x30) + 3] << 24)) >>> 0;
  if (romRegion?.virtual && romRegion.address === 0xc0000n && romRegion.size === 0x20000n && romRegister === 0) {
    prov.rom = `none: ${lname}:${romRegion.line} is the shadowed video ROM`;
    romRegion = undefined;
  }
  const romLog = df?.rom;
  const romSize = romRegion?.size ?? (romLog ? romLog.value.end - romLog.value.start + 1n : 0n);
  if (romSize) {
    bars.push({ index: 6, type: 'rom', prefetch: true, size: romSize, mask: 0 });
    prov.rom = romRegion ? `${lname}:${romRegion.line}` : `${dn}:${romLog!.line}`;
  }
  const sizes: BarSizes = { devices: new Map([[bdf, { headerType: hdr, bars, line: dump.line }]]) };
  const f = deviceFromDump(dump, sizes, lname);
  prov.config = `${lname}:${dump.line}`;
  const rows: string[] = [];
  for (let o = 0; o < dump.len; o += 16) {
    const n = Math.min(16, dump.len - o);
    rows.push(`${hex(o, 2)}: ${[...b.slice(o, o + n)].map((x) => hex(x, 2)).join(' ')}`);
  }
  return toRaw(bdf, f, rows.join('\n'));
}

/** A fixture DeviceFixture (parsed form) back into the file form. */
function toRaw(bdf: string, f: ReturnType<typeof deviceFromDump>, configHex?: string): Raw {
  const raw: Raw = {
    bdf, name: f.name, id: `${hex(f.id.vendor, 4)}:${hex(f.id.device, 4)}`,
    ...(f.subsystem ? { subsystem: `${hex(f.subsystem.vendor, 4)}:${hex(f.subsystem.device, 4)}` } : {}),
    class: BigInt(f.class), revision: BigInt(f.revision), header: BigInt(f.header), command: BigInt(f.command),
    interrupt_pin: BigInt(f.interrupt_pin),
    bars: f.bars.map((x) => ({ index: BigInt(x.index), type: x.type, prefetch: x.prefetch, size: x.size, value: x.value })),
  };
  if (f.rom) raw.rom = { size: f.rom.size, value: f.rom.value, enabled: f.rom.enabled };
  if (f.bridge) raw.bridge = { ...f.bridge, primary: BigInt(f.bridge.primary), secondary: BigInt(f.bridge.secondary), subordinate: BigInt(f.bridge.subordinate), control: BigInt(f.bridge.control) };
  if (f.pm) raw.pm = { ...f.pm, offset: BigInt(f.pm.offset), version: BigInt(f.pm.version) };
  if (f.pcie) raw.pcie = { ...f.pcie, offset: BigInt(f.pcie.offset), version: BigInt(f.pcie.version), mpss: BigInt(f.pcie.mpss), mps: BigInt(f.pcie.mps) };
  if (configHex) raw.config_hex = configHex;
  return raw;
}

/** A device known only from the kernel log. */
function fromLog(df: DmesgDevice, dn: string, d: DmesgFacts, prov: Record<string, string>): Raw {
  const at = `${dn}:${df.line}`;
  prov.id = at;
  prov.class = at;
  const bars = [...df.bars.entries()].sort(([a], [b]) => a - b).map(([i, fact]) => {
    const r = fact.value;
    prov[`bar${i}`] = `${dn}:${fact.line}`;
    const io = (r.flags & IORESOURCE_IO) !== 0;
    return {
      index: BigInt(i), type: io ? 'io' : r.flags & IORESOURCE_MEM_64 ? 'mem64' : 'mem32', prefetch: (r.flags & IORESOURCE_PREFETCH) !== 0,
      size: r.end - r.start + 1n, value: r.flags & IORESOURCE_UNSET ? 0n : r.start,
    };
  });
  const hasIo = bars.some((b) => b.type === 'io') || !!df.bridge?.windows.some((w) => w.value.flags & IORESOURCE_IO);
  const hasMem = bars.some((b) => b.type !== 'io') || !!df.bridge?.windows.some((w) => !(w.value.flags & IORESOURCE_IO)) || !!df.rom;
  const raw: Raw = {
    bdf: df.bdf, id: `${hex(df.vendor, 4)}:${hex(df.device, 4)}`, class: BigInt(df.class), header: BigInt(df.hdr === 1 ? 1 : 0),
    command: BigInt((hasIo ? 1 : 0) | (hasMem ? 2 : 0) | (df.hdr === 1 ? 4 : 0)),
    bars,
  };
  prov.command = 'default';
  if (df.enableOld) {
    // pci_enable_resources() prints COMMAND before it sets the decode bits it needs: firmware's value
    raw.command = BigInt(df.enableOld.value & 0x7) | (df.hdr === 1 ? 4n : 0n);
    prov.command = `${dn}:${df.enableOld.line}`;
  }
  if (df.hdr > 1) throw new ImportError(`Cannot import ${at}: header type ${df.hdr} (CardBus) is not modelled`);
  if (df.rom) {
    const r = df.rom.value;
    raw.rom = { size: r.end - r.start + 1n, value: r.flags & IORESOURCE_UNSET ? 0n : r.start, enabled: false };
    prov.rom = `${dn}:${df.rom.line}`;
  }
  // PCIe type: printed (≥ v6.8), or guessed from the position in the tree.
  let type = df.typeStr ? TYPE_KEYS[df.typeStr] : undefined;
  const conventional = df.typeStr?.startsWith('conventional') || df.typeStr === 'CardBus bridge';
  if (df.typeStr) prov.pcie = at;
  else {
    type = guessType(df, d);
    prov.pcie = 'default';
  }
  if (df.pme || df.d1d2) {
    raw.pm = { offset: 0x40n, pme: df.pme?.value ?? [], d1: df.d1d2?.value.includes('D1') ?? false, d2: df.d1d2?.value.includes('D2') ?? false };
    prov.pm = `${dn}:${(df.pme ?? df.d1d2)!.line}`;
  }
  // An SR-IOV PF is a PCIe function whatever a guessed type says.
  if (df.sriov && (!type || conventional)) {
    type = 'endpoint';
    prov.pcie = `${dn}:${df.sriov.line}`;
  }
  if (type && !conventional || df.sriov) {
    raw.pcie = {
      offset: 0x50n, type, slot: type === 'root-port' || type === 'switch-downstream', hotplug: df.hotplug?.value ?? false,
      ext_tag: df.extTag?.value ?? false, mpss: 256n, mps: 128n,
    };
    if (df.hotplug) prov.hotplug = `${dn}:${df.hotplug.line}`;
    if (df.extTag) prov.ext_tag = `${dn}:${df.extTag.line}`;
  }
  if (df.sriov) {
    const sv = df.sriov;
    const devfn = parseInt(df.bdf.slice(8, 10), 16) * 8 + Number(df.bdf.slice(11));
    const vfOffset = devfn + 0x80 + (sv.total - 1) <= 0xff ? 0x80 : 1;
    raw.sriov = {
      offset: BigInt(sv.pos ?? 0x100), total_vfs: BigInt(sv.total), vf_offset: BigInt(vfOffset), vf_stride: 1n,
      bars: [...sv.bars.entries()].sort(([a], [b]) => a - b).map(([i, f]) => {
        const r = f.value;
        prov[`vf_bar${i}`] = `${dn}:${f.line}`;
        return { index: BigInt(i), type: r.flags & IORESOURCE_MEM_64 ? 'mem64' : 'mem32', prefetch: (r.flags & IORESOURCE_PREFETCH) !== 0, size: r.end - r.start + 1n, value: r.flags & IORESOURCE_UNSET ? 0n : r.start };
      }),
    };
    if (sv.pos !== undefined && sv.pos !== 0x100) raw.ext_caps = [{ offset: 0x100n, id: 0x000bn, version: 1n, size: 4n }];
    prov.sriov = `${dn}:${sv.line}${sv.pos === undefined ? ' (offset, VF Offset/Stride: default)' : ' (VF Offset/Stride: default)'}`;
  }
  if (df.bridge) {
    const br = df.bridge;
    const win = (pred: (r: Resource) => boolean) => br.windows.find((w) => pred(w.value));
    const io = win((r) => (r.flags & IORESOURCE_IO) !== 0);
    const mem = win((r) => !(r.flags & IORESOURCE_IO) && !(r.flags & IORESOURCE_PREFETCH));
    const pref = win((r) => (r.flags & IORESOURCE_PREFETCH) !== 0);
    const parentBus = parseInt(df.bdf.slice(5, 7), 16);
    raw.bridge = {
      primary: BigInt(parentBus), secondary: BigInt(br.secondary), subordinate: BigInt(br.subordinate), io_window: true,
      pref_window: pref ? (pref.value.flags & IORESOURCE_MEM_64 ? '64bit' : '32bit') : df.prefLater ? (df.prefLater.value ? '64bit' : '32bit') : '64bit',
      ...(io ? { io: { base: io.value.start, limit: io.value.end } } : {}),
      ...(mem ? { mem: { base: mem.value.start, limit: mem.value.end } } : {}),
      ...(pref ? { pref: { base: pref.value.start, limit: pref.value.end } } : {}),
    };
    prov.bridge = `${dn}:${br.line}`;
    if (!pref && df.prefLater) prov.pref_window = `${dn}:${df.prefLater.line}`;
    if (br.subtractive) raw.class = BigInt((df.class & ~0xff) | 0x01);
  }
  return raw;
}

function parentBridge(df: DmesgDevice, d: DmesgFacts): DmesgDevice | undefined {
  const bus = parseInt(df.bdf.slice(5, 7), 16);
  const dom = df.bdf.slice(0, 4);
  return [...d.devices.values()].find((x) => x.bridge && x.bdf.slice(0, 4) === dom && x.bridge.secondary === bus);
}

/**
 * The PCIe type of a function whose log line does not print it (before v6.8), from its place in the
 * tree: see IMPORT_DEFAULTS.pcieType. undefined = conventional PCI.
 */
function guessType(df: DmesgDevice, d: DmesgFacts): string | undefined {
  if (df.typeStr) return TYPE_KEYS[df.typeStr]; // undefined for "conventional PCI …"
  if (!pcieEvidence(d)) return undefined;
  const parent = parentBridge(df, d);
  const ptype = parent ? guessType(parent, d) : undefined;
  if (parent && !ptype) return undefined; // below a conventional bridge
  if (df.hdr !== 1) return parent ? 'endpoint' : undefined;
  if (df.bridge?.subtractive) return undefined;
  const below = ptype === 'root-port' || ptype === 'switch-downstream' ? 'switch-upstream' : parent ? 'switch-downstream' : 'root-port';
  // Functions at a device number other than 0 on its bus: not a root or downstream port
  // (only_one_child() would not have scanned them). Below a port that makes it an upstream
  // port; anywhere else a conventional PCI bridge.
  const children = [...d.devices.values()].filter((x) => df.bridge && x.bdf.slice(0, 4) === df.bdf.slice(0, 4) && parseInt(x.bdf.slice(5, 7), 16) === df.bridge.secondary);
  if (children.some((x) => x.bdf.slice(8, 10) !== '00')) return below === 'switch-upstream' ? below : undefined;
  return below;
}

/** Does the log show PCIe at all? Logs before v6.8 print no port types; these lines are PCIe-only. */
function pcieEvidence(d: DmesgFacts): boolean {
  return (d.pcieEvidence ??= d.lines.some((l) => /^pcieport |^pci \S+: (enabling Extended Tags$|.*Gb\/s available PCIe bandwidth|VF[( ]|PCIe|.*ASPM)|pciehp/.test(l.text)));
}

/** YAML text of a fixture in file form: bigints as hex, one device after another. */
export function fixtureYaml(raw: Raw, header: string[]): string {
  const doc = new Document(raw);
  visit(doc, {
    Scalar(_k, n: Scalar) {
      if (typeof n.value === 'bigint') n.format = 'HEX';
      if (typeof n.value === 'string' && n.value.includes('\n')) n.type = Scalar.BLOCK_LITERAL;
    },
  });
  return header.map((h) => `# ${h}`).join('\n') + '\n' + doc.toString({ lineWidth: 0 });
}

/** Validate through the fixture loader, then write atomically: nothing is half-written. */
export function writeFixture(file: string, text: string): MachineFixture {
  const m = parseMachine(text, file);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return m;
}

export { IORESOURCE_BUS };
