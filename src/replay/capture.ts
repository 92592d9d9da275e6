// An oracle capture's input/ turned into a machine: the firmware state from the early dump,
// BAR sizes from bar-sizes.txt, host bridge windows from host-bridge.txt, options from
// cmdline.txt. Nothing from expected/ is read here.
import * as fs from 'fs';
import * as path from 'path';
import { buildMachine } from '../hw/build';
import type { Machine } from '../hw/machine';
import * as R from '../hw/regs';
import type { DeviceFixture, MachineFixture } from '../fixture/schema';
import { pcieTypes } from '../fixture/schema';
import { IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_WINDOW } from '../kernel/resource';
import { DumpDevice, DumpError, parseLspciDump } from './dump';
import { BarSizes, CmdlineFacts, HostBridgeFacts, parseBarSizes, parseCmdline, parseHostBridge, parseResource } from './inputs';

export interface CaptureInput {
  dir: string;
  dump: DumpDevice[];
  barSizes: BarSizes;
  host: HostBridgeFacts;
  cmdline: CmdlineFacts;
}

function readInput(dir: string, name: string): string {
  const file = path.join(dir, name);
  try {
    const st = fs.statSync(file);
    if (st.size > 64 * 1024 * 1024) throw new DumpError(`Cannot read ${file}: larger than 64 MiB`);
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof DumpError) throw e;
    throw new DumpError(`Cannot read capture input ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

export function loadCaptureInput(dir: string): CaptureInput {
  const rel = (f: string) => path.join(dir, f);
  return {
    dir,
    dump: parseLspciDump(readInput(dir, 'earlydump.lspci'), rel('earlydump.lspci')),
    barSizes: parseBarSizes(readInput(dir, 'bar-sizes.txt'), rel('bar-sizes.txt')),
    host: parseHostBridge(readInput(dir, 'host-bridge.txt'), rel('host-bridge.txt')),
    cmdline: parseCmdline(readInput(dir, 'cmdline.txt'), rel('cmdline.txt')),
  };
}

const rd8 = (b: Uint8Array, o: number) => b[o];
const rd16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const rd32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const hex = (v: number, d: number) => v.toString(16).padStart(d, '0');

/** The capability list of a dump, as [id, offset] pairs. */
function capabilities(b: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (!(rd16(b, R.PCI_STATUS) & R.PCI_STATUS_CAP_LIST)) return out;
  let pos = rd8(b, R.PCI_CAPABILITY_LIST);
  for (let ttl = 48; ttl > 0 && pos >= 0x40 && pos < 0x100; ttl--) {
    pos &= ~3;
    const id = rd8(b, pos);
    if (id === 0xff) break;
    out.push([id, pos]);
    pos = rd8(b, pos + 1);
  }
  return out;
}

const PME_NAMES = ['D0', 'D1', 'D2', 'D3hot', 'D3cold'] as const;
const PM_STATE_NAMES = ['D0', 'D1', 'D2', 'D3hot'] as const;

/** One dumped function as a device fixture: what the dump says, sizes from bar-sizes.txt. */
export function deviceFromDump(d: DumpDevice, sizes: BarSizes, file: string): DeviceFixture {
  const b = d.bytes;
  const bdf = `${hex(d.bus, 2)}:${hex(d.dev, 2)}.${d.func}`;
  const full = `${hex(d.domain, 4)}:${bdf}`;
  const where = `${file}:${d.line} (${full})`;
  if (d.len < 64) throw new DumpError(`Cannot replay ${where}: the dump holds ${d.len} bytes, the header needs 64`);
  const hdr = rd8(b, R.PCI_HEADER_TYPE) & 0x7f;
  if (hdr !== 0 && hdr !== 1) throw new DumpError(`Cannot replay ${where}: header type ${hdr} (CardBus or unknown) is not modelled`);
  const sz = sizes.devices.get(full);
  if (!sz) throw new DumpError(`Cannot replay ${where}: bar-sizes.txt has no "### ${full}" section`);
  if (sz.headerType !== hdr) throw new DumpError(`Cannot replay ${where}: bar-sizes.txt says header_type=${sz.headerType}, the dump says ${hdr}`);
  const bars: DeviceFixture['bars'] = [];
  let rom: DeviceFixture['rom'];
  for (const s of sz.bars) {
    if (s.index === 6) {
      const reg = hdr === 1 ? R.PCI_ROM_ADDRESS1 : R.PCI_ROM_ADDRESS;
      const v = rd32(b, reg);
      rom = { size: s.size, value: BigInt((v & R.PCI_ROM_ADDRESS_MASK) >>> 0), enabled: (v & 1) === 1 };
      continue;
    }
    const reg = R.PCI_BASE_ADDRESS_0 + 4 * s.index;
    let value: bigint;
    if (s.type === 'io') value = BigInt((rd32(b, reg) & 0xfffffffc) >>> 0);
    else if (s.type === 'mem64') value = BigInt((rd32(b, reg) & 0xfffffff0) >>> 0) | (BigInt(rd32(b, reg + 4)) << 32n);
    else value = BigInt((rd32(b, reg) & 0xfffffff0) >>> 0);
    bars.push({ index: s.index, type: s.type === 'mem1M' ? 'mem1m' : (s.type as 'io' | 'mem32' | 'mem64'), prefetch: s.prefetch, size: s.size, value });
  }
  const caps = capabilities(b);
  let pm: DeviceFixture['pm'];
  let pcie: DeviceFixture['pcie'];
  for (const [id, at] of caps) {
    if (id === R.PCI_CAP_ID_PM && !pm) {
      const pmc = rd16(b, at + R.PCI_PM_PMC);
      const pmcsr = rd16(b, at + R.PCI_PM_CTRL);
      pm = {
        offset: at, version: Math.max(1, pmc & 7), d1: (pmc & R.PCI_PM_CAP_D1) !== 0, d2: (pmc & R.PCI_PM_CAP_D2) !== 0,
        pme: PME_NAMES.filter((_, i) => pmc & (1 << (11 + i))), no_soft_reset: (pmcsr & R.PCI_PM_CTRL_NO_SOFT_RESET) !== 0,
        state: PM_STATE_NAMES[pmcsr & 3],
      };
    }
    if (id === R.PCI_CAP_ID_EXP && !pcie) {
      const flags = rd16(b, at + R.PCI_EXP_FLAGS);
      const type = Object.entries(pcieTypes).find(([, v]) => v === (flags & 0xf0) >> 4)?.[0] as keyof typeof pcieTypes | undefined;
      if (!type) throw new DumpError(`Cannot replay ${where}: PCIe port type ${(flags & 0xf0) >> 4} is not modelled`);
      const devcap = rd32(b, at + R.PCI_EXP_DEVCAP);
      const devctl = rd16(b, at + R.PCI_EXP_DEVCTL);
      const sltcap = rd32(b, at + R.PCI_EXP_SLTCAP);
      const mpss = 128 << (devcap & 7);
      pcie = {
        offset: at, version: (flags & 0xf) >= 2 ? 2 : 1, type, slot: (flags & R.PCI_EXP_FLAGS_SLOT) !== 0,
        hotplug: (flags & R.PCI_EXP_FLAGS_SLOT) !== 0 && (sltcap & R.PCI_EXP_SLTCAP_HPC) !== 0,
        mpss, mps: Math.min(mpss, 128 << ((devctl >> 5) & 7)), ext_tag: (devcap & R.PCI_EXP_DEVCAP_EXT_TAG) !== 0,
        ext_tag_enabled: (devctl & R.PCI_EXP_DEVCTL_EXT_TAG) !== 0, flr: (devcap & R.PCI_EXP_DEVCAP_FLR) !== 0,
        lbnc: (rd32(b, at + R.PCI_EXP_LNKCAP) & R.PCI_EXP_LNKCAP_LBNC) !== 0,
      };
    }
  }
  let bridge: DeviceFixture['bridge'];
  if (hdr === 1) {
    const ioLo = rd8(b, R.PCI_IO_BASE);
    const pref = rd16(b, R.PCI_PREF_MEMORY_BASE);
    bridge = {
      primary: rd8(b, R.PCI_PRIMARY_BUS), secondary: rd8(b, R.PCI_SECONDARY_BUS), subordinate: rd8(b, R.PCI_SUBORDINATE_BUS),
      // QEMU's bridges implement every window; the low nibbles (read-only) give their width.
      io_window: true, io_32bit: (ioLo & 0xf) === 1,
      pref_window: (pref & 0xf) === 1 ? '64bit' : '32bit',
      control: rd16(b, R.PCI_BRIDGE_CONTROL),
    };
  }
  return {
    bdf, name: d.header.trim() || full,
    id: { vendor: rd16(b, 0), device: rd16(b, 2) },
    ...(hdr === 0 ? { subsystem: { vendor: rd16(b, 0x2c), device: rd16(b, 0x2e) } } : {}),
    class: rd32(b, 8) >>> 8, revision: rd8(b, 8), header: hdr as 0 | 1, multifunction: (rd8(b, R.PCI_HEADER_TYPE) & 0x80) !== 0,
    command: rd16(b, R.PCI_COMMAND), status: 0, interrupt_pin: rd8(b, R.PCI_INTERRUPT_PIN), interrupt_line: rd8(b, R.PCI_INTERRUPT_LINE),
    cache_line_size: rd8(b, R.PCI_CACHE_LINE_SIZE), bars, ...(rom ? { rom } : {}), ...(bridge ? { bridge } : {}),
    ...(pm ? { pm } : {}), ...(pcie ? { pcie } : {}), ext_caps: qemuExtCaps(rd16(b, 0), rd16(b, 2)), notes: [`from ${where}`],
  };
}

/**
 * pci=earlydump shows 256 bytes: the extended capabilities are not in the input. QEMU's PCIe
 * ports always have AER at 0x100 (pcie_aer_init() in hw/pci-bridge/gen_pcie_root_port.c,
 * xio3130_upstream.c, xio3130_downstream.c, ioh3420.c), as the captures' expected config.lspci
 * shows ("100: 01 00 02 00"); portdrv's AER service depends on it.
 */
function qemuExtCaps(vendor: number, device: number): DeviceFixture['ext_caps'] {
  const aer = [[0x1b36, 0x000c], [0x104c, 0x8232], [0x104c, 0x8233], [0x8086, 0x3420]].some(([v, d]) => v === vendor && d === device);
  return aer ? [{ offset: 0x100, id: R.PCI_EXT_CAP_ID_ERR, version: 2, size: 0x48 }] : [];
}

/** The machine of a capture: every dumped function, firmware bytes exactly as dumped. */
export function captureMachine(c: CaptureInput): Machine {
  const dumpFile = path.join(c.dir, 'earlydump.lspci');
  const seen = new Set<string>();
  for (const d of c.dump) {
    const k = `${hex(d.domain, 4)}:${hex(d.bus, 2)}:${hex(d.dev, 2)}.${d.func}`;
    if (seen.has(k)) throw new DumpError(`Cannot replay ${dumpFile}:${d.line}: ${k} appears twice`);
    seen.add(k);
  }
  for (const [bdf, s] of c.barSizes.devices)
    if (!seen.has(bdf)) throw new DumpError(`Cannot replay ${path.join(c.dir, 'bar-sizes.txt')}:${s.line}: ${bdf} is not in the dump ${dumpFile}`);
  const fixture: MachineFixture = {
    machine: path.basename(path.dirname(path.resolve(c.dir))).replace(/[^a-z0-9-]/g, '-'),
    description: `replay of ${c.dir}`,
    arch: 'x86',
    // PCIBIOS_MIN_MEM comes from the e820 gap, which the inputs do not carry; the lowest memory
    // window above 1 MiB stands in for it ([model]: on q35 both start at the end of RAM).
    pci_mem_start: [...c.host.windows, ...c.host.otherLines.map((l) => parseResource(l)).filter((r): r is NonNullable<typeof r> => r !== null)]
      .filter((w) => w.flags & IORESOURCE_MEM && w.start >= 0x100000n)
      .reduce((a, w) => (w.start < a ? w.start : a), 0xffffffffn),
    roots: [{
      acpi: c.host.acpiName, domain: c.host.domain, bus: [c.host.busStart, c.host.busEnd],
      windows: c.host.windows.map((w) => ({ type: w.flags & IORESOURCE_IO ? 'io' as const : 'mem' as const, start: w.start, end: w.end, pref: false, window: (w.flags & IORESOURCE_WINDOW) !== 0 })),
    }],
    devices: c.dump.map((d) => deviceFromDump(d, c.barSizes, dumpFile)),
    reserved: [],
    acpi_devices: [],
    sources: [{ ref: c.dir, what: 'oracle capture input' }],
    notes: [],
  };
  const m = buildMachine(fixture);
  // The dump is the firmware state, byte for byte: it wins over everything derived.
  for (const d of c.dump) {
    const fn = m.locate(d.domain, d.bus, (d.dev << 3) | d.func);
    if (!fn) throw new DumpError(`Cannot replay ${dumpFile}:${d.line}: ${hex(d.bus, 2)}:${hex(d.dev, 2)}.${d.func} is not reachable through the dumped bridges`);
    fn.config.data.set(d.bytes.subarray(0, Math.min(d.len, fn.config.size)));
  }
  return m;
}
