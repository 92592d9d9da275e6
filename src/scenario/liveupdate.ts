// A kexec Live Update in two stages on one machine, as the kernel's liveupdate selftests run it:
// stage 1 boots the old kernel, gives the device to a VM, preserves it and kexecs; stage 2 boots
// the new kernel (`--kernel`) on the hardware exactly as stage 1 left it — no firmware in between —
// while the device keeps running. What stage 1 preserved is an explicit artifact (LuArtifact);
// stage 2 is audited (audit.ts) and judged from the audit.
import { buildMachine } from '../hw/build';
import type { Machine } from '../hw/machine';
import type { PciFunction } from '../hw/pci-function';
import * as R from '../hw/regs';
import { bootKernel } from '../fixture/boot';
import { loadMachine } from '../fixture/load';
import { Kernel, PciSer, TraceEntry } from '../kernel/kernel';
import { parseKernel, KernelVariant } from '../kernel/releases';
import { pci_liveupdate_outgoing_ser } from '../kernel/liveupdate';
import type { PciDev } from '../kernel/types';
import type { LogRecord } from '../printk/log';
import { addressConflicts, AuditCollector, capabilities, AuditGuard, AuditWrite, Divergence, PathFunction, registerName } from './audit';
import { EventState, eventLabel, playEvent, watchedSaved } from './events';
import { FindingsCollector } from './findings';
import type { RunOptions, RunResult, Verdict } from './run';
import { Scenario, ScenarioError } from './scenarios';

const hex = (v: number, digits = 8) => '0x' + (v >>> 0).toString(16).padStart(digits, '0');

/** A preserved function as stage 1 left it at kexec. */
export interface LuPreserved {
  bdf: string;
  /** where firmware placed it (the hardware's identity across renumbering) */
  fw: string;
  id: string;
  role: string;
  driver: string | null;
  refcount: number;
  /** the registers that carry the device's traffic, by pci_regs.h name, as the hardware held them */
  registers: Array<[string, string]>;
}

/** What stage 1 hands to stage 2: the kernel's struct pci_ser, and the hardware at kexec. */
export interface LuArtifact {
  stage1Kernel: string;
  kexecUsec: number;
  ser: PciSer;
  preserved: LuPreserved[];
}

export interface LiveUpdateResult {
  stage1Kernel: string;
  stage1Log: LogRecord[];
  stage1Trace: TraceEntry[] | null;
  artifact: LuArtifact;
  cmdline: string;
  audit: {
    writes: AuditWrite[];
    guards: AuditGuard[];
    divergences: Divergence[];
    /** registers of the preserved functions that differ at the end of stage 2 from the artifact */
    endState: string[];
    /** other functions decoding memory over a preserved function's BARs at the end of stage 2 */
    conflicts: string[];
    verdict: 'disrupted' | 'preserved';
  };
}

/** The role of a function on the path, for humans. */
function roleOf(dev: PciDev): string {
  if (!dev.isBridge()) return 'endpoint';
  switch (dev.pcieType()) {
    case R.PCI_EXP_TYPE_ROOT_PORT: return 'root port';
    case R.PCI_EXP_TYPE_UPSTREAM: return 'switch upstream port';
    case R.PCI_EXP_TYPE_DOWNSTREAM: return 'switch downstream port';
    default: return 'bridge';
  }
}

/** The registers the artifact keeps and the end of stage 2 is compared with. */
function registersOf(fn: PciFunction): Array<[string, string]> {
  const c = fn.config;
  const out: Array<[string, string]> = [];
  const dword = (off: number) => out.push([registerName(fn, off), hex(c.read(off, 4))]);
  out.push(['PCI_COMMAND', hex(c.read(R.PCI_COMMAND, 2), 4)]);
  const bars = fn.isBridge() ? 2 : 6;
  for (let i = 0; i < bars; i++) if (c.mask(R.PCI_BASE_ADDRESS_0 + 4 * i, 4)) dword(R.PCI_BASE_ADDRESS_0 + 4 * i);
  if (fn.isBridge()) {
    out.push(['PCI_PRIMARY_BUS', hex(c.read(R.PCI_PRIMARY_BUS, 1), 2)], ['PCI_SECONDARY_BUS', hex(c.read(R.PCI_SECONDARY_BUS, 1), 2)], ['PCI_SUBORDINATE_BUS', hex(c.read(R.PCI_SUBORDINATE_BUS, 1), 2)]);
    out.push(['PCI_IO_BASE', hex(c.read(R.PCI_IO_BASE, 2), 4)]);
    for (const off of [R.PCI_MEMORY_BASE, R.PCI_PREF_MEMORY_BASE, R.PCI_PREF_BASE_UPPER32, R.PCI_PREF_LIMIT_UPPER32, R.PCI_IO_BASE_UPPER16]) dword(off);
    out.push(['PCI_BRIDGE_CONTROL', hex(c.read(R.PCI_BRIDGE_CONTROL, 2), 4)]);
  }
  if (fn.pmCap) out.push(['PCI_PM_CTRL', hex(c.read(fn.pmCap + R.PCI_PM_CTRL, 2), 4)]);
  // MSI: flags, message and mask bits
  const msi = capabilities(fn).find((x) => x.id === R.PCI_CAP_ID_MSI);
  if (msi) {
    const pos = msi.at;
    const flags = c.read(pos + R.PCI_MSI_FLAGS, 2);
    const is64 = (flags & R.PCI_MSI_FLAGS_64BIT) !== 0;
    out.push(['PCI_MSI_FLAGS', hex(flags, 4)]);
    dword(pos + R.PCI_MSI_ADDRESS_LO);
    if (is64) dword(pos + R.PCI_MSI_ADDRESS_HI);
    out.push([registerName(fn, pos + (is64 ? R.PCI_MSI_DATA_64 : R.PCI_MSI_DATA_32)), hex(c.read(pos + (is64 ? R.PCI_MSI_DATA_64 : R.PCI_MSI_DATA_32), 2), 4)]);
    if (flags & R.PCI_MSI_FLAGS_MASKBIT) dword(pos + (is64 ? R.PCI_MSI_MASK_64 : R.PCI_MSI_MASK_32));
  }
  return out;
}

function hwOf(machine: Machine, dev: PciDev): PciFunction {
  const fn = machine.locate(dev.bus.domain, dev.bus.number, dev.devfn);
  if (!fn) throw new ScenarioError(`${dev.name()} does not answer configuration cycles`);
  return fn;
}

/** Stage 1's hand-over, read after kexec: the kernel's pci_ser and each preserved function. */
function makeArtifact(k: Kernel, stage1Kernel: string): LuArtifact {
  const ser = pci_liveupdate_outgoing_ser(k);
  const preserved = k.devices
    .filter((d) => d.luOutgoing > 0)
    .map((d) => {
      const fn = hwOf(k.machine, d);
      return {
        bdf: d.name(), fw: fn.fwBdf, id: `${hex(d.vendor, 4).slice(2)}:${hex(d.device, 4).slice(2)}`, role: roleOf(d),
        driver: d.driver?.name ?? null, refcount: d.luOutgoing, registers: registersOf(fn),
      };
    });
  return { stage1Kernel, kexecUsec: k.clock.usec, ser, preserved };
}

export function runLiveUpdate(scenario: Scenario, variant: KernelVariant, opts: RunOptions = {}): RunResult {
  const lu = scenario.liveUpdate!;
  const fixture = loadMachine(scenario.machine);
  const machine = buildMachine(fixture);

  // Stage 1: the old kernel, up to kexec.
  const v1 = parseKernel(lu.stage1Kernel);
  const k1 = bootKernel(v1, fixture, machine, scenario.machine, { tracing: true });
  const st1: EventState = { variant: v1, tracing: true, guest: null, guestProbe: null, guestRead: null, mmioRead: null, resetRc: null };
  for (const ev of lu.stage1) playEvent(k1, ev, st1);
  if (!k1.kexecInProgress) throw new ScenarioError(`${scenario.name}: stage 1 must end with a kexec event`);
  const artifact = makeArtifact(k1, lu.stage1Kernel);
  if (!artifact.preserved.length) throw new ScenarioError(`${scenario.name}: stage 1 preserved no device`);

  // Stage 2: the new kernel boots on the same hardware, with the incoming Live Update data.
  const k = bootKernel(variant, fixture, machine, scenario.machine, { tracing: true, cmdline: lu.cmdline });
  k.lu = artifact.ser;
  const byFw = new Map<string, PciFunction>();
  for (const l of machine.walk()) byFw.set(l.fn.fwBdf, l.fn);
  const path: PathFunction[] = artifact.preserved.map((p) => ({ fw: p.fw, bdf: p.bdf, role: p.role, fn: byFw.get(p.fw)! }));
  const audit = new AuditCollector(k, path);
  const findings = new FindingsCollector(k);
  k.afterStep = (label) => {
    findings.step(label);
    audit.check(label);
  };
  k.onCheckpoint = (label) => audit.check(`${k.phase}: ${label}`);
  const st: EventState = { variant, tracing: true, guest: null, guestProbe: null, guestRead: null, mmioRead: null, resetRc: null };
  const events = scenario.events.slice(0, opts.stopAfter ?? scenario.events.length);
  for (const ev of events) {
    playEvent(k, ev, st);
    if (ev.kind !== 'boot') {
      findings.step(eventLabel(ev));
      audit.check(eventLabel(ev));
    }
  }
  audit.detach();

  // The end of stage 2 against the artifact.
  const endState: string[] = [];
  for (const p of artifact.preserved) {
    const now = new Map(registersOf(byFw.get(p.fw)!));
    for (const [name, v] of p.registers) if (now.get(name) !== v) endState.push(`${p.fw} ${name} ${v} -> ${now.get(name)}`);
  }
  const conflicts = addressConflicts(machine, path);
  const disruptive = audit.writes.filter((w) => w.class === 'disruptive');
  const disrupted = disruptive.length > 0 || conflicts.length > 0;
  const verdict: Verdict = events.length < scenario.events.length && !disrupted ? 'incomplete' : disrupted ? 'disrupted' : 'preserved';
  const reasons = [
    `${audit.writes.length} config writes reached the preserved path in stage 2: ${disruptive.length} disruptive, ${audit.writes.length - disruptive.length} harmless`,
  ];
  // The first disruptive write of each function, then the state at the end.
  const seen = new Set<string>();
  for (const w of disruptive) {
    const fn = w.chain.split(' > ').pop()!;
    if (seen.has(fn)) continue;
    seen.add(fn);
    reasons.push(`${fn}() wrote ${w.register} of ${w.target} (${w.role}): ${w.why}`);
  }
  for (const c of conflicts) reasons.push(`address conflict: ${c}`);
  reasons.push(endState.length ? `at the end of stage 2, ${endState.length} preserved registers differ from the kexec snapshot` : 'at the end of stage 2 every preserved register holds its kexec value');
  const open = audit.divergences.filter((d) => !d.until);
  if (audit.divergences.length)
    reasons.push(`${audit.divergences.length} cached-versus-hardware divergences of the preserved functions, ${open.length} still open at the end`);

  const saved = watchedSaved(k, scenario.watch);
  return {
    scenario: scenario.name,
    kernel: variant.name,
    variant,
    verdict,
    reasons,
    host: k.log.records,
    guest: [],
    trace: k.trace,
    machine,
    kernelState: k,
    saved,
    findings: findings.findings,
    liveUpdate: {
      stage1Kernel: lu.stage1Kernel,
      stage1Log: k1.log.records,
      stage1Trace: k1.trace,
      artifact,
      cmdline: lu.cmdline ?? '',
      audit: { writes: audit.writes, guards: audit.guards(), divergences: audit.divergences, endState, conflicts, verdict: disrupted ? 'disrupted' : 'preserved' },
    },
  };
}
