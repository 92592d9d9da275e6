// drivers/vfio/pci/vfio_pci.c and vfio_pci_core.c: binding, power state handling, device open
// (enable + reset + save), close, and VFIO_DEVICE_RESET.
import * as R from '../../hw/regs';
import { pci_read_config_word, pci_write_config_word } from '../access';
import { Kernel, traced } from '../kernel';
import {
  __pci_set_master, pci_disable_device, pci_enable_device, pci_load_saved_state, pci_restore_state, pci_save_state,
  pci_set_power_state, pci_store_saved_state, pci_try_reset_function, SavedState,
} from '../pci';
import { DriverWithIds, pm_runtime_allow, pm_runtime_put, pm_runtime_resume_and_get } from '../pci-driver';
import { PCI_D0, PCI_D3hot, PciDev } from '../types';

export interface VfioPciCoreDevice {
  pdev: PciDev;
  needsPmRestore: boolean;
  pmSave: SavedState | null;
  pciSavedState: SavedState | null;
  resetWorks: boolean;
  openCount: number;
}

function vdevOf(dev: PciDev): VfioPciCoreDevice {
  return dev.driverData as VfioPciCoreDevice;
}

/** vfio_pci_probe_power_state(): devices with No_Soft_Reset clear lose state in D3hot. */
const vfio_pci_probe_power_state = traced('vfio_pci_probe_power_state', (k: Kernel, vdev: VfioPciCoreDevice): void => {
  const pdev = vdev.pdev;
  if (!pdev.pmCap) return;
  const pmcsr = pci_read_config_word(k, pdev, pdev.pmCap + R.PCI_PM_CTRL);
  vdev.needsPmRestore = !(pmcsr & R.PCI_PM_CTRL_NO_SOFT_RESET);
});

/**
 * vfio_pci_set_power_state(). Going to D3hot it saves state and stashes it in pm_save; coming
 * back from D3hot — or from PCI_UNKNOWN, which compares ≥ D3hot — it loads pm_save and restores.
 * When nothing was stashed (pm_save is NULL), pci_load_and_free_saved_state() only clears
 * state_saved: before a2f1e22390ac the restore then did nothing, after it the restore writes back
 * whatever saved_config_space holds — the enumeration-time snapshot. That asymmetry is the bug.
 */
export const vfio_pci_set_power_state = traced('vfio_pci_set_power_state', (k: Kernel, vdev: VfioPciCoreDevice, state: number): number => {
  const pdev = vdev.pdev;
  let needsRestore = false, needsSave = false;
  if (vdev.needsPmRestore) {
    if (pdev.currentState < PCI_D3hot && state >= PCI_D3hot) {
      pci_save_state(k, pdev);
      needsSave = true;
    }
    if (pdev.currentState >= PCI_D3hot && state <= PCI_D0) needsRestore = true;
  }
  const ret = pci_set_power_state(k, pdev, state);
  if (!ret) {
    if (needsSave && pdev.currentState >= PCI_D3hot) {
      vdev.pmSave = pci_store_saved_state(pdev);
    } else if (needsRestore) {
      pci_load_and_free_saved_state(k, pdev, vdev);
      pci_restore_state(k, pdev);
    }
  }
  return ret;
});

/** pci_load_and_free_saved_state(pdev, &vdev->pm_save) */
const pci_load_and_free_saved_state = traced('pci_load_and_free_saved_state', (k: Kernel, pdev: PciDev, vdev: VfioPciCoreDevice): number => {
  const ret = pci_load_saved_state(k, pdev, vdev.pmSave);
  vdev.pmSave = null;
  return ret;
});

/** vfio_pci_core_register_device() */
export const vfio_pci_core_register_device = traced('vfio_pci_core_register_device', (k: Kernel, vdev: VfioPciCoreDevice): number => {
  const pdev = vdev.pdev;
  if (pdev.hdrType !== R.PCI_HEADER_TYPE_NORMAL) return -22;
  vfio_pci_probe_power_state(k, vdev);
  // "pci-core sets the device power state to an unknown value at bootup and after being removed
  // from a driver. The only transition it allows from this unknown state is to D0" (stale since
  // 4d4c10f763d7 for the boot case, per Lukas Wunner).
  vfio_pci_set_power_state(k, vdev, PCI_D0);
  pm_runtime_allow(k, pdev);
  pm_runtime_put(k, pdev); // unless disable_idle_d3
  return 0;
});

/** vfio_pci_probe() */
const vfio_pci_probe = traced('vfio_pci_probe', (k: Kernel, pdev: PciDev): number => {
  const vdev: VfioPciCoreDevice = { pdev, needsPmRestore: false, pmSave: null, pciSavedState: null, resetWorks: false, openCount: 0 };
  pdev.driverData = vdev;
  const ret = vfio_pci_core_register_device(k, vdev);
  if (ret) pdev.driverData = null;
  return ret;
});

/** vfio_pci_core_runtime_suspend(): back to D0 first, so the PCI core saves a D0 state. */
const vfio_pci_core_runtime_suspend = traced('vfio_pci_core_runtime_suspend', (k: Kernel, pdev: PciDev): number => {
  vfio_pci_set_power_state(k, vdevOf(pdev), PCI_D0);
  return 0;
});

/** vfio_pci_core_enable(): on open. Enable, reset, and keep the resulting state for close. */
export const vfio_pci_core_enable = traced('vfio_pci_core_enable', (k: Kernel, vdev: VfioPciCoreDevice): number => {
  const pdev = vdev.pdev;
  pm_runtime_resume_and_get(k, pdev);
  // Don't allow our initial saved state to include busmaster.
  __pci_set_master(k, pdev, false);
  let ret = pci_enable_device(k, pdev);
  if (ret) return ret;
  ret = pci_try_reset_function(k, pdev);
  if (ret === -11) return ret; // -EAGAIN
  vdev.resetWorks = ret === 0;
  pci_save_state(k, pdev);
  vdev.pciSavedState = pci_store_saved_state(pdev);
  const cmd = pci_read_config_word(k, pdev, R.PCI_COMMAND);
  if (cmd & R.PCI_COMMAND_INTX_DISABLE) pci_write_config_word(k, pdev, R.PCI_COMMAND, cmd & ~R.PCI_COMMAND_INTX_DISABLE);
  return 0;
});

/** vfio_pci_core_disable(): on close; restore what open saved. */
export const vfio_pci_core_disable = traced('vfio_pci_core_disable', (k: Kernel, vdev: VfioPciCoreDevice): void => {
  const pdev = vdev.pdev;
  vfio_pci_set_power_state(k, vdev, PCI_D0);
  __pci_set_master(k, pdev, false);
  pci_load_saved_state(k, pdev, vdev.pciSavedState);
  vdev.pciSavedState = null;
  pci_write_config_word(k, pdev, R.PCI_COMMAND, R.PCI_COMMAND_INTX_DISABLE);
  pci_restore_state(k, pdev);
  pci_disable_device(k, pdev);
  pm_runtime_put(k, pdev);
});

/** vfio_pci_ioctl_reset(): VFIO_DEVICE_RESET */
export const vfio_pci_ioctl_reset = traced('vfio_pci_ioctl_reset', (k: Kernel, vdev: VfioPciCoreDevice): number => {
  if (!vdev.resetWorks) return -22;
  vfio_pci_set_power_state(k, vdev, PCI_D0);
  return pci_try_reset_function(k, vdev.pdev);
});

/** The vfio-pci driver: binds only through driver_override (or new_id, not modelled). */
export function vfioPciDriver(k: Kernel): DriverWithIds {
  return {
    name: 'vfio-pci',
    ids: [],
    probe: (dev) => vfio_pci_probe(k, dev),
    runtimeSuspend: (dev) => vfio_pci_core_runtime_suspend(k, dev),
    runtimeResume: () => 0,
  };
}

export { vdevOf };
