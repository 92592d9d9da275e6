// The other files of an oracle capture's input/: BAR sizes (the hardware facts a dump cannot
// carry), the ACPI host bridge lines, and the kernel command line.
import { Resource, IORESOURCE_BUS, IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PREFETCH, IORESOURCE_WINDOW } from '../kernel/resource';
import { DumpError } from './dump';

export interface BarSize {
  /** 0-5, or 6 for the ROM */
  index: number;
  type: 'io' | 'mem32' | 'mem1M' | 'mem64' | 'rom';
  prefetch: boolean;
  size: bigint;
  /** the raw read-back of all-ones (low dword, and high dword for mem64) */
  mask: number;
  maskHi?: number;
}

export interface BarSizes {
  /** "dddd:bb:dd.f" → header type and BARs */
  devices: Map<string, { headerType: number; bars: BarSize[]; line: number }>;
}

export function parseBarSizes(text: string, file: string): BarSizes {
  const devices: BarSizes['devices'] = new Map();
  let cur: { headerType: number; bars: BarSize[]; line: number } | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    const no = i + 1;
    if (!line) return;
    const h = /^### ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) header_type=([0-9]+)$/.exec(line);
    if (h) {
      cur = { headerType: Number(h[2]), bars: [], line: no };
      devices.set(h[1], cur);
      return;
    }
    const b = /^(BAR|ROM) ([0-6]) (io|mem32|mem1M|mem64|rom) (pref|-) (0x[0-9a-f]+) ([0-9a-f]{8})(?: ([0-9a-f]{8}))?$/.exec(line);
    if (!b || !cur) throw new DumpError(`Cannot read BAR sizes ${file}:${no}: expected "### dddd:bb:dd.f header_type=N" or "BAR n TYPE pref|- SIZE MASK [MASK_HI]", got "${line}"`);
    if ((b[3] === 'mem64') !== (b[7] !== undefined)) throw new DumpError(`Cannot read BAR sizes ${file}:${no}: a mem64 BAR needs MASK_HI and only a mem64 BAR has one`);
    const size = BigInt(b[5]);
    if (size <= 0n || (size & (size - 1n)) !== 0n) throw new DumpError(`Cannot read BAR sizes ${file}:${no}: size must be a power of two, got ${b[5]}`);
    cur.bars.push({
      index: Number(b[2]), type: b[3] as BarSize['type'], prefetch: b[4] === 'pref', size,
      mask: parseInt(b[6], 16) >>> 0, ...(b[7] ? { maskHi: parseInt(b[7], 16) >>> 0 } : {}),
    });
  });
  return { devices };
}

const RES = /\[(io  |mem |bus )(?:(0x[0-9a-f]+|[0-9a-f]+)(?:-(0x[0-9a-f]+|[0-9a-f]+))?)( 64bit)?( pref)?( window)?\]/;

/** Read a `%pR` text back into a resource. */
export function parseResource(text: string): Resource | null {
  const m = RES.exec(text);
  if (!m) return null;
  const type = m[1] === 'io  ' ? IORESOURCE_IO : m[1] === 'mem ' ? IORESOURCE_MEM : IORESOURCE_BUS;
  const num = (s: string) => BigInt(type === IORESOURCE_BUS ? '0x' + s : s);
  const start = num(m[2]);
  const end = m[3] !== undefined ? num(m[3]) : start;
  let flags = type;
  if (m[4]) flags |= IORESOURCE_MEM_64;
  if (m[5]) flags |= IORESOURCE_PREFETCH;
  if (m[6]) flags |= IORESOURCE_WINDOW;
  return new Resource('', start, end, flags);
}

export interface HostBridgeFacts {
  acpiName: string;
  domain: number;
  busStart: number;
  busEnd: number;
  windows: Resource[];
  /** lines of ACPI/x86 code around it (pci=nocrs), kept as facts */
  otherLines: string[];
}

export function parseHostBridge(text: string, file: string): HostBridgeFacts {
  let acpiName = '', domain = 0, busStart = -1, busEnd = -1;
  const windows: Resource[] = [];
  const otherLines: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const no = i + 1;
    const a = /^ACPI: PCI Root Bridge \[(\w+)\] \(domain ([0-9a-f]{4}) \[bus ([0-9a-f]{2})-([0-9a-f]{2})\]\)$/.exec(line);
    if (a) {
      acpiName = a[1]; domain = parseInt(a[2], 16); busStart = parseInt(a[3], 16); busEnd = parseInt(a[4], 16);
      return;
    }
    if (/^PCI host bridge to bus [0-9a-f]{4}:[0-9a-f]{2}$/.test(line)) return;
    const r = /^pci_bus [0-9a-f]{4}:[0-9a-f]{2}: root bus resource (\[.*\])$/.exec(line);
    if (r) {
      const res = parseResource(r[1]);
      if (!res) throw new DumpError(`Cannot read host bridge ${file}:${no}: cannot parse resource "${r[1]}"`);
      if (!(res.flags & IORESOURCE_BUS)) windows.push(res);
      return;
    }
    otherLines.push(line);
  });
  if (busStart < 0) throw new DumpError(`Cannot read host bridge ${file}: no "ACPI: PCI Root Bridge [..] (domain .. [bus ..-..])" line`);
  if (!windows.length) throw new DumpError(`Cannot read host bridge ${file}: no "root bus resource" window lines`);
  return { acpiName, domain, busStart, busEnd, windows, otherLines };
}

export interface CmdlineFacts {
  /** pci=realloc (true), pci=realloc=off (false), neither (undefined) */
  realloc: boolean | undefined;
  assignBusses: boolean;
  nocrs: boolean;
  raw: string;
}

/** The pci= options the model knows (drivers/pci/pci.c pci_setup(), arch/x86/pci/common.c). */
export const KNOWN_PCI_OPTIONS = ['realloc', 'realloc=on', 'realloc=off', 'assign-busses', 'nocrs', 'earlydump'];

/** The pci= options of a command line, each a separate word after "pci=" and ","-splitting. */
export function pciOptions(cmdline: string): string[] {
  return cmdline.trim().split(/\s+/).filter((w) => w.startsWith('pci=')).flatMap((w) => w.slice(4).split(',')).filter(Boolean);
}

export function parseCmdline(text: string, file: string): CmdlineFacts {
  const raw = text.trim();
  const pci = pciOptions(raw);
  for (const o of pci) if (!KNOWN_PCI_OPTIONS.includes(o)) throw new DumpError(`Cannot read command line ${file}: pci=${o} is not modelled (known: ${KNOWN_PCI_OPTIONS.join(', ')})`);
  // pci_setup() takes the options in order, so the last realloc setting wins.
  let realloc: boolean | undefined;
  for (const o of pci) if (o.startsWith('realloc')) realloc = o !== 'realloc=off';
  return { realloc, assignBusses: pci.includes('assign-busses'), nocrs: pci.includes('nocrs'), raw };
}
