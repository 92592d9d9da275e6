// Playing one scenario event on a running kernel: the driver core, vfio and platform entry points
// an event stands for. Shared by one-kernel scenarios (run.ts) and the two stages of a Live Update
// (liveupdate.ts).
import { Kernel } from '../kernel/kernel';
import { do_initcalls } from '../kernel/init';
import { device_attach, device_release_driver, pci_register_driver, pm_runtime_resume_and_get } from '../kernel/pci-driver';
import { KernelVariant } from '../kernel/releases';
import { vfio_pci_core_enable, vfioPciDriver, vfio_pci_ioctl_reset, VfioPciCoreDevice } from '../kernel/vfio/pci-core';
import { vfio_pci_config_rw } from '../kernel/vfio/pci-config';
import { vfio_pci_set_msi_trigger } from '../kernel/vfio/pci-intrs';
import { to_zpci } from '../kernel/arch/s390/pci';
import { zpci_event_error } from '../kernel/arch/s390/pci_event';
import { pci_reset_function } from '../kernel/pci';
import { readl } from '../kernel/access';
import { ddbridgeDriver } from '../kernel/drivers/ddbridge';
import { pci_liveupdate_preserve } from '../kernel/liveupdate';
import { kernel_kexec } from '../kernel/kexec_core';
import type { PciDev } from '../kernel/types';
import { runGuestDdbridge } from './guest';
import { ScenarioError, ScenarioEvent } from './scenarios';

/** What the events of a run have produced so far, for the verdict. */
export interface EventState {
  variant: KernelVariant;
  tracing: boolean;
  guest: Kernel | null;
  guestProbe: number | null;
  guestRead: number | null;
  mmioRead: { value: number; expected: number } | null;
  resetRc: number | null;
}

export function findDev(k: Kernel, bdf: string): PciDev {
  const d = k.devices.find((x) => x.name() === bdf);
  if (!d) throw new ScenarioError(`Scenario device ${bdf} was not enumerated`);
  return d;
}

/** The final saved_config_space of the scenario's watched devices. */
export function watchedSaved(k: Kernel, watch: readonly string[]): Record<string, number[]> {
  const saved: Record<string, number[]> = {};
  for (const bdf of watch) saved[bdf] = [...findDev(k, bdf).savedConfigSpace];
  return saved;
}

/** A short label for an event: the trace's phase column and the findings' "after". */
export function eventLabel(ev: ScenarioEvent): string {
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
    case 'guest-command': return `guest COMMAND ${ev.bdf}`;
    case 'vfio-msi': return `VFIO_DEVICE_SET_IRQS MSI ${ev.bdf}`;
    case 'lu-preserve': return `liveupdate preserve ${ev.bdf}`;
    case 'kexec': return 'kexec';
    case 'lu-retrieve': return `liveupdate retrieve ${ev.bdf}`;
  }
}

/** The open vfio-pci device behind a BDF, or a scenario error naming what is bound instead. */
function vfioDev(dev: PciDev, what: string): VfioPciCoreDevice {
  if (dev.driver?.name !== 'vfio-pci') throw new ScenarioError(`${dev.name()} is bound to ${dev.driver?.name ?? 'no driver'}, not vfio-pci, at ${what}`);
  return dev.driverData as VfioPciCoreDevice;
}

/** Run `fn` with `name` as the outermost entry of the call chain (a user-space entry point). */
function from<T>(k: Kernel, name: string, fn: () => T): T {
  k.enter(name);
  try {
    return fn();
  } finally {
    k.leave();
  }
}

/** Play one event: set the clock and phase, call into the kernel, run the work it queued. */
export function playEvent(k: Kernel, ev: ScenarioEvent, st: EventState): void {
  if (ev.kind !== 'boot') {
    k.clock.atLeast(ev.usec);
    k.phase = eventLabel(ev);
  }
  switch (ev.kind) {
    case 'boot':
      do_initcalls(k);
      break;
    case 'modprobe':
      pci_register_driver(k, ev.driver === 'vfio-pci' ? vfioPciDriver(k) : ddbridgeDriver(k));
      break;
    case 'unbind':
      device_release_driver(k, findDev(k, ev.bdf));
      break;
    case 'driver_override':
      findDev(k, ev.bdf).driverOverride = ev.driver;
      break;
    case 'drivers_probe':
      device_attach(k, findDev(k, ev.bdf));
      break;
    case 'vm-start': {
      const dev = findDev(k, ev.bdf);
      const vdev = vfioDev(dev, 'VM start');
      from(k, 'vfio_pci_open_device', () => vfio_pci_core_enable(k, vdev));
      const g = runGuestDdbridge(k, dev, ev.guestBdf, st.variant, st.tracing);
      st.guest = g.kernel;
      st.guestProbe = g.probe;
      const mmio = k.trace?.filter((t) => t.kind === 'mmio-read') ?? [];
      st.guestRead = mmio.length ? mmio[0].value : k.machine.memRead32(dev.resource[0].start);
      break;
    }
    case 'vm-open': {
      const dev = findDev(k, ev.bdf);
      const vdev = vfioDev(dev, 'VM open');
      from(k, 'vfio_pci_open_device', () => {
        vfio_pci_core_enable(k, vdev);
        // vfio_pci_zdev_open_device(): KVM takes the zPCI function (kzdev), so the host will
        // leave its error recovery to user space
        const z = to_zpci(k, dev);
        if (z) z.kzdev = true;
      });
      break;
    }
    case 'zpci-error': {
      const dev = findDev(k, ev.bdf);
      if (!to_zpci(k, dev)) throw new ScenarioError(`${ev.bdf} is not a zPCI function: zpci-error needs an s390x machine`);
      zpci_event_error(k, dev, ev.pec);
      break;
    }
    case 'vfio-reset':
      st.resetRc = vfio_pci_ioctl_reset(k, vfioDev(findDev(k, ev.bdf), 'VFIO_DEVICE_RESET'));
      break;
    case 'sysfs-reset':
      st.resetRc = from(k, 'reset_store', () => pci_reset_function(k, findDev(k, ev.bdf)));
      break;
    case 'mmio-read': {
      const dev = findDev(k, ev.bdf);
      const res = dev.resource[ev.bar];
      st.mmioRead = from(k, 'user_read', () => ({
        value: readl(k, res.start + BigInt(ev.offset)),
        expected: k.machine.registerValue(dev.bus.domain, dev.bus.number, dev.devfn, ev.bar, ev.offset),
      }));
      break;
    }
    case 'guest-command':
      from(k, 'vfio_pci_rw', () => vfio_pci_config_rw(k, vfioDev(findDev(k, ev.bdf), 'a guest config write'), ev.value));
      break;
    case 'vfio-msi': {
      const rc = from(k, 'vfio_pci_ioctl_set_irqs', () => vfio_pci_set_msi_trigger(k, vfioDev(findDev(k, ev.bdf), 'VFIO_DEVICE_SET_IRQS'), ev.vectors));
      if (rc) throw new ScenarioError(`VFIO_DEVICE_SET_IRQS (MSI, ${ev.vectors} vectors) on ${ev.bdf} failed: ${rc}`);
      break;
    }
    case 'lu-preserve': {
      const dev = findDev(k, ev.bdf);
      vfioDev(dev, 'Live Update preservation');
      const rc = from(k, 'vfio_pci_liveupdate_preserve', () => pci_liveupdate_preserve(k, dev));
      if (rc) throw new ScenarioError(`pci_liveupdate_preserve(${ev.bdf}) on ${st.variant.name} returned ${rc}: the stage-1 kernel needs +pci-luo-preserve`);
      break;
    }
    case 'kexec':
      from(k, 'reboot', () => kernel_kexec(k));
      break;
    case 'lu-retrieve': {
      // [model] The VMM takes the preserved vfio device back. The series' retrieval path is not
      // in the seeds; modelled is only the runtime PM reference vfio takes on open
      // (vfio_pci_core_enable() starts with it): no enable, no reset.
      const dev = findDev(k, ev.bdf);
      vfioDev(dev, 'Live Update retrieval');
      from(k, 'vfio_pci_liveupdate_retrieve', () => pm_runtime_resume_and_get(k, dev));
      break;
    }
  }
  k.flushWork();
}
