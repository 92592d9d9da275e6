// Run a scenario on a kernel: build the machine from its fixture, boot the modelled kernel, play
// the events, and judge the outcome from the hardware.
import { buildMachine } from '../hw/build';
import { bootKernel } from '../fixture/boot';
import { loadMachine } from '../fixture/load';
import { Kernel, TraceEntry } from '../kernel/kernel';
import { do_initcalls } from '../kernel/init';
import { device_attach, device_release_driver, pci_register_driver } from '../kernel/pci-driver';
import { parseKernel, KernelVariant } from '../kernel/releases';
import { vfio_pci_core_enable, vfio_pci_ioctl_reset, vfioPciDriver, VfioPciCoreDevice } from '../kernel/vfio/pci-core';
import { to_zpci } from '../kernel/arch/s390/pci';
import { zpci_event_error } from '../kernel/arch/s390/pci_event';
import { pci_reset_function } from '../kernel/pci';
import { readl } from '../kernel/access';
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
    case 'vm-open': return `vm-open ${ev.bdf}`;
    case 'zpci-error': return `zpci-error ${ev.bdf}`;
    case 'vfio-reset': return `VFIO_DEVICE_RESET ${ev.bdf}`;
    case 'sysfs-reset': return `sysfs reset ${ev.bdf}`;
    case 'mmio-read': return `mmio-read ${ev.bdf}`;
  }
}

/** The open vfio-pci device behind a BDF, or a scenario error naming what is bound instead. */
function vfioDev(dev: PciDev, what: string): VfioPciCoreDevice {
  if (dev.driver?.name !== 'vfio-pci') throw new ScenarioError(`${dev.name()} is bound to ${dev.driver?.name ?? 'no driver'}, not vfio-pci, at ${what}`);
  return dev.driverData as VfioPciCoreDevice;
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
  let mmioRead: { value: number; expected: number } | null = null;
  let resetRc: number | null = null;
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
      case 'vm-open': {
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        const dev = findDev(k, ev.bdf);
        const vdev = vfioDev(dev, 'VM open');
        k.enter('vfio_pci_open_device');
        try {
          vfio_pci_core_enable(k, vdev);
          // vfio_pci_zdev_open_device(): KVM takes the zPCI function (kzdev), so the host will
          // leave its error recovery to user space
          const z = to_zpci(k, dev);
          if (z) z.kzdev = true;
        } finally {
          k.leave();
        }
        break;
      }
      case 'zpci-error': {
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        const dev = findDev(k, ev.bdf);
        if (!to_zpci(k, dev)) throw new ScenarioError(`${ev.bdf} is not a zPCI function: zpci-error needs an s390x machine`);
        zpci_event_error(k, dev, ev.pec);
        break;
      }
      case 'vfio-reset': {
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        const dev = findDev(k, ev.bdf);
        resetRc = vfio_pci_ioctl_reset(k, vfioDev(dev, 'VFIO_DEVICE_RESET'));
        break;
      }
      case 'sysfs-reset': {
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        k.enter('reset_store');
        try {
          resetRc = pci_reset_function(k, findDev(k, ev.bdf));
        } finally {
          k.leave();
        }
        break;
      }
      case 'mmio-read': {
        k.clock.atLeast(ev.usec);
        k.phase = eventLabel(ev);
        const dev = findDev(k, ev.bdf);
        const res = dev.resource[ev.bar];
        k.enter('user_read');
        try {
          mmioRead = { value: readl(k, res.start + BigInt(ev.offset)), expected: machine.registerValue(dev.bus.domain, dev.bus.number, dev.devfn, ev.bar, ev.offset) };
        } finally {
          k.leave();
        }
        break;
      }
    }
    k.flushWork();
    if (ev.kind !== 'boot') findings.step(eventLabel(ev));
  }

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
