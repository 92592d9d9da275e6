// Plain-text renderings of a Live Update run: the artifact stage 1 hands over, and the write audit
// of stage 2 (`pcirepro audit`). Every write is listed with its call chain; a chain is printed
// once for a run of writes made from the same place.
import { formatTimestamp } from '../printk/log';
import type { RunResult } from '../scenario/run';
import type { LuArtifact } from '../scenario/liveupdate';

const hexw = (v: number, width: number) => '0x' + (v >>> 0).toString(16).padStart(width * 2, '0');
const hexoff = (v: number) => '0x' + v.toString(16).padStart(2, '0');
/** Virtual time in seconds, as the kernel's printk timestamps count it. */
const seconds = (usec: number) => `${formatTimestamp(usec).trim().slice(1, -1).trim()} s`;

/** The artifact: the kernel's struct pci_ser, then each preserved function's registers at kexec. */
export function formatArtifact(a: LuArtifact): string[] {
  const out = [`stage 1 kernel ${a.stage1Kernel}, kexec at ${seconds(a.kexecUsec)}`];
  out.push(`struct pci_ser: ${a.ser.devices.length} devices`);
  for (const d of a.ser.devices)
    out.push(`  domain ${d.domain.toString(16).padStart(4, '0')} bdf ${hexw(d.bdf, 2)} (${((d.bdf >> 8) & 0xff).toString(16).padStart(2, '0')}:${((d.bdf >> 3) & 0x1f).toString(16).padStart(2, '0')}.${d.bdf & 7}) refcount ${d.refcount}`);
  for (const p of a.preserved) {
    out.push(`${p.bdf} [${p.id}] ${p.role}, driver ${p.driver ?? 'none'}, refcount ${p.refcount}`);
    const w = Math.max(...p.registers.map(([n]) => n.length));
    for (const [name, value] of p.registers) out.push(`  ${name.padEnd(w)}  ${value}`);
  }
  return out;
}

/** The audit of stage 2: writes, guards, divergences, the end state, the verdict. */
export function formatAudit(r: RunResult): string[] {
  const lu = r.liveUpdate;
  if (!lu) throw new Error(`${r.scenario} is not a Live Update scenario`);
  const a = lu.audit;
  const out: string[] = [];
  out.push(`Live Update write audit: ${r.scenario}`);
  out.push(`stage 1: ${lu.stage1Kernel}, ${lu.artifact.preserved.length} functions preserved, kexec at ${seconds(lu.artifact.kexecUsec)}`);
  out.push(`stage 2: ${r.kernel}, command line ${lu.cmdline ? `"${lu.cmdline}"` : '(no pci= options)'}`);
  out.push('preserved path:');
  for (const p of lu.artifact.preserved) out.push(`  ${p.bdf}  ${p.role.padEnd(22)} [${p.id}]`);
  out.push('');

  const disruptive = a.writes.filter((w) => w.class === 'disruptive').length;
  out.push(`config writes that reached the preserved path: ${a.writes.length} (${disruptive} disruptive, ${a.writes.length - disruptive} harmless)`);
  let chain = '';
  for (const w of a.writes) {
    if (w.chain !== chain) {
      out.push(`    ${w.chain}`);
      chain = w.chain;
    }
    out.push(`  ${formatTimestamp(w.usec)}${w.class === 'disruptive' ? 'DISRUPTIVE' : 'harmless  '} ${w.target} ${w.register} (${hexoff(w.offset)}/${w.width}) wrote ${hexw(w.value, w.width)}: ${w.why}`);
  }
  out.push('');

  out.push(`writes the Live Update guards kept from the hardware (pci_lu_adopt()): ${a.guards.length}`);
  chain = '';
  for (const g of a.guards) {
    if (g.chain !== chain) {
      out.push(`    ${g.chain}`);
      chain = g.chain;
    }
    out.push(`  ${formatTimestamp(g.usec)}${g.target} ${g.what}`);
  }
  out.push('');

  out.push(`cached-versus-hardware divergences: ${a.divergences.length}`);
  for (const d of a.divergences) {
    out.push(`  ${d.device} ${d.what}: kernel ${d.cached}, hardware ${d.hardware}`);
    out.push(`      from ${d.from.label} (${seconds(d.from.usec)}) ${d.until ? `until ${d.until.label} (${seconds(d.until.usec)})` : 'to the end of stage 2'}`);
  }
  out.push('');

  if (a.conflicts.length) {
    out.push(`address conflicts: ${a.conflicts.length} functions off the path decode over a preserved BAR`);
    for (const c of a.conflicts) out.push(`  ${c}`);
  }
  if (!a.endState.length) out.push('end of stage 2: every preserved register holds its kexec value');
  else {
    out.push(`end of stage 2: ${a.endState.length} preserved registers differ from the kexec snapshot`);
    for (const e of a.endState) out.push(`  ${e}`);
  }
  out.push(`verdict: ${a.verdict}${a.verdict === 'disrupted' ? ` (${[disruptive ? `${disruptive} disruptive writes` : '', a.conflicts.length ? `${a.conflicts.length} address conflicts` : ''].filter(Boolean).join(', ')})` : ''}`);
  return out;
}
