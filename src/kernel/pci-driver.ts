// drivers/pci/pci-driver.c and the driver core around it: matching (with driver_override),
// probe, remove, and the runtime PM callbacks that matter for save/restore.
import { Kernel, traced } from './kernel';
import * as C from './commits';
import { __pci_set_master, pci_pm_power_up_and_verify_state, pci_restore_state, pci_save_state, pci_set_power_state } from './pci';
import { pci_liveupdate_outgoing } from './liveupdate';
import { PCI_D0, PCI_D3hot, PCI_UNKNOWN, PciDev, PciDriver } from './types';

export interface DriverWithIds extends PciDriver {
  /** static id table: vendor:device pairs; none for drivers bound only by driver_override */
  ids: Array<{ vendor: number; device: number }>;
  /** PCI_DEVICE_CLASS(class, ~0) match (pcieport, shpchp) */
  classMatch?: number;
}

/** pci_match_device(): driver_override wins and excludes everything else. */
function pci_match_device(drv: DriverWithIds, dev: PciDev): boolean {
  if (dev.driverOverride !== null) return dev.driverOverride === drv.name;
  if (drv.classMatch !== undefined && dev.class === drv.classMatch) return true;
  return drv.ids.some((id) => id.vendor === dev.vendor && id.device === dev.device);
}

/** local_pci_probe(): the device is the driver's from here; a failing probe gives it back. */
const local_pci_probe = traced('local_pci_probe', (k: Kernel, drv: PciDriver, dev: PciDev): number => {
  rpm(dev).usage++; // pm_runtime_get_sync(): unbound devices are always in D0
  dev.driver = drv;
  const rc = drv.probe(dev);
  if (rc < 0) {
    dev.driver = null;
    pm_runtime_put_sync(k, dev);
  }
  return rc;
});

/** pci_device_probe() via really_probe() */
export const pci_device_probe = traced('pci_device_probe', (k: Kernel, drv: PciDriver, dev: PciDev): number => {
  return local_pci_probe(k, drv, dev);
});

/** device_attach(): try every registered driver, in registration order. */
export const device_attach = traced('device_attach', (k: Kernel, dev: PciDev): number => {
  if (dev.driver || !dev.matchDriver) return 0;
  for (const drv of k.drivers.values()) {
    if (!pci_match_device(drv as DriverWithIds, dev)) continue;
    if (pci_device_probe(k, drv, dev) === 0) return 1;
  }
  return 0;
});

/** pci_register_driver() → driver_attach(): try the new driver on every unbound device. */
export const pci_register_driver = traced('pci_register_driver', (k: Kernel, drv: DriverWithIds): void => {
  k.drivers.set(drv.name, drv);
  for (const dev of k.devices) {
    if (dev.driver || !dev.isAdded || !dev.matchDriver || !pci_match_device(drv, dev)) continue;
    pci_device_probe(k, drv, dev);
    k.flushWork();
  }
});

/**
 * pci_device_remove(): "If the device is still on, set the power state as "unknown", since it
 * might change by the next time we load the driver." That PCI_UNKNOWN is what makes a later
 * vfio-pci bind restore saved state on every kernel (Alexandre's case).
 */
export const pci_device_remove = traced('pci_device_remove', (k: Kernel, dev: PciDev): void => {
  const drv = dev.driver;
  if (!drv) return;
  if (drv.remove) {
    pm_runtime_get_sync(k, dev);
    drv.remove(dev);
    rpm(dev).usage--; // pm_runtime_put_noidle()
  }
  dev.driver = null;
  pm_runtime_put_sync(k, dev); // undo local_pci_probe()
  if (dev.currentState === PCI_D0) dev.currentState = PCI_UNKNOWN;
});

/**
 * pci_device_shutdown(): at reboot and kexec. "If this is a kexec reboot, turn off Bus Master bit
 * on the device to tell it to not continue to do DMA", unless it is in D3cold or an unknown state.
 * With pci-luo-preserve (David Matlack's v4 10/11, pci_clear_master_for_shutdown()) a device
 * preserved for the next kernel keeps it, and so do the bridges preserved with it.
 */
export const pci_device_shutdown = traced('pci_device_shutdown', (k: Kernel, dev: PciDev): void => {
  rpm_resume(k, dev); // pm_runtime_resume()
  dev.driver?.shutdown?.(dev);
  if (!k.kexecInProgress) return;
  if (k.has(C.LUO_PRESERVE) && pci_liveupdate_outgoing(dev)) return;
  if (dev.currentState > PCI_D3hot) return;
  __pci_set_master(k, dev, false); // pci_clear_master()
});

/** device_release_driver(): sysfs unbind. */
export const device_release_driver = traced('device_release_driver', (k: Kernel, dev: PciDev): void => {
  pci_device_remove(k, dev);
});

// ---- runtime PM (drivers/base/power/runtime.c, reduced to what the PCI callbacks need) --------

interface RuntimePm {
  usage: number;
  /** pm_runtime_forbid() by pci_pm_init(); pm_runtime_allow() clears it */
  forbidden: boolean;
  suspended: boolean;
}

const rpmState = new WeakMap<PciDev, RuntimePm>();
export function rpm(dev: PciDev): RuntimePm {
  let s = rpmState.get(dev);
  if (!s) {
    // pci_pm_init(): pm_runtime_forbid() holds a usage count until userspace or a driver allows.
    s = { usage: 1, forbidden: true, suspended: false };
    rpmState.set(dev, s);
  }
  return s;
}

/** pci_pm_runtime_suspend() */
const pci_pm_runtime_suspend = traced('pci_pm_runtime_suspend', (k: Kernel, dev: PciDev): number => {
  if (!dev.driver) {
    pci_save_state(k, dev);
    return 0;
  }
  dev.stateSaved = false;
  if (dev.driver.runtimeSuspend) {
    const err = dev.driver.runtimeSuspend(dev);
    if (err) return err;
  }
  if (!dev.stateSaved) {
    pci_save_state(k, dev);
    pci_finish_runtime_suspend(k, dev);
  }
  return 0;
});

/** pci_finish_runtime_suspend(): pci_target_state() is D3hot without platform PM. */
const pci_finish_runtime_suspend = traced('pci_finish_runtime_suspend', (k: Kernel, dev: PciDev): number => {
  const target = dev.pmCap ? PCI_D3hot : PCI_D0;
  return pci_set_power_state(k, dev, target);
});

/** pci_pm_runtime_resume() → pci_pm_default_resume_early(): power up, restore. */
const pci_pm_runtime_resume = traced('pci_pm_runtime_resume', (k: Kernel, dev: PciDev): number => {
  pci_pm_power_up_and_verify_state(k, dev);
  pci_restore_state(k, dev);
  if (!dev.driver) return 0;
  return dev.driver.runtimeResume ? dev.driver.runtimeResume(dev) : 0;
});

function rpm_idle(k: Kernel, dev: PciDev): void {
  const s = rpm(dev);
  if (s.usage > 0 || s.forbidden || s.suspended) return;
  if (pci_pm_runtime_suspend(k, dev) === 0) s.suspended = true;
}

function rpm_resume(k: Kernel, dev: PciDev): void {
  const s = rpm(dev);
  if (!s.suspended) return;
  s.suspended = false;
  pci_pm_runtime_resume(k, dev);
}

export const pm_runtime_get_sync = traced('pm_runtime_get_sync', (k: Kernel, dev: PciDev): void => {
  rpm(dev).usage++;
  rpm_resume(k, dev);
});

/** pm_runtime_resume_and_get() */
export const pm_runtime_resume_and_get = traced('pm_runtime_resume_and_get', (k: Kernel, dev: PciDev): void => {
  rpm(dev).usage++;
  rpm_resume(k, dev);
});

export const pm_runtime_put_sync = traced('pm_runtime_put_sync', (k: Kernel, dev: PciDev): void => {
  rpm(dev).usage--;
  rpm_idle(k, dev);
});

/**
 * pm_runtime_put(): the idle check is queued (rpm_idle() with RPM_ASYNC) and runs from the PM
 * workqueue once the caller has returned; Kernel.flushWork() runs it.
 */
export const pm_runtime_put = traced('pm_runtime_put', (k: Kernel, dev: PciDev): void => {
  rpm(dev).usage--;
  k.queueWork('pm_runtime_work', () => rpm_idle(k, dev));
});

export const pm_runtime_allow = traced('pm_runtime_allow', (k: Kernel, dev: PciDev): void => {
  const s = rpm(dev);
  if (!s.forbidden) return;
  s.forbidden = false;
  s.usage--;
  rpm_idle(k, dev);
});
