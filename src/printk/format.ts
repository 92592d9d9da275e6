// The kernel's printf, as much of it as the PCI core's format strings use (lib/vsprintf.c):
// %s %d %u %x %llx with flags '#', '0' and a width, and the %pR / %pr resource printers.
import { Resource, IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_IRQ, IORESOURCE_DMA, IORESOURCE_BUS,
  IORESOURCE_MEM_64, IORESOURCE_PREFETCH, IORESOURCE_WINDOW, IORESOURCE_DISABLED, IORESOURCE_UNSET } from '../kernel/resource';

/** number() with SPECIAL|SMALL|ZEROPAD semantics: the width counts the "0x", and 0 prints as 0x0…. */
function hexSpecial(v: bigint, width: number): string {
  const digits = v.toString(16);
  return '0x' + digits.padStart(Math.max(0, width - 2), '0');
}

/** lib/vsprintf.c resource_string(): `%pR` (decoded) or `%pr` (raw, with flags). */
export function resourceString(res: Resource, raw = false): string {
  let type: string;
  let width: number;
  let hex = true;
  if (res.flags & IORESOURCE_IO) { type = 'io  '; width = 6; }
  else if (res.flags & IORESOURCE_MEM) { type = 'mem '; width = 10; }
  else if (res.flags & IORESOURCE_IRQ) { type = 'irq '; width = 0; hex = false; }
  else if (res.flags & IORESOURCE_DMA) { type = 'dma '; width = 0; hex = false; }
  else if (res.flags & IORESOURCE_BUS) { type = 'bus '; width = 2; hex = false; }
  else { type = '??? '; width = 10; }
  const num = (v: bigint): string => {
    if (res.flags & IORESOURCE_BUS && !(res.flags & (IORESOURCE_IO | IORESOURCE_MEM))) return v.toString(16).padStart(2, '0');
    return hex ? hexSpecial(v, width) : v.toString(10);
  };
  let s = '[' + type;
  if (!raw && res.flags & IORESOURCE_UNSET) {
    s += 'size ' + num(res.end - res.start + 1n);
  } else {
    s += num(res.start);
    if (res.start !== res.end) s += '-' + num(res.end);
  }
  if (raw) {
    s += ' flags 0x' + (res.flags >>> 0).toString(16);
  } else {
    if (res.flags & IORESOURCE_MEM_64) s += ' 64bit';
    if (res.flags & IORESOURCE_PREFETCH) s += ' pref';
    if (res.flags & IORESOURCE_WINDOW) s += ' window';
    if (res.flags & IORESOURCE_DISABLED) s += ' disabled';
  }
  return s + ']';
}

export type Arg = string | number | bigint | Resource;

/** Format `fmt` with kernel printf rules. Throws on a mismatch between format and arguments. */
export function kformat(fmt: string, args: readonly Arg[]): string {
  let out = '';
  let ai = 0;
  const next = (): Arg => {
    if (ai >= args.length) throw new Error(`format "${fmt}" needs more arguments than ${args.length}`);
    return args[ai++];
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') { out += c; continue; }
    let j = i + 1;
    if (fmt[j] === '%') { out += '%'; i = j; continue; }
    let alt = false, zero = false;
    while (fmt[j] === '#' || fmt[j] === '0') { if (fmt[j] === '#') alt = true; else zero = true; j++; }
    let width = 0;
    while (fmt[j] >= '0' && fmt[j] <= '9') width = width * 10 + (fmt.charCodeAt(j++) - 48);
    while (fmt[j] === 'l' || fmt[j] === 'h') j++;
    const conv = fmt[j];
    if (conv === 'p') {
      const kind = fmt[j + 1];
      const a = next();
      if (!(a instanceof Resource) || (kind !== 'R' && kind !== 'r')) throw new Error(`format "${fmt}": %p${kind} needs a resource`);
      out += resourceString(a, kind === 'r');
      i = j + 1;
      continue;
    }
    const a = next();
    let s: string;
    if (conv === 's') s = String(a);
    else if (conv === 'd' || conv === 'u') s = (typeof a === 'bigint' ? a : BigInt(a as number)).toString(10);
    else if (conv === 'x') {
      const v = typeof a === 'bigint' ? a : BigInt((a as number) >>> 0 === a ? a : (a as number));
      s = v.toString(16);
      if (alt) {
        // '#' with a width: the width includes "0x"; kernel prints 0x even for 0.
        s = '0x' + (zero ? s.padStart(Math.max(0, width - 2), '0') : s);
        out += s.padStart(width, ' ');
        i = j;
        continue;
      }
    } else throw new Error(`format "${fmt}": unsupported conversion %${conv}`);
    out += zero ? s.padStart(width, '0') : s.padStart(width, ' ');
    i = j;
  }
  if (ai !== args.length) throw new Error(`format "${fmt}" takes ${ai} arguments, got ${args.length}`);
  return out;
}
