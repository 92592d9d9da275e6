// `pcirepro explain`: the history of one register in plain words — who wrote each value and why
// it matters — ending with what the hardware decodes versus what the kernel believes.
import type { TraceEntry } from '../kernel/kernel';
import type { RunResult } from '../scenario/run';
import { formatTimestamp } from '../printk/log';
import { resourceString } from '../printk/format';
import { pci_resource_name } from '../kernel/pci';
import { IORESOURCE_MEM_64 } from '../kernel/resource';
import { to_zpci } from '../kernel/arch/s390/pci';

const hex8 = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0');

/** The innermost modelled function of a chain that says what the access was for. */
const PURPOSE: Array<[string, string]> = [
  ['pci_read_bases', 'BAR sizing at enumeration: all-ones written, the size read back, the original value restored'],
  ['__pci_size_bars', 'BAR sizing at enumeration: all-ones written, the size read back, the original value restored'],
  ['__pci_read_base', 'BAR sizing at enumeration: all-ones written, the size read back, the original value restored'],
  ['pci_std_update_resource', "the kernel programs the address of its resource into the BAR"],
  ['pci_restore_config_dword', 'pci_restore_state() writes saved_config_space back to the device'],
  ['pci_save_state', 'pci_save_state() snapshots the register into saved_config_space'],
];

function purpose(chain: string): string {
  let best = '';
  let at = -1;
  for (const [fn, why] of PURPOSE) {
    const i = chain.lastIndexOf(fn);
    if (i > at) {
      at = i;
      best = why;
    }
  }
  return best;
}

/** dword value of `t` at `off` before/after, for accesses of any width overlapping it */
function dwordOf(e: TraceEntry, off: number, v: number): number | null {
  if (e.width === 4 && e.offset === off) return v >>> 0;
  return null;
}

export interface ExplainOptions {
  device: string;
  offset: number;
}

export function explainRegister(r: RunResult, o: ExplainOptions): string[] {
  const trace = r.trace;
  if (!trace) throw new Error('explain needs a run with tracing');
  const off = o.offset & ~3;
  const dev = r.kernelState.devices.find((d) => d.name() === o.device);
  if (!dev) throw new Error(`No device ${o.device} in this run`);
  const offHex = '0x' + off.toString(16).padStart(2, '0');
  const out: string[] = [];
  // What the register is, in kernel terms.
  let regName = `config dword ${offHex}`;
  let resIdx = -1;
  // Walk the BARs as pci_read_bases() does: a 64-bit BAR takes two registers.
  const bars = dev.hdrType === 0 ? 6 : dev.hdrType === 1 ? 2 : 0;
  for (let i = 0; i < bars; i++) {
    const reg = 0x10 + 4 * i;
    const is64 = (dev.resource[i].flags & IORESOURCE_MEM_64) !== 0;
    if (reg === off) { regName = `${offHex} (${pci_resource_name(dev, i)}${is64 ? ', low dword of a 64-bit BAR' : ''})`; resIdx = i; }
    if (is64 && reg + 4 === off) { regName = `${offHex} (${pci_resource_name(dev, i)}, upper dword of a 64-bit BAR)`; resIdx = i; }
    if (is64) i++;
  }
  out.push(`${o.device} ${regName} on ${r.kernel}, scenario ${r.scenario}`);

  const mine = trace.filter((t) => t.target === o.device && ((t.kind !== 'platform' && t.offset < off + 4 && t.offset + t.width > off) || t.reset || t.kind === 'platform'));
  const first = mine.find((t) => t.kind === 'cfg-read' && t.offset === off && t.width === 4);
  if (first) out.push(`${formatTimestamp(first.usec)}firmware left ${hex8(first.value)} (first read, ${first.phase})`);

  let i = 0;
  let last: number | null = first ? first.value : null;
  while (i < mine.length) {
    const t = mine[i];
    const why = purpose(t.chain);
    // Sizing is a burst of accesses: show it as one step.
    if (why.startsWith('BAR sizing')) {
      const burst: TraceEntry[] = [];
      while (i < mine.length && purpose(mine[i].chain).startsWith('BAR sizing')) burst.push(mine[i++]);
      const writes = burst.filter((b) => b.kind === 'cfg-write').map((b) => hex8(b.value));
      out.push(`${formatTimestamp(t.usec)}${t.phase}: ${why} (writes ${writes.join(', ')})`);
      out.push(`      ${t.chain}`);
      continue;
    }
    i++;
    if (t.kind === 'platform') {
      out.push(`${formatTimestamp(t.usec)}${t.phase}: ${t.text}`);
      out.push(`      ${t.chain}`);
      last = null;
      continue;
    }
    if (t.kind === 'cfg-write' && t.reset) {
      const flr = t.width === 2 && t.value & 0x8000 && t.chain.endsWith('pci_restore_pcie_state') ? ' (the saved Device Control it restored has Initiate Function Level Reset set)' : '';
      out.push(`${formatTimestamp(t.usec)}${t.phase}: a write to ${'0x' + t.offset.toString(16)} reset the function${flr}; the register returns to its power-on value`);
      out.push(`      ${t.chain}`);
      last = null;
      continue;
    }
    if (t.kind === 'cfg-write') {
      const before = dwordOf(t, off, t.before ?? 0);
      const after = dwordOf(t, off, t.after ?? 0);
      if (before === null || after === null) continue;
      const change = before === after ? `wrote ${hex8(t.value)} (no change)` : `${hex8(before)} -> ${hex8(after)}`;
      // pci_restore_config_dword()'s retries of a BAR that does not read back: one line
      let n = 1;
      for (let j = i; j < mine.length && mine[j].chain === t.chain; j++) {
        const m = mine[j];
        if (m.kind === 'cfg-read') continue; // the re-read between retries
        if (m.kind !== 'cfg-write' || m.value !== t.value || dwordOf(m, off, m.before ?? 0) !== after || dwordOf(m, off, m.after ?? 0) !== after) break;
        n++;
        i = j + 1;
      }
      const retries = n > 1 ? ` (written ${n} times, 1 ms apart: the register never reads back ${hex8(t.value)})` : '';
      out.push(`${formatTimestamp(t.usec)}${t.phase}: ${change}${retries}: ${why || 'config write'}`);
      out.push(`      ${t.chain}`);
      last = after;
      continue;
    }
    if (t.kind === 'saved' && t.offset === off) {
      const how = t.chain.endsWith('pci_std_update_resource') ? '909f7bf9b080: pci_std_update_resource() stores the value it wrote in saved_config_space' : purpose(t.chain) || 'saved_config_space updated';
      out.push(`${formatTimestamp(t.usec)}${t.phase}: saved_config_space[${offHex}] = ${hex8(t.value)}: ${how}`);
      out.push(`      ${t.chain}`);
      continue;
    }
    if (t.kind === 'cfg-read' && last === null && t.offset === off && t.width === 4) last = t.value;
  }

  // Where things stand at the end.
  const fn = r.machine.locate(dev.bus.domain, dev.bus.number, dev.devfn);
  const now = fn ? fn.config.read(off, 4) : 0xffffffff;
  out.push(`at the end: the register holds ${hex8(now)}; saved_config_space[${offHex}] holds ${hex8(dev.savedConfigSpace[off / 4])}${dev.stateSaved ? '' : ' (state_saved false)'}`);
  if (resIdx >= 0 && fn) {
    const res = dev.resource[resIdx];
    const reg = 0x10 + 4 * resIdx;
    let hw = BigInt((fn.config.read(reg, 4) & 0xfffffff0) >>> 0);
    if (res.flags & IORESOURCE_MEM_64) hw |= BigInt(fn.config.read(reg + 4, 4)) << 32n;
    // s390x: the resource is an iomap cookie; loads through it go to the address firmware programmed
    const zdev = r.machine.arch === 's390x' ? to_zpci(r.kernelState, dev) : undefined;
    const target = zdev ? zdev.host.zpci!.bars.get(resIdx) ?? res.start : res.start;
    const ok = hw === target;
    out.push(zdev
      ? `the hardware decodes ${pci_resource_name(dev, resIdx)} at 0x${hw.toString(16)}; zPCI loads through the kernel's resource ${resourceString(res)} go to 0x${target.toString(16)}${ok ? '' : ': they do not reach the device'}`
      : `the hardware decodes ${pci_resource_name(dev, resIdx)} at 0x${hw.toString(16)}; the kernel's resource is ${resourceString(res)}${ok ? '' : ': they disagree, accesses through the resource do not reach the device'}`);
  }
  return out;
}
