// Run a scenario on a kernel: build the machine from its fixture, boot the modelled kernel, play
// the events, and judge the outcome from the hardware.
import { buildMachine } from '../hw/build';
import { loadMachine } from '../fixture/load';
import { Kernel, TraceEntry } from '../kernel/kernel';
import { do_initcalls } from '../kernel/init';
import { device_attach, device_release_driver, pci_register_driver } from '../kernel/pci-driver';
import { parseKernel, KernelVariant } from '../kernel/releases';
import { vfio_pci_core_enable, vfioPciDriver, VfioPciCoreDevice } from '../kernel/vfio/pci-core';
import { ddbridgeDriver } from '../kernel/drivers/ddbridge';
import { VirtualClock, LogRecord } from '../printk/log';
import { resourceString } from '../printk/format';
import type { PciDev } from '../kernel/types';
import type { Machine } from '../hw/machine';
import { findScenario, Scenario, ScenarioError } from './scenarios';
import { runGuestDdbridge } from './guest';
import * as R from '../hw/regs';

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

export function runScenario(name: string, kernelSpec: string, opts: RunOptions = {}): RunResult {
  const scenario: Scenario = findScenario(name);
  const variant = parseKernel(kernelSpec);
  const machine = buildMachine(loadMachine(scenario.machine));
  const k = new Kernel(variant, machine, new VirtualClock(), {}, opts.tracing ?? true);
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
        k.phase = `modprobe ${ev.driver}`;
        pci_register_driver(k, ev.driver === 'vfio-pci' ? vfioPciDriver(k) : ddbridgeDriver(k));
        break;
      case 'unbind':
        k.clock.atLeast(ev.usec);
        k.phase = `echo ${ev.bdf} > /sys/bus/pci/devices/${ev.bdf}/driver/unbind`;
        device_release_driver(k, findDev(k, ev.bdf));
        break;
      case 'driver_override':
        k.clock.atLeast(ev.usec);
        k.phase = `echo ${ev.driver} > /sys/bus/pci/devices/${ev.bdf}/driver_override`;
        findDev(k, ev.bdf).driverOverride = ev.driver;
        break;
      case 'drivers_probe':
        k.clock.atLeast(ev.usec);
        k.phase = `echo ${ev.bdf} > /sys/bus/pci/drivers_probe`;
        device_attach(k, findDev(k, ev.bdf));
        break;
      case 'vm-start': {
        k.clock.atLeast(ev.usec);
        k.phase = 'VM start: QEMU opens the vfio device';
        const dev = findDev(k, ev.bdf);
        if (dev.driver?.name !== 'vfio-pci') throw new ScenarioError(`${ev.bdf} is bound to ${dev.driver?.name ?? 'no driver'}, not vfio-pci, at VM start`);
        const vdev = dev.driverData as VfioPciCoreDevice;
        k.enter('vfio_pci_open_device');
        try {
          vfio_pci_core_enable(k, vdev);
        } finally {
          k.leave();
        }
        k.phase = 'guest: ddbridge probe';
        const g = runGuestDdbridge(k, dev, ev.guestBdf, variant, opts.tracing ?? true);
        guest = g.kernel;
        guestProbe = g.probe;
        const mmio = k.trace?.filter((t) => t.kind === 'mmio-read') ?? [];
        guestRead = mmio.length ? mmio[0].value : machine.memRead32(dev.resource[0].start);
        break;
      }
    }
    k.flushWork();
  }

  const dev = findDev(k, scenario.device);
  const verdict: Verdict = guestProbe === null ? 'incomplete' : guestProbe < 0 ? 'broken' : 'working';
  const reasons = explainVerdict(k, dev, verdict, guestRead);
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

function explainVerdict(k: Kernel, dev: PciDev, verdict: Verdict, guestRead: number | null): string[] {
  const res = dev.resource[0];
  const hw = hwBar0(k, dev);
  const hex = (v: bigint | number) => '0x' + v.toString(16);
  const out: string[] = [];
  if (verdict === 'incomplete') {
    out.push('the run stopped before the guest probed the device');
  } else if (verdict === 'broken') {
    out.push(`guest ddbridge read ${guestRead === null ? 'nothing' : hex(guestRead >>> 0)} from BAR 0 register 0: probe failed`);
  } else {
    out.push(`guest ddbridge read ${guestRead === null ? 'nothing' : hex(guestRead >>> 0)} from BAR 0 register 0: probe succeeded`);
  }
  if (hw !== res.start)
    out.push(`${dev.name()} BAR 0 register decodes ${hex(hw)}, but the kernel's resource is ${resourceString(res)}`);
  else out.push(`${dev.name()} BAR 0 register matches the kernel's resource ${resourceString(res)}`);
  return out;
}
