// The kernel log buffer of one simulated kernel: records with a virtual timestamp, a level, the
// printing function, and whether they are dynamic debug (pci_dbg) lines.
import { kformat } from './format';
import { MESSAGES, MessageId, Params, Level } from './messages';

export interface LogRecord {
  /** virtual time in microseconds since boot */
  usec: number;
  level: Level;
  /** dev_name prefix included, e.g. "pci 0000:07:00.0: BAR 0 [...]" */
  text: string;
  id: MessageId;
  dyndbg: boolean;
}

export class VirtualClock {
  usec = 0;
  advance(us: number): void {
    this.usec += us;
  }
  /** Move forward to `us` if the clock is behind it (initcall phases start at fixed points). */
  atLeast(us: number): void {
    if (this.usec < us) this.usec = us;
  }
}

export class KernelLog {
  readonly records: LogRecord[] = [];
  constructor(
    readonly clock: VirtualClock,
    /** log wording before the v6.8 resource-name rework */
    readonly legacy: boolean,
  ) {}

  /** printk with a device prefix ("pci 0000:07:00.0: ", "pci_bus 0000:07: ") or none (""). */
  print(prefix: string, id: MessageId, p: Params = {}): void {
    const m = MESSAGES[id];
    const fmt = this.legacy && 'legacy' in m && m.legacy ? m.legacy : m.modern;
    const text = prefix + kformat(fmt, m.args(p, this.legacy && 'legacy' in m));
    this.records.push({ usec: this.clock.usec, level: m.level, text, id, dyndbg: 'dyndbg' in m && m.dyndbg === true });
    this.clock.advance(3);
  }
}

/** `[    0.318903] ` as printk's print_time() formats it. */
export function formatTimestamp(usec: number): string {
  const sec = Math.floor(usec / 1e6);
  const frac = usec % 1e6;
  return `[${String(sec).padStart(5, ' ')}.${String(frac).padStart(6, '0')}] `;
}

export interface RenderOptions {
  dyndbg?: boolean;
  timestamps?: boolean;
}

export function renderLog(records: readonly LogRecord[], o: RenderOptions = {}): string[] {
  const out: string[] = [];
  for (const r of records) {
    if (r.dyndbg && !o.dyndbg) continue;
    out.push(o.timestamps ? formatTimestamp(r.usec) + r.text : r.text);
  }
  return out;
}
