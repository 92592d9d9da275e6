// Run a scenario on a kernel: build the machine from its fixture, boot the modelled kernel, play
// the events, and judge the outcome from the hardware. Live Update scenarios run two kernels on
// one machine (liveupdate.ts).
import { buildMachine } from '../hw/build';
import { bootKernel } from '../fixture/boot';
import { loadMachine } from '../fixture/load';
import { Kernel, TraceEntry } from '../kernel/kernel';
import { parseKernel, KernelVariant } from '../kernel/releases';
import type { LogRecord } from '../printk/log';
import { resourceString } from '../printk/format';
import type { PciDev } from '../kernel/types';
import type { Machine } from '../hw/machine';
import { findScenario, Scenario } from './scenarios';
import * as R from '../hw/regs';
import { Finding, FindingsCollector } from './findings';
import { EventState, eventLabel, findDev, playEvent, watchedSaved } from './events';
import { LiveUpdateResult, runLiveUpdate } from './liveupdate';

export { eventLabel };

/**
 * 'incomplete' only when a run was stopped before the event that decides it (RunOptions.stopAfter).
 * Live Update scenarios: 'disrupted' when the new kernel made a disruptive write to the preserved
 * path, else 'preserved'.
 */
export type Verdict = 'broken' | 'working' | 'incomplete' | 'disrupted' | 'preserved';

/** The verdicts that mean the bug shows (bisect's "bad"). */
export const isBad = (v: Verdict): boolean => v === 'broken' || v === 'disrupted';

export interface RunResult {
  scenario: string;
  kernel: string;
  variant: KernelVariant;
  verdict: Verdict;
  reasons: string[];
  host: LogRecord[];
  guest: LogRecord[];
  trace: TraceEntry[] | null;
  machine: Machine;
  kernelState: Kernel;
  /** final saved_config_space of the watched devices */
  saved: Record<string, number[]>;
  findings: Finding[];
  /** Live Update scenarios: stage 1, what it preserved, and the audit of stage 2 */
  liveUpdate?: LiveUpdateResult;
}

export interface RunOptions {
  tracing?: boolean;
  /** stop after this many events (1 = just the boot): for looking at intermediate state */
  stopAfter?: number;
}

export function runScenario(name: string, kernelSpec: string | KernelVariant, opts: RunOptions = {}): RunResult {
  const scenario: Scenario = findScenario(name);
  const variant = typeof kernelSpec === 'string' ? parseKernel(kernelSpec) : kernelSpec;
  if (scenario.liveUpdate) return runLiveUpdate(scenario, variant, opts);
  const fixture = loadMachine(scenario.machine);
  const machine = buildMachine(fixture);
  const k = bootKernel(variant, fixture, machine, scenario.machine, { tracing: opts.tracing ?? true });
  const findings = new FindingsCollector(k);
  k.afterStep = (label) => findings.step(label);
  const st: EventState = { variant, tracing: opts.tracing ?? true, guest: null, guestProbe: null, guestRead: null, mmioRead: null, resetRc: null };
  for (const ev of scenario.events.slice(0, opts.stopAfter ?? scenario.events.length)) {
    playEvent(k, ev, st);
    if (ev.kind !== 'boot') findings.step(eventLabel(ev));
  }
  const { guest, guestProbe, guestRead, mmioRead, resetRc } = st;

  const dev = findDev(k, scenario.device);
  let verdict: Verdict;
  let reasons: string[];
  if (scenario.verdict === 'mmio-read') {
    verdict = mmioRead === null ? 'incomplete' : mmioRead.value === mmioRead.expected ? 'working' : 'broken';
    reasons = explainMmioVerdict(k, dev, verdict, mmioRead, resetRc, findings.findings);
  } else {
    verdict = guestProbe === null ? 'incomplete' : guestProbe < 0 ? 'broken' : 'working';
    reasons = explainVerdict(k, dev, verdict, guestRead, findings.findings);
  }
  const saved = watchedSaved(k, scenario.watch);
  return {
    scenario: scenario.name,
    kernel: variant.name,
    variant,
    verdict,
    reasons,
    host: k.log.records,
    guest: (guest as Kernel | null)?.log.records ?? [],
    trace: k.trace,
    machine,
    kernelState: k,
    saved,
    findings: findings.findings,
  };
}

/** The BAR 0 address the hardware decodes now, from its registers. */
function hwBar0(k: Kernel, dev: PciDev): bigint {
  const fn = k.machine.locate(dev.bus.domain, dev.bus.number, dev.devfn)!;
  const lo = fn.config.read(R.PCI_BASE_ADDRESS_0, 4);
  let a = BigInt((lo & R.PCI_BASE_ADDRESS_MEM_MASK) >>> 0);
  if ((lo & 6) === 4) a |= BigInt(fn.config.read(R.PCI_BASE_ADDRESS_0 + 4, 4)) << 32n;
  return a;
}

function explainMmioVerdict(k: Kernel, dev: PciDev, verdict: Verdict, read: { value: number; expected: number } | null, resetRc: number | null, findings: Finding[]): string[] {
  const hex32 = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0');
  const out: string[] = [];
  if (!read) out.push('the run stopped before the register was read');
  else out.push(`BAR 0 register 0 read ${hex32(read.value)}, the device holds ${hex32(read.expected)}: ${verdict === 'working' ? 'the device answers' : 'the load went unanswered'}`);
  if (resetRc !== null) out.push(`the reset returned ${resetRc}`);
  const fn = k.machine.locate(dev.bus.domain, dev.bus.number, dev.devfn)!;
  const lo = fn.config.read(R.PCI_BASE_ADDRESS_0, 4), hi = fn.config.read(R.PCI_BASE_ADDRESS_0 + 4, 4), cmd = fn.config.read(R.PCI_COMMAND, 2);
  out.push(`${dev.name()} BAR 0 register holds ${hex32(hi)}${hex32(lo).slice(2)}, COMMAND ${'0x' + cmd.toString(16).padStart(4, '0')}`);
  for (const f of findings) if (f.device === dev.name()) out.push(`after ${f.after}: ${f.text}`);
  return out;
}

function explainVerdict(k: Kernel, dev: PciDev, verdict: Verdict, guestRead: number | null, findings: Finding[]): string[] {
  const res = dev.resource[0];
  const hw = hwBar0(k, dev);
  const out: string[] = [];
  const hex32 = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0');
  if (verdict === 'incomplete') {
    out.push('the run stopped before the guest probed the device');
  } else if (verdict === 'broken') {
    out.push(`guest ddbridge read ${guestRead === null ? 'nothing' : hex32(guestRead)} from BAR 0 register 0: probe failed`);
  } else {
    out.push(`guest ddbridge read ${guestRead === null ? 'nothing' : hex32(guestRead)} from BAR 0 register 0: probe succeeded`);
  }
  if (hw === res.start) out.push(`${dev.name()} BAR 0 register matches the kernel's resource ${resourceString(res)}`);
  // The findings about the device, in the order they appeared: the story of how it broke.
  for (const f of findings) if (f.device === dev.name()) out.push(`after ${f.after}: ${f.text}`);
  return out;
}
