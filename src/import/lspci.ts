// Reading lspci output from a bug report: hex dumps (`-x`, `-xxx`, `-xxxx`, alone or inside
// `-vvv` text, by pciutils' lib/dump.c rules) and the `[size=…]` of `-v` Region lines.
import { DumpDevice, parseLspciDump } from '../replay/dump';
import { ImportError } from './dmesg';

export interface LspciRegion {
  /** 0-5, or 6 for the expansion ROM */
  index: number;
  io: boolean;
  is64: boolean;
  prefetch: boolean;
  /** address as printed, null for <unassigned> / <ignored> */
  address: bigint | null;
  size: bigint;
  line: number;
  /** lspci's "[virtual]": the address is the kernel's (sysfs), not what the register holds */
  virtual?: boolean;
}

export interface LspciDevice {
  /** "dddd:bb:dd.f" */
  bdf: string;
  line: number;
  dump: DumpDevice | null;
  regions: Map<number, LspciRegion>;
}

const UNITS: Record<string, bigint> = { '': 1n, K: 1024n, M: 1024n * 1024n, G: 1024n ** 3n, T: 1024n ** 4n };

function size(text: string): bigint {
  const m = /^(\d+)([KMGT]?)$/.exec(text);
  if (!m) return 0n;
  return BigInt(m[1]) * UNITS[m[2]];
}

export function parseLspci(text: string, file: string): LspciDevice[] {
  const dumps = parseLspciDump(text, file, { lenient: true });
  const out = new Map<string, LspciDevice>();
  const hex = (v: number, d: number) => v.toString(16).padStart(d, '0');
  for (const d of dumps) {
    const bdf = `${hex(d.domain, 4)}:${hex(d.bus, 2)}:${hex(d.dev, 2)}.${d.func}`;
    out.set(bdf, { bdf, line: d.line, dump: d.len > 0 ? d : null, regions: new Map() });
  }
  // Region lines: a second walk, attributing each to the device header above it.
  let cur: LspciDevice | null = null;
  text.split('\n').forEach((raw, i) => {
    const l = raw.replace(/\r$/, '');
    const h = /^(?:([0-9a-fA-F]{4,6}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7]) /.exec(l);
    if (h) {
      const bdf = `${(h[1] ?? '0000').toLowerCase().padStart(4, '0')}:${h[2].toLowerCase()}:${h[3].toLowerCase()}.${h[4]}`;
      cur = out.get(bdf) ?? null;
      if (!cur) {
        cur = { bdf, line: i + 1, dump: null, regions: new Map() };
        out.set(bdf, cur);
      }
      return;
    }
    if (!cur) return;
    const r = /^\s+Region (\d): (Memory|I\/O ports) at (<unassigned>|<ignored>|[0-9a-f]+)(?: \((32-bit|64-bit|low-1M), (non-prefetchable|prefetchable)\))?.*\[size=(\d+[KMGT]?)\]/.exec(l);
    if (r) {
      cur.regions.set(Number(r[1]), {
        index: Number(r[1]), io: r[2] !== 'Memory', is64: r[4] === '64-bit', prefetch: r[5] === 'prefetchable',
        address: /^[0-9a-f]+$/.test(r[3]) ? BigInt('0x' + r[3]) : null, size: size(r[6]), line: i + 1,
      });
      return;
    }
    const rom = /^\s+Expansion ROM at (<unassigned>|<ignored>|[0-9a-f]+).*\[size=(\d+[KMGT]?)\]/.exec(l);
    if (rom) cur.regions.set(6, { index: 6, io: false, is64: false, prefetch: true, address: /^[0-9a-f]+$/.test(rom[1]) ? BigInt('0x' + rom[1]) : null, size: size(rom[2]), line: i + 1, virtual: / \[virtual\]/.test(l) });
  });
  if (!out.size) throw new ImportError(`Cannot import lspci ${file}: no device header lines ("bb:dd.f …" or "dddd:bb:dd.f …") found`);
  return [...out.values()];
}
