// `pcirepro trace`: the recorded accesses, filtered, one per line.
import type { TraceEntry } from '../kernel/kernel';
import { formatTimestamp } from '../printk/log';

export interface TraceFilter {
  device?: string;
  /** a dword offset: entries touching any byte of [offset, offset+4) */
  offset?: number;
  writes?: boolean;
}

const hexw = (v: number, width: number) => '0x' + (v >>> 0).toString(16).padStart(width * 2, '0');

export function filterTrace(trace: readonly TraceEntry[], f: TraceFilter): TraceEntry[] {
  return trace.filter((t) => {
    if (f.device && t.target !== f.device && t.device !== f.device) return false;
    if (f.writes && t.kind !== 'cfg-write' && t.kind !== 'saved' && t.kind !== 'platform' && t.kind !== 'lu-guard') return false;
    if (f.offset !== undefined) {
      if (t.kind === 'mmio-read') return false;
      if (t.kind === 'platform') return true; // it changes every register
      if (t.offset + t.width <= f.offset || t.offset >= f.offset + 4) return false;
    }
    return true;
  });
}

/** One access: time, phase, device, what, value(s), call chain. */
export function formatTraceEntry(t: TraceEntry, timestamps = true): string {
  const ts = timestamps ? formatTimestamp(t.usec) : '';
  const off = '0x' + t.offset.toString(16).padStart(2, '0');
  let what: string;
  switch (t.kind) {
    case 'cfg-read':
      what = `${t.target} read  ${off}/${t.width} = ${hexw(t.value, t.width)}`;
      break;
    case 'cfg-write':
      what = `${t.target} write ${off}/${t.width} ${t.before === undefined ? '?' : hexw(t.before, t.width)} -> ${t.after === undefined ? '?' : hexw(t.after, t.width)}`;
      if (t.after !== t.value) what += ` (wrote ${hexw(t.value, t.width)})`;
      if (t.reset) what += ' [function reset]';
      break;
    case 'mmio-read':
      what = `${t.device ?? '-'} readl ${t.target} = ${hexw(t.value, 4)} (${t.decoder ? `decoded by ${t.decoder}` : 'no function decodes it'})`;
      break;
    case 'saved':
      what = `${t.target} saved_config_space[${off}] = ${hexw(t.value, 4)}`;
      break;
    case 'platform':
      what = `${t.target} platform: ${t.text}`;
      break;
    case 'lu-guard':
      what = `${t.target} not written (pci_lu_adopt): ${t.text}`;
      break;
  }
  return `${ts}${t.phase.padEnd(34)} ${what}  <- ${t.chain}`;
}

export function formatTrace(trace: readonly TraceEntry[], f: TraceFilter, timestamps = true): string[] {
  return filterTrace(trace, f).map((t) => formatTraceEntry(t, timestamps));
}
