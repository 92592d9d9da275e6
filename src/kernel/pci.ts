// drivers/pci/pci.c: capability lookup, resource names, power management, state save/restore,
// enable/disable, and function reset.
import * as R from '../hw/regs';
import {
  pci_bus_read_config_byte, pci_bus_read_config_word, pci_read_config_dword, pci_read_config_word,
  pci_write_config_dword, pci_write_config_word, pcie_capability_read_word, pcie_capability_write_word,
} from './access';
import * as C from './commits';
import { Kernel, traced } from './kernel';
import { IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_PREFETCH, IORESOURCE_UNSET, Resource } from './resource';
import { pci_update_resource } from './setup-res';
import { pci_restore_iov_state } from './iov';
import { pci_lu_adopt } from './liveupdate';
import {
  PCI_BRIDGE_RESOURCES, PCI_D0, PCI_D3cold, PCI_D3hot, PCI_IOV_RESOURCES, PCI_ROM_RESOURCE, PCI_UNKNOWN, PciBus, PciDev,
  pci_power_name,
} from './types';

/** __pci_find_next_cap_ttl() from the capability pointer: the walk every lookup does. */
export const pci_find_capability = traced('pci_find_capability', (k: Kernel, dev: PciDev, cap: number): number => {
  return pci_bus_find_capability(k, dev.bus, dev.devfn, cap);
});

function pci_bus_find_capability(k: Kernel, bus: PciBus, devfn: number, cap: number): number {
  const status = pci_bus_read_config_word(k, bus, devfn, R.PCI_STATUS);
  if (!(status & R.PCI_STATUS_CAP_LIST)) return 0;
  let pos = pci_bus_read_config_byte(k, bus, devfn, R.PCI_CAPABILITY_LIST);
  for (let ttl = 48; ttl > 0; ttl--) {
    if (pos < 0x40) break;
    pos &= ~3;
    const ent = pci_bus_read_config_word(k, bus, devfn, pos);
    const id = ent & 0xff;
    if (id === 0xff) break;
    if (id === cap) return pos;
    pos = ent >> 8;
  }
  return 0;
}

/**
 * pci_find_ext_capability(): walk the extended capability list from 0x100 (at most 480 entries,
 * 8 bytes each); a zero header means there is none.
 */
export const pci_find_ext_capability = traced('pci_find_ext_capability', (k: Kernel, dev: PciDev, cap: number): number => {
  if (dev.cfgSize <= 256) return 0;
  let pos = 0x100;
  let header = pci_read_config_dword(k, dev, pos);
  if (header === 0) return 0;
  for (let ttl = (4096 - 256) / 8; ttl > 0; ttl--) {
    if ((header & 0xffff) === cap) return pos;
    pos = (header >>> 20) & 0xffc;
    if (pos < 0x100) break;
    header = pci_read_config_dword(k, dev, pos);
  }
  return 0;
});

/** pci_resource_name() (65f8e0beac5a) */
export function pci_resource_name(dev: PciDev, i: number): string {
  if (i >= 0 && i < 6) return `BAR ${i}`;
  if (i === PCI_ROM_RESOURCE) return 'ROM';
  if (i >= PCI_IOV_RESOURCES && i < PCI_IOV_RESOURCES + 6) return `VF BAR ${i - PCI_IOV_RESOURCES}`;
  if (i >= PCI_BRIDGE_RESOURCES && i < PCI_BRIDGE_RESOURCES + 3 && dev.hdrType === R.PCI_HEADER_TYPE_BRIDGE) return 'bridge window';
  return 'unknown';
}

/** pci_find_parent_resource(): the first bus window that fully contains `res`. */
export function pci_find_parent_resource(dev: PciDev, res: Resource): Resource | null {
  for (const r of dev.bus.allResources()) {
    // resource_contains(): same type, neither unset, r covers res
    if (!r.flags || r.type() !== res.type() || (r.flags | res.flags) & IORESOURCE_UNSET) continue;
    if (res.start >= r.start && res.end <= r.end) {
      // If the window is prefetchable but the BAR is not, the allocator made a mistake.
      if (r.flags & IORESOURCE_PREFETCH && !(res.flags & IORESOURCE_PREFETCH)) return null;
      return r;
    }
  }
  return null;
}

// ---- power management -------------------------------------------------------------------------

/** pci_pme_active(dev, false) → __pci_pme_active(): clear PME_Status, disable PME_En. */
const pci_pme_active = traced('pci_pme_active', (k: Kernel, dev: PciDev, enable: boolean): void => {
  if (!dev.pmeSupport) return;
  let pmcsr = pci_read_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL);
  pmcsr |= R.PCI_PM_CTRL_PME_STATUS | R.PCI_PM_CTRL_PME_ENABLE;
  if (!enable) pmcsr &= ~R.PCI_PM_CTRL_PME_ENABLE;
  if (!pci_lu_adopt(k, dev, { what: 'PMCSR PME_En/PME_Status', off: dev.pmCap + R.PCI_PM_CTRL, width: 2, value: pmcsr }))
    pci_write_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL, pmcsr);
  k.pci_info(dev, 'pme_active', { what: enable ? 'enabled' : 'disabled' });
});

/**
 * pci_pm_init(). With 4d4c10f763d7 (v6.16) it ends by powering the device up and reading its
 * state, so current_state is D0 after enumeration; before, it stays PCI_UNKNOWN.
 */
export const pci_pm_init = traced('pci_pm_init', (k: Kernel, dev: PciDev): void => {
  dev.pmCap = 0;
  dev.pmeSupport = 0;
  const pm = pci_find_capability(k, dev, R.PCI_CAP_ID_PM);
  if (pm) {
    const pmc = pci_read_config_word(k, dev, pm + R.PCI_PM_PMC);
    if ((pmc & R.PCI_PM_CAP_VER_MASK) <= 3) {
      dev.pmCap = pm;
      dev.d3hotDelay = 10; // PCI_PM_D3HOT_WAIT
      dev.d1Support = !dev.noD1D2 && (pmc & R.PCI_PM_CAP_D1) !== 0;
      dev.d2Support = !dev.noD1D2 && (pmc & R.PCI_PM_CAP_D2) !== 0;
      if (dev.d1Support || dev.d2Support) k.pci_info(dev, 'pm_supports', { d1: dev.d1Support ? ' D1' : '', d2: dev.d2Support ? ' D2' : '' });
      const pme = pmc >> R.PCI_PM_CAP_PME_SHIFT;
      if (pme) {
        k.pci_info(dev, 'pme_supported', {
          s0: pme & 1 ? ' D0' : '', s1: pme & 2 ? ' D1' : '', s2: pme & 4 ? ' D2' : '', s3: pme & 8 ? ' D3hot' : '', s4: pme & 16 ? ' D3cold' : '',
        });
        dev.pmeSupport = pme;
        pci_pme_active(k, dev, false);
      }
      pci_read_config_word(k, dev, R.PCI_STATUS); // Immediate Readiness
    }
  }
  if (k.has(C.D0_ON_INIT_4D4C10F763D7)) pci_pm_power_up_and_verify_state(k, dev);
});

/** pci_pm_power_up_and_verify_state() (4d4c10f763d7) */
export const pci_pm_power_up_and_verify_state = traced('pci_pm_power_up_and_verify_state', (k: Kernel, dev: PciDev): void => {
  pci_power_up(k, dev);
  pci_update_current_state(k, dev, PCI_D0);
});

/**
 * pci_power_up(): returns 1 when the device lost its state (it was, or may have been, in D3hot
 * and has No_Soft_Reset clear), 0 otherwise, negative on error. current_state ≥ D3hot counts:
 * PCI_UNKNOWN (5) is treated like D3.
 */
export const pci_power_up = traced('pci_power_up', (k: Kernel, dev: PciDev): number => {
  if (!dev.pmCap) {
    dev.currentState = PCI_D0; // platform_pci_get_power_state() says PCI_UNKNOWN on these machines
    return -5; // -EIO
  }
  const pmcsr = pci_read_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL);
  if (pmcsr === 0xffff) {
    k.pci_info(dev, 'power_up_inaccessible', { from: pci_power_name(dev.currentState) });
    dev.currentState = PCI_D3cold;
    return -5;
  }
  const state = pmcsr & R.PCI_PM_CTRL_STATE_MASK;
  const needRestore = (state === PCI_D3hot || dev.currentState >= PCI_D3hot) && !(pmcsr & R.PCI_PM_CTRL_NO_SOFT_RESET);
  if (state !== PCI_D0) {
    // Force the entire word to 0: PowerState D0, PME_En off, PME_Status untouched.
    if (!pci_lu_adopt(k, dev, { what: 'PMCSR = 0 (to D0)', off: dev.pmCap + R.PCI_PM_CTRL, width: 2, value: 0 }))
      pci_write_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL, 0);
    if (state === PCI_D3hot) k.clock.advance(dev.d3hotDelay * 1000); // pci_dev_d3_sleep()
    else if (state === 2) k.clock.advance(200);
  }
  dev.currentState = PCI_D0;
  return needRestore ? 1 : 0;
});

/** pci_update_current_state() */
export const pci_update_current_state = traced('pci_update_current_state', (k: Kernel, dev: PciDev, state: number): void => {
  if (dev.pmCap) {
    const pmcsr = pci_read_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL);
    dev.currentState = pmcsr === 0xffff ? PCI_D3cold : pmcsr & R.PCI_PM_CTRL_STATE_MASK;
  } else {
    dev.currentState = state;
  }
});

/** pci_restore_bars(): rewrite every BAR from the resource tree (the kernel's view). */
export const pci_restore_bars = traced('pci_restore_bars', (k: Kernel, dev: PciDev): void => {
  for (let i = 0; i < PCI_BRIDGE_RESOURCES; i++) pci_update_resource(k, dev, i);
});

/** pci_set_full_power_state() */
const pci_set_full_power_state = traced('pci_set_full_power_state', (k: Kernel, dev: PciDev): number => {
  const ret = pci_power_up(k, dev);
  if (ret < 0) return dev.currentState === PCI_D0 ? 0 : ret;
  const pmcsr = pci_read_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL);
  dev.currentState = pmcsr & R.PCI_PM_CTRL_STATE_MASK;
  if (dev.currentState !== PCI_D0) k.pci_info(dev, 'power_refused_d0', { from: pci_power_name(dev.currentState) });
  else if (ret > 0) pci_restore_bars(k, dev);
  return 0;
});

/** pci_set_low_power_state(): D1–D3hot through PMCSR. */
const pci_set_low_power_state = traced('pci_set_low_power_state', (k: Kernel, dev: PciDev, state: number): number => {
  if (!dev.pmCap) return -5;
  if (dev.currentState >= PCI_D3hot && dev.currentState !== PCI_UNKNOWN) return -22; // Invalid power transition
  let pmcsr = pci_read_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL);
  if (pmcsr === 0xffff) {
    dev.currentState = PCI_D3cold;
    return -5;
  }
  pmcsr = (pmcsr & ~R.PCI_PM_CTRL_STATE_MASK) | state;
  // pci-luo-no-writes: the state is then read back, so a preserved device "refuses" the change
  if (!pci_lu_adopt(k, dev, { what: `PMCSR PowerState ${pci_power_name(state)}`, off: dev.pmCap + R.PCI_PM_CTRL, width: 2, value: pmcsr }))
    pci_write_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL, pmcsr);
  if (state === PCI_D3hot) k.clock.advance(dev.d3hotDelay * 1000);
  pmcsr = pci_read_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL);
  dev.currentState = pmcsr & R.PCI_PM_CTRL_STATE_MASK;
  if (dev.currentState !== state) k.pci_info(dev, 'power_refused', { from: pci_power_name(dev.currentState), to: pci_power_name(state) });
  return 0;
});

/** pci_set_power_state() → __pci_set_power_state(): nothing at all if already in `state`. */
export const pci_set_power_state = traced('pci_set_power_state', (k: Kernel, dev: PciDev, state: number): number => {
  if (state > PCI_D3cold) state = PCI_D3cold;
  if (state < PCI_D0) state = PCI_D0;
  if (dev.currentState === state) return 0;
  if (state === PCI_D0) return pci_set_full_power_state(k, dev);
  return pci_set_low_power_state(k, dev, state === PCI_D3cold ? PCI_D3hot : state);
});

// ---- state save / restore ---------------------------------------------------------------------

const PCIE_SAVED = [R.PCI_EXP_DEVCTL, R.PCI_EXP_LNKCTL, R.PCI_EXP_SLTCTL, R.PCI_EXP_RTCTL, R.PCI_EXP_DEVCTL2, R.PCI_EXP_LNKCTL2, R.PCI_EXP_SLTCTL2];

/** pci_save_pcie_state(): seven control words, in this order. */
const pci_save_pcie_state = traced('pci_save_pcie_state', (k: Kernel, dev: PciDev): number => {
  if (!dev.isPcie()) return 0;
  dev.savedPcie = PCIE_SAVED.map((pos) => pcie_capability_read_word(k, dev, pos));
  return 0;
});

/** pci_save_state(): the 16 header dwords into saved_config_space, then capability state. */
export const pci_save_state = traced('pci_save_state', (k: Kernel, dev: PciDev): number => {
  // pci-avoid-saving-error-values: a function whose COMMAND/STATUS dword reads all-ones is in an
  // error state; save nothing (and leave state_saved alone) rather than snapshot error values.
  if (k.has(C.AVOID_ERROR_SAVE) && pci_read_config_dword(k, dev, R.PCI_COMMAND) === 0xffffffff) {
    k.pci_info(dev, 'config_inaccessible');
    return -5; // -EIO
  }
  for (let i = 0; i < 16; i++) {
    k.setSaved(dev, i, pci_read_config_dword(k, dev, i * 4));
    k.pci_info(dev, 'save_config', { off: i * 4, val: dev.savedConfigSpace[i] });
  }
  dev.stateSaved = true;
  return pci_save_pcie_state(k, dev);
});

const pci_restore_pcie_state = traced('pci_restore_pcie_state', (k: Kernel, dev: PciDev): void => {
  // pci-avoid-saving-error-values moves pci_restore_state()'s state_saved check into each part
  if (k.has(C.AVOID_ERROR_SAVE) && !dev.stateSaved) return;
  if (!dev.savedPcie) return;
  PCIE_SAVED.forEach((pos, i) => pcie_capability_write_word(k, dev, pos, dev.savedPcie![i]));
});

/** pci_restore_config_dword(): write only if different; BARs are retried up to 10 times, 1 ms apart. */
const pci_restore_config_dword = traced('pci_restore_config_dword', (k: Kernel, dev: PciDev, offset: number, saved: number, retry: number, force: boolean): void => {
  let val = pci_read_config_dword(k, dev, offset);
  if (!force && val === saved) return;
  for (;;) {
    k.pci_info(dev, 'restore_config', { off: offset, val, saved });
    pci_write_config_dword(k, dev, offset, saved);
    if (retry-- <= 0) return;
    val = pci_read_config_dword(k, dev, offset);
    if (val === saved) return;
    k.clock.advance(1000); // mdelay(1)
  }
});

function restoreRange(k: Kernel, dev: PciDev, start: number, end: number, retry: number, force: boolean): void {
  for (let i = end; i >= start; i--) pci_restore_config_dword(k, dev, 4 * i, dev.savedConfigSpace[i], retry, force);
}

/** pci_restore_config_space(): "Restore BARs before the command register." */
export const pci_restore_config_space = traced('pci_restore_config_space', (k: Kernel, dev: PciDev): void => {
  // pci-avoid-saving-error-values: with nothing saved, rebuild the BARs from the kernel's
  // resources and turn decoding on.
  if (k.has(C.AVOID_ERROR_SAVE) && !dev.stateSaved) {
    k.pci_info(dev, 'no_saved_config');
    pci_restore_bars(k, dev);
    pci_write_config_word(k, dev, R.PCI_COMMAND, R.PCI_COMMAND_MEMORY | R.PCI_COMMAND_IO);
    return;
  }
  if (dev.hdrType === R.PCI_HEADER_TYPE_NORMAL) {
    restoreRange(k, dev, 10, 15, 0, false);
    restoreRange(k, dev, 4, 9, 10, false);
    restoreRange(k, dev, 0, 3, 0, false);
  } else if (dev.hdrType === R.PCI_HEADER_TYPE_BRIDGE) {
    restoreRange(k, dev, 12, 15, 0, false);
    // Force rewriting of prefetch registers to avoid S3 resume issues on Intel PCI bridges.
    restoreRange(k, dev, 9, 11, 0, true);
    restoreRange(k, dev, 0, 8, 0, false);
  } else {
    restoreRange(k, dev, 0, 15, 0, false);
  }
});

/**
 * pci_restore_state(). c82f63e411f1 made it return at once when !state_saved; a2f1e22390ac
 * removed that early return, so from then on it always writes saved_config_space back, whatever
 * snapshot that holds.
 */
export const pci_restore_state = traced('pci_restore_state', (k: Kernel, dev: PciDev): void => {
  // c82f63e411f1 returned early without a saved state; a2f1e22390ac and the error-values patch
  // both remove that return.
  if (k.has(C.C82F63E411F1) && !k.has(C.A2F1E22390AC) && !k.has(C.AVOID_ERROR_SAVE) && !dev.stateSaved) return;
  pci_restore_pcie_state(k, dev);
  pci_restore_config_space(k, dev);
  // "Restore ACS and IOV configuration state" (ACS is not modelled)
  pci_restore_iov_state(k, dev);
  dev.stateSaved = false;
});

export interface SavedState {
  config: Uint32Array;
  pcie: number[] | null;
}

/** pci_store_saved_state(): NULL unless state_saved. */
export function pci_store_saved_state(dev: PciDev): SavedState | null {
  if (!dev.stateSaved) return null;
  return { config: dev.savedConfigSpace.slice(), pcie: dev.savedPcie ? [...dev.savedPcie] : null };
}

/** pci_load_saved_state(): with NULL, only clears state_saved. */
export function pci_load_saved_state(k: Kernel, dev: PciDev, state: SavedState | null): number {
  dev.stateSaved = false;
  if (!state) return 0;
  state.config.forEach((v, i) => k.setSaved(dev, i, v));
  dev.savedPcie = state.pcie ? [...state.pcie] : null;
  dev.stateSaved = true;
  return 0;
}

// ---- enable / disable / bus master ------------------------------------------------------------

/** pci_enable_resources() (setup-res.c in older trees): turn on decode for assigned BARs. */
export const pci_enable_resources = traced('pci_enable_resources', (k: Kernel, dev: PciDev, mask: number): number => {
  let cmd = pci_read_config_word(k, dev, R.PCI_COMMAND);
  const old = cmd;
  for (let i = 0; i < dev.resource.length; i++) {
    if (!(mask & (1 << i))) continue;
    const r = dev.resource[i];
    if (!(r.flags & (IORESOURCE_IO | IORESOURCE_MEM))) continue;
    if (i === PCI_ROM_RESOURCE && !(r.flags & 1)) continue;
    // 1cdffa51ecc4 (v6.18): a bridge window that failed keeps its type now; the bridge is enabled anyway
    if (i >= PCI_BRIDGE_RESOURCES && k.has(C.ENABLE_BRIDGE_1CDFFA51ECC4)) continue;
    if (r.flags & IORESOURCE_UNSET) {
      k.pci_info(dev, 'enable_not_assigned', { name: pci_resource_name(dev, i), idx: i, res: r });
      return -22;
    }
    if (!r.parent) {
      k.pci_info(dev, 'enable_not_claimed', { name: pci_resource_name(dev, i), idx: i, res: r });
      return -22;
    }
    if (r.flags & IORESOURCE_IO) cmd |= R.PCI_COMMAND_IO;
    if (r.flags & IORESOURCE_MEM) cmd |= R.PCI_COMMAND_MEMORY;
  }
  if (cmd !== old) {
    k.pci_info(dev, 'enabling_device', { old, cmd });
    pci_write_config_word(k, dev, R.PCI_COMMAND, cmd);
  }
  return 0;
});

/** pci_enable_device() → pci_enable_device_flags() → do_pci_enable_device(). */
export const pci_enable_device = traced('pci_enable_device', (k: Kernel, dev: PciDev): number => {
  // pci_enable_device_flags(): refresh current_state from PMCSR first.
  if (dev.pmCap) {
    const pmcsr = pci_read_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL);
    dev.currentState = pmcsr & R.PCI_PM_CTRL_STATE_MASK;
  }
  if (++dev.enableCnt > 1) return 0;
  let bars = 0;
  // "only skip sriov related": BARs, ROM and bridge windows
  for (let i = 0; i < dev.resource.length; i++) if ((i <= PCI_ROM_RESOURCE || i >= PCI_BRIDGE_RESOURCES) && dev.resource[i].flags & (IORESOURCE_IO | IORESOURCE_MEM)) bars |= 1 << i;
  // do_pci_enable_device()
  pci_set_power_state(k, dev, PCI_D0);
  const err = pci_enable_resources(k, dev, bars); // pcibios_enable_device()
  if (err < 0) {
    dev.enableCnt--;
    return err;
  }
  if (dev.msiEnabled || dev.msixEnabled) return 0;
  const pin = pci_bus_read_config_byte(k, dev.bus, dev.devfn, R.PCI_INTERRUPT_PIN);
  if (pin) {
    const cmd = pci_read_config_word(k, dev, R.PCI_COMMAND);
    if (!pci_lu_adopt(k, dev, cmd & R.PCI_COMMAND_INTX_DISABLE && { what: 'COMMAND INTx Disable clear', off: R.PCI_COMMAND, width: 2, value: cmd & ~R.PCI_COMMAND_INTX_DISABLE }) && cmd & R.PCI_COMMAND_INTX_DISABLE)
      pci_write_config_word(k, dev, R.PCI_COMMAND, cmd & ~R.PCI_COMMAND_INTX_DISABLE);
  }
  return 0;
});

/** pci_disable_device() → do_pci_disable_device(): bus mastering off. */
export const pci_disable_device = traced('pci_disable_device', (k: Kernel, dev: PciDev): void => {
  if (dev.enableCnt <= 0 || --dev.enableCnt > 0) return;
  const cmd = pci_read_config_word(k, dev, R.PCI_COMMAND);
  if (cmd & R.PCI_COMMAND_MASTER && !pci_lu_adopt(k, dev, { what: 'COMMAND Bus Master clear', off: R.PCI_COMMAND, width: 2, value: cmd & ~R.PCI_COMMAND_MASTER }))
    pci_write_config_word(k, dev, R.PCI_COMMAND, cmd & ~R.PCI_COMMAND_MASTER);
  dev.isBusmaster = false;
});

/** __pci_set_master() */
export const __pci_set_master = traced('__pci_set_master', (k: Kernel, dev: PciDev, enable: boolean): void => {
  const old = pci_read_config_word(k, dev, R.PCI_COMMAND);
  const cmd = enable ? old | R.PCI_COMMAND_MASTER : old & ~R.PCI_COMMAND_MASTER;
  if (cmd !== old) {
    k.pci_info(dev, 'bus_master', { what: enable ? 'enabling' : 'disabling' });
    if (!pci_lu_adopt(k, dev, { what: `COMMAND Bus Master ${enable ? 'set' : 'clear'}`, off: R.PCI_COMMAND, width: 2, value: cmd }))
      pci_write_config_word(k, dev, R.PCI_COMMAND, cmd);
  }
  dev.isBusmaster = enable;
});

/** pci_intx(): INTx Disable follows `enable`; nothing is written when it already does. */
export const pci_intx = traced('pci_intx', (k: Kernel, dev: PciDev, enable: boolean): void => {
  const old = pci_read_config_word(k, dev, R.PCI_COMMAND);
  const cmd = enable ? old & ~R.PCI_COMMAND_INTX_DISABLE : old | R.PCI_COMMAND_INTX_DISABLE;
  if (cmd === old) return;
  if (!pci_lu_adopt(k, dev, { what: `COMMAND INTx Disable ${enable ? 'clear' : 'set'}`, off: R.PCI_COMMAND, width: 2, value: cmd }))
    pci_write_config_word(k, dev, R.PCI_COMMAND, cmd);
});

// ---- reset ------------------------------------------------------------------------------------

/** pci_wait_for_pending_transaction(): up to 4 looks at Transactions Pending, 100/200/400 ms apart. */
const pci_wait_for_pending_transaction = traced('pci_wait_for_pending_transaction', (k: Kernel, dev: PciDev): boolean => {
  for (let i = 0; i < 4; i++) {
    if (i) k.clock.advance((1 << (i - 1)) * 100000);
    const status = pcie_capability_read_word(k, dev, R.PCI_EXP_DEVSTA);
    if (!(status & R.PCI_EXP_DEVSTA_TRPND)) return true;
  }
  return false;
});

/** pcie_flr(): wait for pending transactions, set Initiate FLR, 100 ms, then wait for the function. */
const pcie_flr = traced('pcie_flr', (k: Kernel, dev: PciDev): number => {
  if (!pci_wait_for_pending_transaction(k, dev)) k.pci_info(dev, 'flr_pending_timeout');
  const v = pcie_capability_read_word(k, dev, R.PCI_EXP_DEVCTL);
  pcie_capability_write_word(k, dev, R.PCI_EXP_DEVCTL, v | R.PCI_EXP_DEVCTL_BCR_FLR);
  k.clock.advance(100000); // msleep(100)
  return pci_dev_wait(k, dev, 'FLR', PCIE_RESET_READY_POLL_MS);
});

/** pcie_reset_flr(): Function Level Reset, if DEVCAP advertises it. */
function pcie_reset_flr(k: Kernel, dev: PciDev, probe: boolean): number {
  if (!(dev.devcap & R.PCI_EXP_DEVCAP_FLR)) return -25; // -ENOTTY
  if (probe) return 0;
  return pcie_flr(k, dev);
}

/**
 * pci_reset_bus_function(): the hotplug slot's reset when the function is alone in its slot
 * (pci_dev_reset_slot_function()), else a secondary bus reset by the parent bridge — which the
 * model does not implement (-ENOTTY), so only slot resets (s390 zPCI) are offered.
 */
function pci_reset_bus_function(k: Kernel, dev: PciDev, probe: boolean): number {
  void k;
  if (dev.multifunction || dev.subordinate || !dev.slotReset) return -25;
  return dev.slotReset(probe);
}

/** pci_pm_reset(): D0 → D3hot → D0, only for devices with No_Soft_Reset clear. */
const pci_pm_reset = traced('pci_pm_reset', (k: Kernel, dev: PciDev, probe: boolean): number => {
  if (!dev.pmCap) return -25;
  let csr = pci_read_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL);
  if (csr & R.PCI_PM_CTRL_NO_SOFT_RESET) return -25;
  if (probe) return 0;
  if (dev.currentState !== PCI_D0) return -22;
  csr = (csr & ~R.PCI_PM_CTRL_STATE_MASK) | PCI_D3hot;
  if (!pci_lu_adopt(k, dev, { what: 'PMCSR D3hot (PM reset)', off: dev.pmCap + R.PCI_PM_CTRL, width: 2, value: csr }))
    pci_write_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL, csr);
  k.clock.advance(dev.d3hotDelay * 1000);
  csr = (csr & ~R.PCI_PM_CTRL_STATE_MASK) | PCI_D0;
  if (!pci_lu_adopt(k, dev, { what: 'PMCSR D0 (PM reset)', off: dev.pmCap + R.PCI_PM_CTRL, width: 2, value: csr }))
    pci_write_config_word(k, dev, dev.pmCap + R.PCI_PM_CTRL, csr);
  k.clock.advance(dev.d3hotDelay * 1000);
  return pci_dev_wait(k, dev, 'PM D3hot->D0', PCIE_RESET_READY_POLL_MS);
});

/** PCI_RESET_WAIT, PCIE_RESET_READY_POLL_MS (drivers/pci/pci.h, pci.c) */
const PCI_RESET_WAIT = 1000;
const PCIE_RESET_READY_POLL_MS = 60000;

/**
 * pci_dev_wait(): poll COMMAND until it stops reading all-ones, doubling the delay from 1 ms;
 * after PCI_RESET_WAIT say so, after `timeout` give up (-ENOTTY). Without a Root Port with RRS
 * Software Visibility, and without an upstream bridge whose link could be retrained (the
 * retraining path is not modelled).
 */
const pci_dev_wait = traced('pci_dev_wait', (k: Kernel, dev: PciDev, reset: string, timeout: number): number => {
  let delay = 1;
  for (;;) {
    const id = pci_read_config_dword(k, dev, R.PCI_COMMAND);
    if (id !== 0xffffffff) break;
    if (delay > timeout) {
      k.pci_info(dev, 'not_ready_giving_up', { ms: delay - 1, what: reset });
      return -25;
    }
    if (delay > PCI_RESET_WAIT) k.pci_info(dev, 'not_ready_waiting', { ms: delay - 1, what: reset });
    k.clock.advance(delay * 1000);
    delay *= 2;
  }
  k.pci_info(dev, delay > PCI_RESET_WAIT ? 'ready_after' : 'ready_after_dbg', { ms: delay - 1, what: reset });
  return 0;
});

type ResetMethod = { name: string; fn: (k: Kernel, dev: PciDev, probe: boolean) => number };
/** pci_reset_fn_methods[], in order; only the methods the model implements. */
const RESET_METHODS: ResetMethod[] = [
  { name: 'flr', fn: (k, d, p) => pcie_reset_flr(k, d, p) },
  { name: 'pm', fn: (k, d, p) => pci_pm_reset(k, d, p) },
  { name: 'bus', fn: (k, d, p) => pci_reset_bus_function(k, d, p) },
];

/** pci_init_reset_methods(): probe each method once at enumeration. */
export const pci_init_reset_methods = traced('pci_init_reset_methods', (k: Kernel, dev: PciDev): void => {
  dev.resetMethods = RESET_METHODS.filter((m) => m.fn(k, dev, true) === 0).map((m) => m.name);
});

/** __pci_reset_function_locked(): first method that does not answer -ENOTTY wins. */
const __pci_reset_function_locked = traced('__pci_reset_function_locked', (k: Kernel, dev: PciDev): number => {
  for (const name of dev.resetMethods) {
    const m = RESET_METHODS.find((x) => x.name === name)!;
    k.pci_info(dev, 'reset_via', { method: name });
    const rc = m.fn(k, dev, false);
    if (rc !== -25) return rc;
  }
  return -25;
});

/** pci_dev_save_and_disable(): save current config and stop the device from talking. */
const pci_dev_save_and_disable = traced('pci_dev_save_and_disable', (k: Kernel, dev: PciDev): void => {
  if (dev.driver && !dev.driver.hasResetPrepare) k.pci_info(dev, 'resetting');
  pci_set_power_state(k, dev, PCI_D0);
  pci_save_state(k, dev);
  // "Disable the device by clearing the Command register, except for INTx-disable"
  if (!pci_lu_adopt(k, dev, { what: 'COMMAND = INTx Disable', off: R.PCI_COMMAND, width: 2, value: R.PCI_COMMAND_INTX_DISABLE }))
    pci_write_config_word(k, dev, R.PCI_COMMAND, R.PCI_COMMAND_INTX_DISABLE);
});

const pci_dev_restore = traced('pci_dev_restore', (k: Kernel, dev: PciDev): void => {
  pci_restore_state(k, dev);
  if (dev.driver && !dev.driver.hasResetPrepare) k.pci_info(dev, 'reset_done');
});

/** pci_try_reset_function() */
export const pci_try_reset_function = traced('pci_try_reset_function', (k: Kernel, dev: PciDev): number => {
  if (!dev.resetMethods.length) return -25;
  pci_dev_save_and_disable(k, dev);
  const rc = __pci_reset_function_locked(k, dev);
  pci_dev_restore(k, dev);
  return rc;
});

/** pci_reset_function(): the same as pci_try_reset_function(), waiting for the locks (sysfs "reset"). */
export const pci_reset_function = traced('pci_reset_function', (k: Kernel, dev: PciDev): number => {
  if (!dev.resetMethods.length) return -25;
  pci_dev_save_and_disable(k, dev);
  const rc = __pci_reset_function_locked(k, dev);
  pci_dev_restore(k, dev);
  return rc;
});

export { PCI_UNKNOWN };
