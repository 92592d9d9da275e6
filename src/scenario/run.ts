// Run a scenario on a kernel: build the machine from its fixture, boot the modelled kernel, play
// the events, and judge the outcome from the hardware.
import { buildMachine } from '../hw/build';
import { bootKernel } from '../fixture/boot';
import { loadMachine } from '../fixture/load';
import { Kernel, TraceEntry } from '../kernel/kernel';
import { do_initcalls } from '../kernel/init';
import { device_attach, device_release_driver, pci_register_driver } from '../kernel/pci-driver';
import { parseKernel, KernelVariant } from '../kernel/releases';
import { vfio_pci_core_enable, vfioPciDriver, VfioPciCoreDevice } from '../kernel/vfio/pci-core';
import { ddbridgeDriver } from '../kernel/drivers/ddbridge';
import type { LogRecord } from '../printk/log';
import { resourceString } from '../printk/format';
import type { PciDev } from '../kernel/types';
import type { Machine } from '../hw/machine';
import { findScenario, Scenario, ScenarioError } from './scenarios';
import { runGuestDdbridge } from './guest';
import * as R from '../hw/regs';
import { Finding, FindingsCollector } from './findings';

/** 'incomplete' only when a run was stopped before the event that decides it (RunOptions.stopAfter). */
export type Verdict = 'broken' | 'working' | 'incomplete';

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
}

export interface RunOptions {
  tracing?: boolean;
  /** stop after this many events (1 = just the boot): for looking at intermediate state */
  stopAfter?: number;
}

function findDev(k: Kernel, bdf: string): PciDev {
  const d = k.devices.find((x) => x.name() === bdf);
  if (!d) throw new ScenarioError(`Scenario device ${bdf} was not enumerated`);
  return d;
}

/** A short label for an event: the trace's phase column and the findings' "after". */
export function eventLabel(ev: Scenario['events'][number]): string {
  switch (ev.kind) {
    case 'boot': return 'boot';
    case 'modprobe': return `modprobe ${ev.driver}`;
    case 'unbind': return `unbind ${ev.bdf}`;
    case 'driver_override': return `driver_override ${ev.bdf} ${ev.driver}`;
    case 'drivers_probe': return `drivers_probe ${ev.bdf}`;
    case 'vm-start': return `vm-start ${ev.bdf}`;
  }
}

export function runScenario(name: string, kernelSpec: string | KernelVariant, opts: RunOptions = {}): RunResult {
  const scenario: Scenario = findScenario(name);
  const variant = typeof kernelSpec === 'string' ? parseKernel(kernelSpec) : kernelSpec;
  const fixture = loadMachine(scenario.machine);
  const machine = buildMachine(fixture);
  const k = bootKernel(variant, fixture, machine, scenario.machine, { tracing: opts.tracing ?? true });
  const findings = new FindingsCollector(k);
  k.afterStep = (label) => findings.step(label);
  let guest: Kernel | null = null;
  let guestProbe: number | null = null;
  let guestRead: number | null = null;
  for (const ev of scenario.events.slice(0, opts.stopAfter ?? scenario.events.length)) {
    switch (ev.kind) {
      case 'boot':
        do_initcalls(k);
        break;
      case 'modprobe':
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        pci_register_driver(k, ev.driver === 'vfio-pci' ? vfioPciDriver(k) : ddbridgeDriver(k));
        break;
      case 'unbind':
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        device_release_driver(k, findDev(k, ev.bdf));
        break;
      case 'driver_override':
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        findDev(k, ev.bdf).driverOverride = ev.driver;
        break;
      case 'drivers_probe':
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        device_attach(k, findDev(k, ev.bdf));
        break;
      case 'vm-start': {
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        const dev = findDev(k, ev.bdf);
        if (dev.driver?.name !== 'vfio-pci') throw new ScenarioError(`${ev.bdf} is bound to ${dev.driver?.name ?? 'no driver'}, not vfio-pci, at VM start`);
        const vdev = dev.driverData as VfioPciCoreDevice;
        k.enter('vfio_pci_open_device');
        try {
          vfio_pci_core_enable(k, vdev);
        } finally {
          k.leave();
        }
        const g = runGuestDdbridge(k, dev, ev.guestBdf, variant, opts.tracing ?? true);
        guest = g.kernel;
        guestProbe = g.probe;
        const mmio = k.trace?.filter((t) => t.kind === 'mmio-read') ?? [];
        guestRead = mmio.length ? mmio[0].value : machine.memRead32(dev.resource[0].start);
        break;
      }
    }
    k.flushWork();
    if (ev.kind !== 'boot') findings.step(eventLabel(ev));
  }

  const dev = findDev(k, scenario.device);
  const verdict: Verdict = guestProbe === null ? 'incomplete' : guestProbe < 0 ? 'broken' : 'working';
  const reasons = explainVerdict(k, dev, verdict, guestRead, findings.findings);
  const saved: Record<string, number[]> = {};
  for (const bdf of scenario.watch) saved[bdf] = [...findDev(k, bdf).savedConfigSpace];
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
