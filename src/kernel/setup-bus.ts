// drivers/pci/setup-bus.c: sizing bridge windows (with the optional "add_size" of hotplug
// bridges), assigning what is still unassigned (largest alignment first, optional sizes first),
// the pci=realloc retry loop that releases bridge windows, programming bridges, and the final
// bus resource dump. Follows the 6.1/6.12 code, with the v6.11 relaxed tail sizing
// (566f1dd52816) and the v6.15 optional-resource rework (2499f5348431) where a kernel has them.
import * as R from '../hw/regs';
import { pci_read_config_word, pci_write_config_dword, pci_write_config_word } from './access';
import * as C from './commits';
import { Kernel, traced } from './kernel';
import { pci_resource_name } from './pci';
import {
  IORESOURCE_DISABLED, IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PCI_FIXED, IORESOURCE_PREFETCH, IORESOURCE_ROM_ENABLE,
  IORESOURCE_SIZEALIGN, IORESOURCE_STARTALIGN, IORESOURCE_UNSET, Resource, find_resource_space, release_child_resources, release_resource,
} from './resource';
import { arch_remove_reservations } from './arch/x86/i386';
import { pci_assign_resource, pci_reassign_resource, pci_release_resource, pci_resource_alignment } from './setup-res';
import { PCI_BRIDGE_RESOURCES, PCI_NUM_RESOURCES, PCI_ROM_RESOURCE, PciBus, PciDev } from './types';
import { iov_resources_unassigned, pci_resource_is_iov } from './iov';
import { pci_lu_adopt } from './liveupdate';

export class NotModelledError extends Error {
  override name = 'NotModelledError';
}

/** pci_hotplug_io_size, pci_hotplug_mmio_size, pci_hotplug_mmio_pref_size (drivers/pci/pci.c) */
export const PCI_HOTPLUG_IO_SIZE = 256n;
export const PCI_HOTPLUG_MMIO_SIZE = 2n * 1024n * 1024n;
export const PCI_HOTPLUG_MMIO_PREF_SIZE = 2n * 1024n * 1024n;

const PCI_RES_TYPE_MASK = IORESOURCE_IO | IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64;
const PCI_PREF_RANGE_TYPE_64 = 0x01;

/** struct pci_dev_resource: a tracked resource with what it looked like when added. */
interface DevRes {
  dev: PciDev;
  res: Resource;
  start: bigint;
  end: bigint;
  flags: number;
  addSize: bigint;
  minAlign: bigint;
}
type ResList = DevRes[];

const size = (r: { start: bigint; end: bigint }) => r.end - r.start + 1n;
const idxOf = (dev: PciDev, res: Resource) => dev.resource.indexOf(res);
const alignUp = (v: bigint, a: bigint) => (a > 1n ? (v + a - 1n) & ~(a - 1n) : v);
const maxb = (a: bigint, b: bigint) => (a > b ? a : b);

/** add_to_list(): list_add() — the new entry goes to the FRONT. */
function add_to_list(list: ResList, dev: PciDev, res: Resource, addSize: bigint, minAlign: bigint): void {
  list.unshift({ dev, res, start: res.start, end: res.end, flags: res.flags, addSize, minAlign });
}

function remove_from_list(list: ResList, res: Resource): void {
  const i = list.findIndex((e) => e.res === res);
  if (i >= 0) list.splice(i, 1);
}

const get_res_add_size = (list: ResList, res: Resource) => list.find((e) => e.res === res)?.addSize ?? 0n;
const get_res_add_align = (list: ResList, res: Resource) => list.find((e) => e.res === res)?.minAlign ?? 0n;

/** restore_dev_resource() (4e362abe482d) */
function restore_dev_resource(e: DevRes): void {
  e.res.start = e.start;
  e.res.end = e.end;
  e.res.flags = e.flags;
}

/**
 * pci_resource_is_optional() (9caf4ea2fd02, v6.15): VF BARs, and a ROM that is not enabled.
 * Before 2499f5348431 only VF BARs were optional, and only while sizing.
 */
function pci_resource_is_optional(k: Kernel, dev: PciDev, resno: number): boolean {
  if (pci_resource_is_iov(resno)) return true;
  return k.has(C.OPTIONAL_RES_2499F5348431) && resno === PCI_ROM_RESOURCE && !(dev.resource[resno].flags & IORESOURCE_ROM_ENABLE);
}

function reset_resource(res: Resource): void {
  res.start = 0n;
  res.end = 0n;
  res.flags = 0;
}

const isWindow = (idx: number) => idx >= PCI_BRIDGE_RESOURCES && idx < PCI_BRIDGE_RESOURCES + 4;

/** reset_resource(dev, res) of v6.18 (8278c6914306): a bridge window only becomes unset, keeping its type and size. */
function reset_dev_resource(k: Kernel, dev: PciDev, res: Resource): void {
  if (k.has(C.WINDOW_STATE_8278C6914306) && isWindow(idxOf(dev, res))) {
    res.flags |= IORESOURCE_UNSET;
    return;
  }
  reset_resource(res);
}

/** pdev_resource_assignable() (v6.18): a disabled bridge window is not to be sized or assigned. */
function pdev_resource_assignable(k: Kernel, dev: PciDev, r: Resource): boolean {
  if (!r.flags) return false;
  return !(k.has(C.WINDOW_STATE_8278C6914306) && isWindow(idxOf(dev, r)) && r.flags & IORESOURCE_DISABLED);
}

/** pdev_resources_assignable(): not classless devices, host bridges, or IOAPICs firmware enabled. */
function pdev_resources_assignable(k: Kernel, dev: PciDev): boolean {
  const cls = dev.class >> 8;
  if (cls === 0x0000 || cls === 0x0600) return false;
  if (cls === 0x0800) {
    const cmd = pci_read_config_word(k, dev, R.PCI_COMMAND);
    if (cmd & (R.PCI_COMMAND_IO | R.PCI_COMMAND_MEMORY)) return false;
  }
  return true;
}

/** pdev_sort_resources(): insert before the first entry of strictly smaller alignment (stable). */
function pdev_sort_resources(k: Kernel, dev: PciDev, head: ResList): void {
  for (let i = 0; i < PCI_NUM_RESOURCES; i++) {
    const r = dev.resource[i];
    if (r.flags & IORESOURCE_PCI_FIXED || r.parent || !pdev_resource_assignable(k, dev, r)) continue;
    const rAlign = pci_resource_alignment(dev, r);
    if (!rAlign) {
      k.pci_info(dev, 'bogus_alignment', { idx: i, res: r });
      continue;
    }
    let at = head.findIndex((e) => rAlign > pci_resource_alignment(e.dev, e.res));
    if (at < 0) at = head.length;
    // the tracker keeps what the resource was (a34d74877c66; unused before v6.15)
    head.splice(at, 0, { dev, res: r, start: r.start, end: r.end, flags: r.flags, addSize: 0n, minAlign: 0n });
  }
}

/** __dev_sort_resources(): not for classless devices or host bridges. */
function __dev_sort_resources(k: Kernel, dev: PciDev, head: ResList): void {
  if (pdev_resources_assignable(k, dev)) pdev_sort_resources(k, dev, head);
}

/** reassign_resources_sorted(): try to satisfy the optional add_size requests. */
const reassign_resources_sorted = traced('reassign_resources_sorted', (k: Kernel, realloc: ResList, head: ResList): void => {
  if (k.has(C.OPTIONAL_RES_2499F5348431)) {
    for (const add of [...realloc]) {
      const res = add.res;
      const idx = idxOf(add.dev, res);
      // A required resource that failed the earlier try would just fail again.
      if (!(!res.parent && size(res) > 0n && !pci_resource_is_optional(k, add.dev, idx))) {
        if (!head.some((e) => e.res === res)) continue; // stays in realloc_head for another bus
        const name = pci_resource_name(add.dev, idx);
        if (!res.parent) {
          res.start = add.minAlign;
          res.end = add.minAlign + size(res) + add.addSize - 1n;
          if (pci_assign_resource(k, add.dev, idx)) k.pci_info(add.dev, 'optional_failure_ignored', { name, res });
        } else if (add.addSize > 0n) {
          res.flags |= add.flags & (IORESOURCE_STARTALIGN | IORESOURCE_SIZEALIGN);
          if (pci_reassign_resource(k, add.dev, idx, add.addSize, add.minAlign)) k.pci_info(add.dev, 'failed_to_add_optional', { name, res, add: add.addSize });
        }
      }
      remove_from_list(realloc, res);
    }
    return;
  }
  for (const add of [...realloc]) {
    const res = add.res;
    if (res.flags) {
      if (!head.some((e) => e.res === res)) continue; // stays in realloc_head for another bus
      const idx = idxOf(add.dev, res);
      if (!size(res) || res.end < res.start) {
        res.start = add.minAlign;
        res.end = res.start + add.addSize - 1n;
        if (pci_assign_resource(k, add.dev, idx)) reset_resource(res);
      } else {
        res.flags |= add.flags & (IORESOURCE_STARTALIGN | IORESOURCE_SIZEALIGN);
        if (pci_reassign_resource(k, add.dev, idx, add.addSize, add.minAlign))
          k.pci_info(add.dev, 'failed_to_add', { name: pci_resource_name(add.dev, idx), res, add: add.addSize });
      }
    }
    remove_from_list(realloc, res);
  }
});

/**
 * assign_requested_resources_sorted(): the must-have sizes; failures go to fail_head. From v6.15
 * (2499f5348431) optional resources are skipped unless `optional`, a failure is listed whatever
 * it is, and resetting waits until the end of __assign_resources_sorted().
 */
const assign_requested_resources_sorted = traced('assign_requested_resources_sorted', (k: Kernel, head: ResList, fail: ResList | null, optional = true): void => {
  if (k.has(C.OPTIONAL_RES_2499F5348431)) {
    for (const e of head) {
      const idx = idxOf(e.dev, e.res);
      if (size(e.res) <= 0n) continue;
      if (!optional && pci_resource_is_optional(k, e.dev, idx)) continue;
      if (pci_assign_resource(k, e.dev, idx) && fail) add_to_list(fail, e.dev, e.res, 0n, 0n);
    }
    return;
  }
  for (const e of head) {
    const res = e.res;
    const idx = idxOf(e.dev, res);
    if (res.end >= res.start && size(res) > 0n && pci_assign_resource(k, e.dev, idx)) {
      if (fail && !(idx === PCI_ROM_RESOURCE && !(res.flags & IORESOURCE_ROM_ENABLE))) add_to_list(fail, e.dev, res, 0n, 0n);
      reset_resource(res);
    }
  }
});

function pci_fail_res_type_mask(fail: ResList): number {
  let mask = 0;
  for (const f of fail) mask |= f.flags;
  return mask & (IORESOURCE_IO | IORESOURCE_MEM | IORESOURCE_PREFETCH);
}

function pci_need_to_release(mask: number, res: Resource): boolean {
  if (res.flags & IORESOURCE_IO) return (mask & IORESOURCE_IO) !== 0;
  if (res.flags & IORESOURCE_PREFETCH) {
    if (mask & IORESOURCE_PREFETCH) return true;
    return (mask & IORESOURCE_MEM) !== 0 && !(res.parent!.flags & IORESOURCE_PREFETCH);
  }
  if (res.flags & IORESOURCE_MEM) return (mask & IORESOURCE_MEM) !== 0;
  return false;
}

/**
 * __assign_resources_sorted(): first try everything with its optional add_size; if anything
 * fails, release what needs releasing, restore the sizes, assign the must-have sizes, and then
 * try the optional sizes one by one (which is why a failing window is reported twice).
 */
const __assign_resources_sorted = traced('__assign_resources_sorted', (k: Kernel, head: ResList, realloc: ResList | null, fail: ResList | null): void => {
  if (k.has(C.OPTIONAL_RES_2499F5348431)) {
    __assign_resources_sorted_v615(k, head, realloc ?? [], fail);
    return;
  }
  if (realloc && realloc.length) {
    const save: ResList = [];
    for (const e of head) add_to_list(save, e.dev, e.res, 0n, 0n);
    add_optional_sizes(head, realloc);
    const localFail: ResList = [];
    assign_requested_resources_sorted(k, head, localFail);
    if (!localFail.length) {
      for (const e of head) remove_from_list(realloc, e.res);
      return;
    }
    const failType = pci_fail_res_type_mask(localFail);
    for (const e of [...head]) {
      if (e.res.parent && !pci_need_to_release(failType, e.res)) {
        remove_from_list(realloc, e.res);
        remove_from_list(save, e.res);
        head.splice(head.indexOf(e), 1);
      }
    }
    for (const e of head) if (e.res.parent) release_resource(e.res);
    for (const s of save) {
      s.res.start = s.start;
      s.res.end = s.end;
      s.res.flags = s.flags;
    }
  }
  assign_requested_resources_sorted(k, head, fail);
  if (realloc) reassign_resources_sorted(k, realloc, head);
});

/** Add each head entry's optional size, and move windows whose add_align grew up the list. */
function add_optional_sizes(head: ResList, realloc: ResList): void {
  for (const e of [...head]) {
    e.res.end += get_res_add_size(realloc, e.res);
    if (!(e.res.flags & IORESOURCE_STARTALIGN)) continue;
    const addAlign = get_res_add_align(realloc, e.res);
    if (addAlign > e.res.start) {
      const rSize = size(e.res);
      e.res.start = addAlign;
      e.res.end = addAlign + rSize - 1n;
      const target = head.find((x) => addAlign > pci_resource_alignment(x.dev, x.res));
      if (target) {
        // list_move_tail(): unlink and insert before `target`
        head.splice(head.indexOf(e), 1);
        head.splice(head.indexOf(target), 0, e);
      }
    }
  }
}

/**
 * __assign_resources_sorted() from v6.15 (2499f5348431, 96336ec70264, b3281eb5ded1, a34d74877c66):
 * everything, optional resources included, is tried first with its optional size. If a required
 * resource (or anything, with optional sizes pending) fails, what needs releasing is released and
 * restored, the required resources are assigned alone, then the optional sizes one by one. Whatever
 * is still unassigned at the end goes to the fail list and is reset.
 */
function __assign_resources_sorted_v615(k: Kernel, head: ResList, realloc: ResList, fail: ResList | null): void {
  const save: ResList = [];
  const localFail: ResList = [];
  const finish = () => {
    for (const e of head) {
      if (e.res.parent) continue;
      if (fail) add_to_list(fail, e.dev, e.res, 0n, 0n);
      reset_dev_resource(k, e.dev, e.res);
    }
  };
  if (realloc.length) {
    for (const e of head) add_to_list(save, e.dev, e.res, 0n, 0n);
    add_optional_sizes(head, realloc);
  }
  assign_requested_resources_sorted(k, head, localFail, true);
  if (!localFail.length) {
    for (const e of head) remove_from_list(realloc, e.res);
    finish();
    return;
  }
  // Without realloc_head and only optional failures, nothing more to do.
  if (!localFail.some((f) => !pci_resource_is_optional(k, f.dev, idxOf(f.dev, f.res))) && !realloc.length) {
    for (const s of save) if (!s.res.parent) restore_dev_resource(s);
    finish();
    return;
  }
  const failType = pci_fail_res_type_mask(localFail);
  for (const e of [...head]) {
    if (e.res.parent && !pci_need_to_release(failType, e.res)) {
      remove_from_list(realloc, e.res);
      remove_from_list(save, e.res);
      head.splice(head.indexOf(e), 1);
    }
  }
  for (const e of head) {
    if (k.has(C.RELEASE_3BAEAE36039A)) {
      pci_release_resource(k, e.dev, idxOf(e.dev, e.res));
      restore_dev_resource(e);
      continue;
    }
    if (!e.res.parent) continue;
    k.pci_info(e.dev, 'releasing_dbg', { name: pci_resource_name(e.dev, idxOf(e.dev, e.res)), res: e.res });
    release_resource(e.res);
    restore_dev_resource(e);
  }
  for (const s of save) restore_dev_resource(s);
  assign_requested_resources_sorted(k, head, null, false);
  if (realloc.length) reassign_resources_sorted(k, realloc, head);
  finish();
}

/** pbus_assign_resources_sorted(): every device of the bus in one list. */
const pbus_assign_resources_sorted = traced('pbus_assign_resources_sorted', (k: Kernel, bus: PciBus, realloc: ResList | null, fail: ResList | null): void => {
  const head: ResList = [];
  for (const dev of bus.devices) __dev_sort_resources(k, dev, head);
  __assign_resources_sorted(k, head, realloc, fail);
});

// ---- programming bridges ----------------------------------------------------------------------

/** pci_setup_bridge_io() */
const pci_setup_bridge_io = traced('pci_setup_bridge_io', (k: Kernel, bridge: PciDev): void => {
  const res = bridge.resource[PCI_BRIDGE_RESOURCES];
  let l: number, upper16: number;
  // b15f45ab65e2 (v6.18, with 8278c6914306): only a claimed window is programmed
  if ((res.parent || !k.has(C.WINDOW_STATE_8278C6914306)) && res.flags & IORESOURCE_IO) {
    pci_read_config_word(k, bridge, R.PCI_IO_BASE);
    const baseLo = Number((res.start >> 8n) & BigInt(R.PCI_IO_RANGE_MASK));
    const limitLo = Number((res.end >> 8n) & BigInt(R.PCI_IO_RANGE_MASK));
    l = (limitLo << 8) | baseLo;
    upper16 = Number((res.end & 0xffff0000n) | (res.start >> 16n));
    k.pci_info(bridge, 'setup_bridge_window', { name: pci_resource_name(bridge, PCI_BRIDGE_RESOURCES), res });
  } else {
    upper16 = 0;
    l = 0x00f0;
  }
  // pci-luo-no-writes returns here, after the window line has been logged
  if (pci_lu_adopt(k, bridge, { what: 'I/O window (PCI_IO_BASE_UPPER16, PCI_IO_BASE, PCI_IO_BASE_UPPER16)', off: R.PCI_IO_BASE, width: 2, value: l })) return;
  // Temporarily disable the I/O range before updating PCI_IO_BASE.
  pci_write_config_dword(k, bridge, R.PCI_IO_BASE_UPPER16, 0x0000ffff);
  pci_write_config_word(k, bridge, R.PCI_IO_BASE, l);
  pci_write_config_dword(k, bridge, R.PCI_IO_BASE_UPPER16, upper16);
});

/** pci_setup_bridge_mmio() */
const pci_setup_bridge_mmio = traced('pci_setup_bridge_mmio', (k: Kernel, bridge: PciDev): void => {
  const res = bridge.resource[PCI_BRIDGE_RESOURCES + 1];
  let l: number;
  if ((res.parent || !k.has(C.WINDOW_STATE_8278C6914306)) && res.flags & IORESOURCE_MEM) {
    l = Number(((res.start >> 16n) & 0xfff0n) | (res.end & 0xfff00000n));
    k.pci_info(bridge, 'setup_bridge_window', { name: pci_resource_name(bridge, PCI_BRIDGE_RESOURCES + 1), res });
  } else {
    l = 0x0000fff0;
  }
  if (pci_lu_adopt(k, bridge, { what: 'memory window (PCI_MEMORY_BASE)', off: R.PCI_MEMORY_BASE, width: 4, value: l })) return;
  pci_write_config_dword(k, bridge, R.PCI_MEMORY_BASE, l);
});

/** pci_setup_bridge_mmio_pref() */
const pci_setup_bridge_mmio_pref = traced('pci_setup_bridge_mmio_pref', (k: Kernel, bridge: PciDev): void => {
  // Clear out the upper 32 bits of PREF limit first (temporarily disables the window).
  pci_write_config_dword(k, bridge, R.PCI_PREF_LIMIT_UPPER32, 0);
  const res = bridge.resource[PCI_BRIDGE_RESOURCES + 2];
  let l: number, bu = 0, lu = 0;
  if ((res.parent || !k.has(C.WINDOW_STATE_8278C6914306)) && res.flags & IORESOURCE_PREFETCH) {
    l = Number(((res.start >> 16n) & 0xfff0n) | (res.end & 0xfff00000n));
    if (res.flags & IORESOURCE_MEM_64) {
      bu = Number(res.start >> 32n);
      lu = Number(res.end >> 32n);
    }
    k.pci_info(bridge, 'setup_bridge_window', { name: pci_resource_name(bridge, PCI_BRIDGE_RESOURCES + 2), res });
  } else {
    l = 0x0000fff0;
  }
  // pci-luo-no-writes returns here: after the PCI_PREF_LIMIT_UPPER32 = 0 above, which stays
  if (pci_lu_adopt(k, bridge, { what: 'prefetchable window (PCI_PREF_MEMORY_BASE, PCI_PREF_BASE_UPPER32, PCI_PREF_LIMIT_UPPER32)', off: R.PCI_PREF_MEMORY_BASE, width: 4, value: l })) return;
  pci_write_config_dword(k, bridge, R.PCI_PREF_MEMORY_BASE, l);
  pci_write_config_dword(k, bridge, R.PCI_PREF_BASE_UPPER32, bu);
  pci_write_config_dword(k, bridge, R.PCI_PREF_LIMIT_UPPER32, lu);
});

/** __pci_setup_bridge(): the windows of `type`, then Bridge Control. */
const __pci_setup_bridge = traced('__pci_setup_bridge', (k: Kernel, bus: PciBus, type: number): void => {
  const bridge = bus.self!;
  k.pci_info(bridge, 'setup_bridge_to', { res: bus.busnRes });
  if (type & IORESOURCE_IO) pci_setup_bridge_io(k, bridge);
  if (type & IORESOURCE_MEM) pci_setup_bridge_mmio(k, bridge);
  if (type & IORESOURCE_PREFETCH) pci_setup_bridge_mmio_pref(k, bridge);
  if (!pci_lu_adopt(k, bridge, { what: 'Bridge Control', off: R.PCI_BRIDGE_CONTROL, width: 2, value: bus.bridgeCtl }))
    pci_write_config_word(k, bridge, R.PCI_BRIDGE_CONTROL, bus.bridgeCtl);
});

export const pci_setup_bridge = traced('pci_setup_bridge', (k: Kernel, bus: PciBus): void => {
  __pci_setup_bridge(k, bus, IORESOURCE_IO | IORESOURCE_MEM | IORESOURCE_PREFETCH);
});

// ---- sizing -----------------------------------------------------------------------------------

/** pci_bridge_check_ranges(): which windows the bridge has (flags only). */
function pci_bridge_check_ranges(bus: PciBus): void {
  const bridge = bus.self!;
  const b = bridge.resource;
  b[PCI_BRIDGE_RESOURCES + 1].flags |= IORESOURCE_MEM;
  if (bridge.ioWindow) b[PCI_BRIDGE_RESOURCES].flags |= IORESOURCE_IO;
  if (bridge.prefWindow) {
    b[PCI_BRIDGE_RESOURCES + 2].flags |= IORESOURCE_MEM | IORESOURCE_PREFETCH;
    if (bridge.pref64Window) b[PCI_BRIDGE_RESOURCES + 2].flags |= IORESOURCE_MEM_64 | PCI_PREF_RANGE_TYPE_64;
  }
}

/** find_bus_resource_of_type(): an unassigned match first, else the first assigned one. */
function find_bus_resource_of_type(k: Kernel, bus: PciBus, typeMask: number, type: number): Resource | null {
  let assigned: Resource | null = null;
  for (const r of bus.allResources()) {
    if (r === k.ioportResource || r === k.iomemResource) continue;
    if ((r.flags & typeMask) === type && !r.parent) return r;
    if ((r.flags & typeMask) === type && !assigned) assigned = r;
  }
  return assigned;
}

function calculate_iosize(sz: bigint, minSize: bigint, size1: bigint, addSize: bigint, childrenAdd: bigint, oldSize: bigint, align: bigint): bigint {
  if (sz < minSize) sz = minSize;
  if (oldSize === 1n) oldSize = 0n;
  // CONFIG_ISA/EISA's alias rounding is not in x86-64 distribution kernels.
  sz = sz + size1;
  sz = maxb(sz, addSize) + childrenAdd;
  return alignUp(maxb(sz, oldSize), align);
}

function calculate_memsize(sz: bigint, minSize: bigint, addSize: bigint, childrenAdd: bigint, oldSize: bigint, align: bigint): bigint {
  if (sz < minSize) sz = minSize;
  if (oldSize === 1n) oldSize = 0n;
  sz = maxb(sz, addSize) + childrenAdd;
  return alignUp(maxb(sz, oldSize), align);
}

/** window_alignment(): 1 MiB for memory, 4 KiB for I/O. */
function window_alignment(type: number): bigint {
  if (type & IORESOURCE_MEM) return 0x100000n;
  if (type & IORESOURCE_IO) return 0x1000n;
  return 1n;
}

/** An unused window: flags cleared, or from v6.18 (8278c6914306) typed and disabled. */
function disable_window(k: Kernel, b: Resource): void {
  if (k.has(C.WINDOW_STATE_8278C6914306)) b.flags |= IORESOURCE_DISABLED;
  else b.flags = 0;
}

/** pbus_size_io() */
const pbus_size_io = traced('pbus_size_io', (k: Kernel, bus: PciBus, minSize: bigint, addSize: bigint, realloc: ResList | null): void => {
  const b = find_bus_resource_of_type(k, bus, IORESOURCE_IO, IORESOURCE_IO);
  if (!b || b.parent) return;
  let minAlign = window_alignment(IORESOURCE_IO);
  let sz = 0n, size1 = 0n, childrenAdd = 0n;
  for (const dev of bus.devices) {
    for (const r of dev.resource) {
      if (r.parent || !(r.flags & IORESOURCE_IO)) continue;
      if (!pdev_resource_assignable(k, dev, r)) continue;
      const rSize = size(r);
      if (rSize < 0x400n) sz += rSize;
      else size1 += rSize;
      const align = pci_resource_alignment(dev, r);
      if (align > minAlign) minAlign = align;
      if (realloc) childrenAdd += get_res_add_size(realloc, r);
    }
  }
  const size0 = calculate_iosize(sz, minSize, size1, 0n, 0n, size(b), minAlign);
  if (size0) b.flags &= ~IORESOURCE_DISABLED;
  const sizeAdd = !realloc || (!addSize && !childrenAdd) ? size0 : calculate_iosize(sz, minSize, size1, addSize, childrenAdd, size(b), minAlign);
  if (!size0 && !sizeAdd) {
    if (bus.self && (b.start || b.end)) k.pci_info(bus.self, 'disabling_window', { res: b, res2: bus.busnRes });
    disable_window(k, b);
    return;
  }
  b.start = minAlign;
  b.end = b.start + size0 - 1n;
  b.flags |= IORESOURCE_STARTALIGN;
  if (bus.self && sizeAdd > size0 && realloc) {
    b.flags &= ~IORESOURCE_DISABLED;
    add_to_list(realloc, bus.self, b, sizeAdd - size0, minAlign);
    k.pci_info(bus.self, 'window_add_size', { res: b, res2: bus.busnRes, add: sizeAdd - size0 });
  }
});

/** calculate_mem_align() */
function calculate_mem_align(aligns: bigint[], maxOrder: number): bigint {
  let align = 0n, minAlign = 0n;
  for (let order = 0; order <= maxOrder; order++) {
    const align1 = 1n << BigInt(order + 20);
    if (!align) minAlign = align1;
    else if (alignUp(align + minAlign, minAlign) < align1) minAlign = align1 >> 1n;
    align += aligns[order];
  }
  return minAlign;
}

function ffs(v: bigint): number {
  let n = 0;
  while (v && !(v & 1n)) {
    v >>= 1n;
    n++;
  }
  return n;
}

/**
 * pbus_upstream_space_available() (566f1dd52816): does the first assigned window of this type
 * above `bus` (below the root bus) have a free, aligned gap of `sz`? Host bridge windows are not
 * checked.
 */
function pbus_upstream_space_available(k: Kernel, bus: PciBus, mask: number, type: number, sz: bigint, align: bigint, win: Resource): boolean {
  if (k.has(C.UPSTREAM_SELECT_13016E15D595)) return pbus_upstream_space_available_v618(k, bus, win, sz, align);
  const downstream = bus;
  for (let b = bus.parent; b; b = b.parent) {
    if (!b.parent) break; // pci_is_root_bus()
    for (const r of b.allResources()) {
      if (!r.parent || (r.flags & mask) !== type) continue;
      if (size(r) >= sz) {
        const gap = { start: 0n, end: 0n, flags: r.flags };
        if (find_resource_space(r, null, gap, sz, { min: 0n, max: 0xffffffffffffffffn, align, alignf: null, removeReservations: arch_remove_reservations })) return true;
      }
      if (b.self) k.pci_info(b.self, 'upstream_cannot_fit', { res: r, res2: b.busnRes, size: sz, name: downstream.self!.name(), res3: downstream.busnRes });
      return false;
    }
  }
  return true;
}

/**
 * The v6.18 form (13016e15d595): each level picks the window for the previous level's window with
 * pbus_select_window(). A window x86 left unclaimed has no flags, so the level above it finds no
 * window for "no type" and the check fails without a word, which relaxes the sizing.
 */
function pbus_upstream_space_available_v618(k: Kernel, bus: PciBus, res: Resource, sz: bigint, align: bigint): boolean {
  const downstream = bus;
  for (let b = bus.parent; b; b = b.parent) {
    if (!b.parent) break; // pci_is_root_bus()
    const win = res.parent ?? pbus_select_window_for_type(k, b, res.flags);
    if (!win) return false;
    res = win;
    if (!res.parent) continue;
    if (size(res) >= sz) {
      const gap = { start: 0n, end: 0n, flags: res.flags };
      if (find_resource_space(res, null, gap, sz, { min: 0n, max: 0xffffffffffffffffn, align, alignf: null, removeReservations: arch_remove_reservations })) return true;
    }
    if (b.self) k.pci_info(b.self, 'upstream_cannot_fit', { res, res2: b.busnRes, size: sz, name: downstream.self!.name(), res3: downstream.busnRes });
    return false;
  }
  return true;
}

/** pbus_size_mem(): returns -ENOSPC when the bridge has no window of this kind. */
const pbus_size_mem = traced('pbus_size_mem', (k: Kernel, bus: PciBus, mask: number, type: number, type2: number, type3: number, minSize: bigint, addSize: bigint, realloc: ResList | null): number => {
  const b = find_bus_resource_of_type(k, bus, mask | IORESOURCE_PREFETCH, type);
  if (!b) return -28;
  if (b.parent) return 0;
  const aligns: bigint[] = new Array(24).fill(0n);
  let maxOrder = 0, sz = 0n, childrenAdd = 0n, addAlign = 0n;
  for (const dev of bus.devices) {
    for (let i = 0; i < PCI_NUM_RESOURCES; i++) {
      const r = dev.resource[i];
      if (r.parent || r.flags & IORESOURCE_PCI_FIXED || ((r.flags & mask) !== type && (r.flags & mask) !== type2 && (r.flags & mask) !== type3)) continue;
      // v6.18 (ff77c5219747, 8278c6914306): the same devices and windows as assignment looks at
      if (k.has(C.WINDOW_STATE_8278C6914306) && (!pdev_resources_assignable(k, dev) || !pdev_resource_assignable(k, dev, r))) continue;
      const rSize = size(r);
      // Optional resources go to the realloc list: before v6.15 with their size moved into the
      // entry (the resource itself shrinks to 0), from 2499f5348431 keeping it (add_size 0).
      if (realloc && pci_resource_is_optional(k, dev, i)) {
        addAlign = maxb(pci_resource_alignment(dev, r), addAlign);
        if (k.has(C.OPTIONAL_RES_2499F5348431)) add_to_list(realloc, dev, r, 0n, 0n);
        else {
          r.end = r.start - 1n;
          add_to_list(realloc, dev, r, rSize, 0n);
        }
        childrenAdd += rSize;
        continue;
      }
      const align = pci_resource_alignment(dev, r);
      let order = ffs(align) - 20;
      if (order < 0) order = 0;
      // aligns[] grew from 24 to 28 orders (512 GB → 128 TB) in 5af473941b56 (v6.15)
      if (order >= (k.has(C.OPTIONAL_RES_2499F5348431) ? 28 : 24)) {
        k.pci_info(dev, 'bad_alignment', { name: pci_resource_name(dev, i), res: r, align });
        r.flags = 0;
        continue;
      }
      sz += maxb(rSize, align);
      if (rSize <= align) aligns[order] += align;
      if (order > maxOrder) maxOrder = order;
      if (realloc) {
        childrenAdd += get_res_add_size(realloc, r);
        addAlign = maxb(addAlign, get_res_add_align(realloc, r));
      }
    }
  }
  const winAlign = window_alignment(b.flags);
  const oldSize = size(b); // the window's size before this sizing changes it
  let minAlign = maxb(calculate_mem_align(aligns, maxOrder), winAlign);
  let size0 = calculate_memsize(sz, minSize, 0n, 0n, oldSize, minAlign);
  const fresh = k.has(C.FRESH_INFO_15C5867B0AE6);
  if (size0) {
    if (fresh) {
      b.start = minAlign;
      b.end = minAlign + size0 - 1n;
    }
    b.flags &= ~IORESOURCE_DISABLED;
  }
  // 566f1dd52816 (v6.11): if the first assigned window upstream cannot take the window at its
  // full alignment, round the tail only to the window granularity. 6e460c3d6110 (v6.18) keeps
  // that from raising the head alignment.
  const relaxedAlign = maxb(1n << BigInt(maxOrder + 20), winAlign);
  const relax = (a: bigint) => (k.has(C.RELAXED_MIN_6E460C3D6110) && a < relaxedAlign ? a : relaxedAlign);
  if (k.has(C.RELAXED_TAIL_566F1DD52816) && bus.self && size0 && !pbus_upstream_space_available(k, bus, mask | IORESOURCE_PREFETCH, type, size0, minAlign, b)) {
    minAlign = relax(minAlign);
    size0 = calculate_memsize(sz, minSize, 0n, 0n, oldSize, winAlign);
    if (fresh) {
      b.start = minAlign;
      b.end = minAlign + size0 - 1n;
    }
    k.pci_info(bus.self, 'relaxed_alignment', { res: b, res2: bus.busnRes });
  }
  let sizeAdd = size0;
  if (realloc && (addSize || childrenAdd)) {
    addAlign = maxb(minAlign, addAlign);
    sizeAdd = calculate_memsize(sz, minSize, addSize, childrenAdd, oldSize, addAlign);
    // 67f9085596ee (v6.15): the same for the size with the optional parts
    if (k.has(C.RELAXED_SIZE1_67F9085596EE) && bus.self && sizeAdd && !pbus_upstream_space_available(k, bus, mask | IORESOURCE_PREFETCH, type, sizeAdd, addAlign, b)) {
      minAlign = relax(minAlign);
      sizeAdd = calculate_memsize(sz, minSize, addSize, childrenAdd, oldSize, winAlign);
      k.pci_info(bus.self, 'relaxed_alignment', { res: b, res2: bus.busnRes });
    }
  }
  if (!size0 && !sizeAdd) {
    if (bus.self && (b.start || b.end)) k.pci_info(bus.self, 'disabling_window', { res: b, res2: bus.busnRes });
    disable_window(k, b);
    return 0;
  }
  b.start = minAlign;
  b.end = size0 + minAlign - 1n;
  b.flags |= IORESOURCE_STARTALIGN;
  if (bus.self && sizeAdd > size0 && realloc) {
    b.flags &= ~IORESOURCE_DISABLED;
    add_to_list(realloc, bus.self, b, sizeAdd - size0, addAlign);
    k.pci_info(bus.self, 'window_add_size_align', { res: b, res2: bus.busnRes, add: sizeAdd - size0, align: addAlign });
  }
  return 0;
});

/** __pci_bus_size_bridges(): children first; root buses are not sized (no size_windows on x86). */
const __pci_bus_size_bridges = traced('__pci_bus_size_bridges', (k: Kernel, bus: PciBus, realloc: ResList | null): void => {
  for (const dev of bus.devices) {
    if (!dev.subordinate) continue;
    if (dev.hdrType === R.PCI_HEADER_TYPE_CARDBUS) throw new NotModelledError(`${dev.name()}: CardBus bridge sizing is not modelled`);
    __pci_bus_size_bridges(k, dev.subordinate, realloc);
  }
  if (!bus.self) return;
  const pref = bus.self.resource[PCI_BRIDGE_RESOURCES + 2];
  let addIo = 0n, addMmio = 0n, addPref = 0n;
  pci_bridge_check_ranges(bus);
  if (bus.self.isHotplugBridge) {
    addIo = PCI_HOTPLUG_IO_SIZE;
    addMmio = PCI_HOTPLUG_MMIO_SIZE;
    addPref = PCI_HOTPLUG_MMIO_PREF_SIZE;
  }
  pbus_size_io(k, bus, realloc ? 0n : addIo, addIo, realloc);
  let mask = IORESOURCE_MEM;
  let prefmask = IORESOURCE_MEM | IORESOURCE_PREFETCH;
  let type2 = 0, type3 = 0;
  if (pref.flags & IORESOURCE_MEM_64) {
    prefmask |= IORESOURCE_MEM_64;
    if (pbus_size_mem(k, bus, prefmask, prefmask, prefmask, prefmask, realloc ? 0n : addPref, addPref, realloc) === 0) {
      mask = prefmask;
      type2 = prefmask & ~IORESOURCE_MEM_64;
      type3 = prefmask & ~IORESOURCE_PREFETCH;
    }
  }
  if (!type2) {
    prefmask &= ~IORESOURCE_MEM_64;
    if (pbus_size_mem(k, bus, prefmask, prefmask, prefmask, prefmask, realloc ? 0n : addPref, addPref, realloc) === 0) mask = prefmask;
    // ae88d0b9c57f (v6.18): a bridge without a prefetchable window no longer adds the
    // prefetchable hotplug reserve to its memory window
    else if (!k.has(C.SELECT_WINDOW_AE88D0B9C57F)) addMmio += addPref;
    type2 = type3 = IORESOURCE_MEM;
  }
  pbus_size_mem(k, bus, mask, IORESOURCE_MEM, type2, type3, realloc ? 0n : addMmio, addMmio, realloc);
});

// ---- distributing spare window space to hotplug bridges ---------------------------------------

interface Avail { start: bigint; end: bigint; flags: number }

function adjust_bridge_window(res: Resource, addList: ResList | null, newSize: bigint): void {
  if (res.parent || !newSize) return;
  if (newSize === size(res)) return;
  res.end = res.start + newSize - 1n;
  if (addList) remove_from_list(addList, res);
}

function remove_dev_resource(avail: Avail, dev: PciDev, res: Resource): void {
  const sz = size(res);
  if (sz <= 0n) return;
  const a = pci_resource_alignment(dev, res);
  const pad = a ? alignUp(avail.start, a) - avail.start : 0n;
  const next = avail.start + pad + sz;
  avail.start = next < avail.end + 1n ? next : avail.end + 1n;
}

function remove_dev_resources(dev: PciDev, io: Avail, mmio: Avail, pref: Avail): void {
  for (const r of dev.resource) {
    const t = r.flags & 0x1f00;
    if (t === IORESOURCE_IO) remove_dev_resource(io, dev, r);
    else if (t === IORESOURCE_MEM) {
      if (r.flags & IORESOURCE_PREFETCH && (r.flags & IORESOURCE_MEM_64) === (pref.flags & IORESOURCE_MEM_64)) remove_dev_resource(pref, dev, r);
      else remove_dev_resource(mmio, dev, r);
    }
  }
}

const bridgesOn = (bus: PciBus) => bus.devices.filter((d) => d.hdrType === R.PCI_HEADER_TYPE_BRIDGE || d.hdrType === R.PCI_HEADER_TYPE_CARDBUS);

function pci_bus_distribute_available_resources(bus: PciBus, addList: ResList | null, io: Avail, mmio: Avail, pref: Avail): void {
  const bridge = bus.self!;
  const ioRes = bridge.resource[PCI_BRIDGE_RESOURCES], mmioRes = bridge.resource[PCI_BRIDGE_RESOURCES + 1], prefRes = bridge.resource[PCI_BRIDGE_RESOURCES + 2];
  for (const [a, r] of [[io, ioRes], [mmio, mmioRes], [pref, prefRes]] as const) {
    const align = pci_resource_alignment(bridge, r);
    if (!r.parent && align) {
      const s = alignUp(a.start, align);
      a.start = s < a.end + 1n ? s : a.end + 1n;
    }
  }
  adjust_bridge_window(ioRes, addList, size(io));
  adjust_bridge_window(mmioRes, addList, size(mmio));
  adjust_bridge_window(prefRes, addList, size(pref));
  const bridges = bridgesOn(bus);
  const hotplug = bridges.filter((d) => d.isHotplugBridge).length;
  const normal = bridges.length - hotplug;
  if (!bridges.length) return;
  for (const dev of bus.devices) remove_dev_resources(dev, io, mmio, pref);
  const n = BigInt(hotplug || normal);
  const ioPer = size(io) / n, mmioPer = size(mmio) / n, prefPer = size(pref) / n;
  for (const dev of bridges) {
    const b = dev.subordinate;
    if (!b || (hotplug && !dev.isHotplugBridge)) continue;
    const step = (a: Avail, per: bigint, res: Resource) => {
      const al = pci_resource_alignment(dev, res);
      a.end = al ? a.start + (per & ~(al - 1n)) - 1n : a.start + per - 1n;
      a.start -= size(res);
    };
    step(io, ioPer, dev.resource[PCI_BRIDGE_RESOURCES]);
    step(mmio, mmioPer, dev.resource[PCI_BRIDGE_RESOURCES + 1]);
    step(pref, prefPer, dev.resource[PCI_BRIDGE_RESOURCES + 2]);
    pci_bus_distribute_available_resources(b, addList, { ...io }, { ...mmio }, { ...pref });
    io.start += io.end + 1n;
    mmio.start += mmio.end + 1n;
    pref.start += pref.end + 1n;
  }
}

function pci_bridge_resources_not_assigned(dev: PciDev): boolean {
  for (let i = 0; i < 3; i++) {
    const r = dev.resource[PCI_BRIDGE_RESOURCES + i];
    if (r.flags && !(r.flags & IORESOURCE_STARTALIGN)) return false;
  }
  return true;
}

const pci_root_bus_distribute_available_resources = traced('pci_root_bus_distribute_available_resources', (k: Kernel, bus: PciBus, addList: ResList | null): void => {
  for (const dev of bridgesOn(bus)) {
    const b = dev.subordinate;
    if (!b) continue;
    if (bus.self && pci_bridge_resources_not_assigned(dev)) {
      if (!dev.isHotplugBridge) continue; // pci_bridge_distribute_available_resources()
      const w = (i: number) => ({ start: dev.resource[PCI_BRIDGE_RESOURCES + i].start, end: dev.resource[PCI_BRIDGE_RESOURCES + i].end, flags: dev.resource[PCI_BRIDGE_RESOURCES + i].flags });
      pci_bus_distribute_available_resources(b, addList, w(0), w(1), w(2));
    } else {
      pci_root_bus_distribute_available_resources(k, b, addList);
    }
  }
});

// ---- assignment across the hierarchy ----------------------------------------------------------

/** __pci_bus_assign_resources(): this bus's devices first, then each child bus, then its bridge. */
const __pci_bus_assign_resources = traced('__pci_bus_assign_resources', (k: Kernel, bus: PciBus, realloc: ResList | null, fail: ResList | null): void => {
  pbus_assign_resources_sorted(k, bus, realloc, fail);
  for (const dev of bus.devices) {
    const b = dev.subordinate;
    if (!b) continue;
    __pci_bus_assign_resources(k, b, realloc, fail);
    if (dev.hdrType === R.PCI_HEADER_TYPE_BRIDGE) {
      if (dev.enableCnt === 0) pci_setup_bridge(k, b);
    } else k.pci_info(dev, 'not_setting_up_bridge', { domain: b.domain, bus: b.number });
  }
});

// ---- release (pci=realloc retries) ------------------------------------------------------------

/** pci_bridge_release_resources(): give back one window, keeping its size, and disable it. */
const pci_bridge_release_resources = traced('pci_bridge_release_resources', (k: Kernel, bus: PciBus, type: number): void => {
  const dev = bus.self!;
  const b = dev.resource;
  const w = (i: number) => b[PCI_BRIDGE_RESOURCES + i];
  let idx: number;
  if (type & IORESOURCE_IO) idx = 0;
  else if (!(type & IORESOURCE_PREFETCH)) idx = 1;
  else if (type & IORESOURCE_MEM_64 && w(2).flags & IORESOURCE_MEM_64) idx = 2;
  else if (!(w(2).flags & IORESOURCE_MEM_64) && w(2).flags & IORESOURCE_PREFETCH) idx = 2;
  else idx = 1;
  const r = w(idx);
  if (!r.parent) return;
  release_child_resources(r, (child) => k.pr_info('release_child_resource', { res: child }));
  release_resource(r);
  const oldFlags = r.flags & PCI_RES_TYPE_MASK;
  let t = oldFlags;
  k.pci_info(dev, 'resource_released', { idx: PCI_BRIDGE_RESOURCES + idx, res: r });
  r.end = size(r) - 1n;
  r.start = 0n;
  r.flags = 0;
  // Avoiding touch the one without PREF
  if (t & IORESOURCE_PREFETCH) t = IORESOURCE_PREFETCH;
  __pci_setup_bridge(k, bus, t);
  r.flags = oldFlags;
});

/**
 * pci_bridge_release_resources() of v6.18 (3baeae36039a, ebbebd8873c4): release one window through
 * pci_release_resource() ("…: releasing") and program just that window, disabled.
 */
const pci_bridge_release_window = traced('pci_bridge_release_resources', (k: Kernel, bus: PciBus, win: Resource): void => {
  const dev = bus.self!;
  if (!win.parent) return;
  const idx = idxOf(dev, win);
  release_child_resources(win, (child) => k.pr_info('release_child_resource', { res: child }));
  pci_release_resource(k, dev, idx);
  pci_setup_one_bridge_window(k, dev, idx);
});

/** pci_setup_one_bridge_window() (ebbebd8873c4) */
function pci_setup_one_bridge_window(k: Kernel, bridge: PciDev, idx: number): void {
  if (idx === PCI_BRIDGE_RESOURCES) pci_setup_bridge_io(k, bridge);
  else if (idx === PCI_BRIDGE_RESOURCES + 1) pci_setup_bridge_mmio(k, bridge);
  else if (idx === PCI_BRIDGE_RESOURCES + 2) pci_setup_bridge_mmio_pref(k, bridge);
}

/** pbus_select_window_for_type() (74afce3dfcba, v6.18): the window a resource of this type goes to. */
function pbus_select_window_for_type(k: Kernel, bus: PciBus, flags: number): Resource | null {
  const ioresType = flags & 0x1f00;
  let type = flags & PCI_RES_TYPE_MASK;
  if (ioresType !== IORESOURCE_IO && ioresType !== IORESOURCE_MEM) return null;
  if (!bus.self) {
    const win = find_bus_resource_of_type(k, bus, type, type);
    if (win) return win;
    type &= ~IORESOURCE_MEM_64;
    return find_bus_resource_of_type(k, bus, type, type) ?? find_bus_resource_of_type(k, bus, type & ~IORESOURCE_PREFETCH, type & ~IORESOURCE_PREFETCH);
  }
  if (ioresType === IORESOURCE_IO) return bus.resource[0];
  const mmio = bus.resource[1], pref = bus.resource[2];
  if (!(type & IORESOURCE_PREFETCH) || !pref || !(pref.flags & IORESOURCE_MEM)) return mmio;
  if (type & IORESOURCE_MEM_64 || !(pref.flags & IORESOURCE_MEM_64)) return pref;
  return mmio;
}

/** pci_bus_release_bridge_resources() of v6.18 (159fbfd0412b, 43b4f7cd064b): by window, not by type. */
function pci_bus_release_bridge_window(k: Kernel, bus: PciBus, win: Resource, wholeSubtree: boolean): void {
  let leaf = true;
  for (const dev of bus.devices) {
    const b = dev.subordinate;
    if (!b) continue;
    leaf = false;
    if (dev.class >> 8 !== 0x0604 || !wholeSubtree) continue;
    for (const res of b.allResources()) if (res.parent === win) pci_bus_release_bridge_window(k, b, res, true);
  }
  if (!bus.self) return;
  if (bus.self.class >> 8 !== 0x0604) return;
  if (wholeSubtree || leaf) pci_bridge_release_window(k, bus, win);
}

/** pci_bus_release_bridge_resources(): children first; leaf_only releases only leaf bridges. */
function pci_bus_release_bridge_resources(k: Kernel, bus: PciBus, type: number, wholeSubtree: boolean): void {
  let leaf = true;
  for (const dev of bus.devices) {
    const b = dev.subordinate;
    if (!b) continue;
    leaf = false;
    if (dev.class >> 8 !== 0x0604) continue;
    if (wholeSubtree) pci_bus_release_bridge_resources(k, b, type, true);
  }
  if (!bus.self) return;
  if (bus.self.class >> 8 !== 0x0604) return;
  if (wholeSubtree || leaf) pci_bridge_release_resources(k, bus, type);
}

/** pci_bus_dump_resources(): "resource N [...]" for every bus, depth first. */
const pci_bus_dump_resources = traced('pci_bus_dump_resources', (k: Kernel, bus: PciBus): void => {
  const list: Array<Resource | null> = [...bus.resource, ...bus.rootResources];
  list.forEach((res, i) => {
    if (!res || !res.end || !res.flags) return;
    k.pci_bus_info(bus, 'bus_resource', { idx: i, res });
  });
  for (const dev of bus.devices) if (dev.subordinate) pci_bus_dump_resources(k, dev.subordinate);
});

type EnableType = 'undefined' | 'user_disabled' | 'auto_disabled' | 'user_enabled' | 'auto_enabled';

/**
 * pci_realloc_detect(): pci=realloc / pci=realloc=off decide; without either, and with
 * CONFIG_PCI_REALLOC_ENABLE_AUTO, a VF BAR firmware left at 0 turns realloc on.
 */
function pci_realloc_detect(k: Kernel, bus: PciBus): EnableType {
  const local: EnableType = k.cmdline.realloc === true ? 'user_enabled' : k.cmdline.realloc === false ? 'user_disabled' : 'undefined';
  if (!k.kconfig.PCI_IOV || !k.kconfig.PCI_REALLOC_ENABLE_AUTO || local !== 'undefined') return local;
  return iov_resources_unassigned(bus) ? 'auto_enabled' : local;
}

function pci_bus_get_depth(bus: PciBus): number {
  let depth = 0;
  for (const c of bus.children) depth = Math.max(depth, pci_bus_get_depth(c) + 1);
  return depth;
}

/**
 * pci_assign_unassigned_root_bus_resources(). Without pci=realloc there is one try, with the
 * optional sizes. With it, max depth + 1 tries: all but the last without optional sizes; after a
 * failing try the windows above the failures are released (leaf bridges on the 2nd try, whole
 * subtrees from the 3rd) and everything is sized again.
 */
export const pci_assign_unassigned_root_bus_resources = traced('pci_assign_unassigned_root_bus_resources', (k: Kernel, bus: PciBus): void => {
  const realloc: ResList = [];
  let addList: ResList | null = null;
  let tried = 0;
  let wholeSubtree = false;
  let fail: ResList = [];
  let tryNum = 1;
  const mode = pci_realloc_detect(k, bus);
  const enabled = mode === 'user_enabled' || mode === 'auto_enabled';
  if (enabled) {
    const depth = pci_bus_get_depth(bus);
    tryNum = depth + 1;
    k.pci_bus_info(bus, 'max_bus_depth', { depth, num: tryNum });
  }
  for (;;) {
    if (tried + 1 === tryNum) addList = realloc;
    __pci_bus_size_bridges(k, bus, addList);
    pci_root_bus_distribute_available_resources(k, bus, addList);
    __pci_bus_assign_resources(k, bus, addList, fail);
    tried++;
    if (!fail.length) break;
    if (tried >= tryNum) {
      if (mode === 'undefined') k.pci_bus_info(bus, 'try_realloc');
      else if (mode === 'auto_enabled') k.pci_bus_info(bus, 'auto_realloc');
      fail = [];
      break;
    }
    // ca9097f9ce03 (v6.15) moved this into pci_prepare_next_assign_round() as a pr_info
    if (k.has(C.NEXT_ROUND_CA9097F9CE03)) k.pr_info('no_try_pci', { n: tried + 1 });
    else k.pci_bus_info(bus, 'no_try', { n: tried + 1 });
    if (tried + 1 > 2) wholeSubtree = true;
    // pci_prepare_next_assign_round()
    if (k.has(C.RELEASE_3BAEAE36039A)) {
      for (const f of fail) {
        const win = pbus_select_window_for_type(k, f.dev.bus, f.flags);
        if (win) pci_bus_release_bridge_window(k, f.dev.bus, win, wholeSubtree);
      }
    } else {
      for (const f of fail) pci_bus_release_bridge_resources(k, f.dev.bus, f.flags & PCI_RES_TYPE_MASK, wholeSubtree);
    }
    for (const f of fail) {
      restore_dev_resource(f);
      // before 8278c6914306 (v6.18) a failed bridge window lost its flags until sized again
      if (!k.has(C.WINDOW_STATE_8278C6914306) && f.dev.isBridge() && isWindow(idxOf(f.dev, f.res))) f.res.flags = 0;
    }
    fail = [];
  }
  pci_bus_dump_resources(k, bus);
});

/** pci_assign_unassigned_resources() */
export const pci_assign_unassigned_resources = traced('pci_assign_unassigned_resources', (k: Kernel): void => {
  for (const bus of k.roots) pci_assign_unassigned_root_bus_resources(k, bus);
});
