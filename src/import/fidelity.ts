// Fidelity against a real log: import it, boot the imported machine on the matching modelled
// kernel, and compare the lines that follow enumeration — claims, assignments, bridge
// programming, bus resources — with what the real kernel printed.
import { diffArrays } from 'diff';
import { parseMachine } from '../fixture/load';
import { buildMachine } from '../hw/build';
import { do_initcalls } from '../kernel/init';
import { kernelForVersion, parseKernel } from '../kernel/releases';
import { DiffSide, parseDmesg } from './dmesg';
import { bootKernel } from '../fixture/boot';
import { fixtureYaml, importMachine } from './fixture';

/** The post-enumeration lines compared, in either wording. */
export function comparedLine(l: string): boolean {
  return /can't claim|: assigned$|: assigned \[|can't assign|no space for|failed to assign|^pci \S+: PCI bridge to|^pci \S+:   bridge window|^pci_bus \S+: resource \d|add_size|released$|: releasing$|try to assign unassigned res|max bus depth/.test(l);
}

export interface Fidelity {
  kernel: string;
  matched: number;
  total: number;
  extra: number;
  diff: Array<{ op: '+' | '-'; lines: string[] }>;
}

/**
 * The compared section of a log: from the end of enumeration to the final quirks ("PCI: CLS"),
 * i.e. the boot's fs_initcall assignment for every host bridge; later hotplug and rescans are not.
 */
function section(lines: Array<{ text: string; line: number }>, from: number): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.line < from) continue;
    if (/^PCI: CLS /.test(l.text)) break;
    out.push(l.text);
  }
  return out;
}

export function logFidelity(text: string, file: string, kernel?: string, side?: DiffSide): Fidelity {
  const facts = parseDmesg(text, file, side);
  const raw = importMachine({ dmesg: { facts, name: file }, lspci: [] }, 'imported');
  const m = parseMachine(fixtureYaml(raw, []), `${file} (imported)`);
  const kname = kernel ?? kernelForVersion(facts.kernelVersion?.value ?? '6.8');
  const k = bootKernel(parseKernel(kname), m, buildMachine(m), `${file} (imported)`, { tracing: false });
  do_initcalls(k);
  const theirs = section(facts.lines, facts.enumerationEnd).filter(comparedLine);
  const start = k.log.records.findIndex((r) => r.id === 'using_acpi_irq');
  const end = k.log.records.findIndex((r) => r.id === 'cls');
  const ours = k.log.records.slice(start, end < 0 ? undefined : end).filter((r) => !r.dyndbg).map((r) => r.text).filter(comparedLine);
  let matched = 0, extra = 0;
  const diff: Fidelity['diff'] = [];
  for (const p of diffArrays(theirs, ours)) {
    const n = p.count ?? p.value.length;
    if (!p.added && !p.removed) matched += n;
    else {
      if (p.added) extra += n;
      diff.push({ op: p.added ? '+' : '-', lines: p.value });
    }
  }
  return { kernel: kname, matched, total: theirs.length, extra, diff };
}
