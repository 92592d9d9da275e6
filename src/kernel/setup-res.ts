// drivers/pci/setup-res.c: writing BARs, claiming firmware assignments, assigning new ones.
import * as R from '../hw/regs';
import { pci_read_config_dword, pci_read_config_word, pci_write_config_dword, pci_write_config_word } from './access';
import * as C from './commits';
import { Kernel, traced } from './kernel';
import { pci_find_parent_resource, pci_resource_name } from './pci';
import {
  IORESOURCE_DISABLED, IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PCI_FIXED, IORESOURCE_PREFETCH, IORESOURCE_ROM_ENABLE,
  IORESOURCE_ROM_SHADOW, IORESOURCE_SIZEALIGN, IORESOURCE_STARTALIGN, IORESOURCE_UNSET, Resource, allocate_resource, release_resource, request_resource_conflict,
} from './resource';
import { PCI_BRIDGE_RESOURCES, PCI_ROM_RESOURCE, PciBus, PciDev } from './types';
import { pci_iov_update_resource, pci_resource_is_iov, pci_sriov_resource_alignment } from './iov';
import { pcibios_align_resource, arch_remove_reservations } from './arch/x86/i386';

/**
 * pci_std_update_resource(): program one BAR from its resource. 64-bit BARs cannot be written
 * atomically, so memory decode is turned off around the two writes.
 *
 * 909f7bf9b080 "PCI: Update saved_config_space upon resource assignment": each dword written is
 * also stored in saved_config_space, so a later pci_restore_state() cannot bring back what
 * firmware had there.
 */
export const pci_std_update_resource = traced('pci_std_update_resource', (k: Kernel, dev: PciDev, resno: number): void => {
  const res = dev.resource[resno];
  const name = pci_resource_name(dev, resno);
  if (!res.flags || res.flags & IORESOURCE_UNSET || res.flags & IORESOURCE_PCI_FIXED) return;
  const start = res.start; // pcibios_resource_to_bus(): no offset on x86
  let newLo = Number(start & 0xffffffffn);
  let mask: number;
  if (res.flags & IORESOURCE_IO) {
    mask = R.PCI_BASE_ADDRESS_IO_MASK;
    newLo |= res.flags & ~R.PCI_BASE_ADDRESS_IO_MASK & 0x3;
  } else if (resno === PCI_ROM_RESOURCE) {
    mask = R.PCI_ROM_ADDRESS_MASK;
  } else {
    mask = R.PCI_BASE_ADDRESS_MEM_MASK;
    newLo |= res.flags & 0xf;
  }
  let reg: number;
  if (resno < PCI_ROM_RESOURCE) {
    reg = R.PCI_BASE_ADDRESS_0 + 4 * resno;
  } else if (resno === PCI_ROM_RESOURCE) {
    // Some Matrox devices have ROM BARs that read as zero when disabled, so don't update ROM
    // BARs unless they're enabled (https://lore.kernel.org/r/43147B3D.1030309@vc.cvut.cz/).
    if (!(res.flags & IORESOURCE_ROM_ENABLE)) return;
    reg = dev.romBaseReg;
    newLo |= R.PCI_ROM_ADDRESS_ENABLE;
  } else return;
  newLo >>>= 0;
  const disable = (res.flags & IORESOURCE_MEM_64) !== 0 && !dev.mmioAlwaysOn;
  let cmd = 0;
  if (disable) {
    cmd = pci_read_config_word(k, dev, R.PCI_COMMAND);
    pci_write_config_word(k, dev, R.PCI_COMMAND, cmd & ~R.PCI_COMMAND_MEMORY);
  }
  pci_write_config_dword(k, dev, reg, newLo);
  if (k.has(C.FIX_909F7BF9B080)) k.setSaved(dev, reg / 4, newLo);
  const check = pci_read_config_dword(k, dev, reg);
  if (((newLo ^ check) & mask) >>> 0) k.pci_info(dev, 'update_error', { name, idx: resno, new: newLo, check });
  if (res.flags & IORESOURCE_MEM_64) {
    const newHi = Number(start >> 32n);
    pci_write_config_dword(k, dev, reg + 4, newHi);
    if (k.has(C.FIX_909F7BF9B080)) k.setSaved(dev, (reg + 4) / 4, newHi);
    const checkHi = pci_read_config_dword(k, dev, reg + 4);
    if (checkHi !== newHi) k.pci_info(dev, 'update_error_high', { name, idx: resno, new: newHi, check: checkHi });
  }
  if (disable) pci_write_config_word(k, dev, R.PCI_COMMAND, cmd);
});

/** pci_update_resource(): standard BARs and ROM, or a VF BAR of an SR-IOV PF. */
export const pci_update_resource = traced('pci_update_resource', (k: Kernel, dev: PciDev, resno: number): void => {
  if (resno <= PCI_ROM_RESOURCE) pci_std_update_resource(k, dev, resno);
  else if (pci_resource_is_iov(resno)) pci_iov_update_resource(k, dev, resno);
});

/** pci_claim_resource(): insert a firmware-assigned BAR into its parent window. */
export const pci_claim_resource = traced('pci_claim_resource', (k: Kernel, dev: PciDev, resno: number): number => {
  const res = dev.resource[resno];
  const name = pci_resource_name(dev, resno);
  if (res.flags & IORESOURCE_UNSET) {
    k.pci_info(dev, 'claim_no_address', { name, idx: resno, res });
    return -22;
  }
  // A ROM shadowed in system RAM is not a BAR resource to claim.
  if (res.flags & IORESOURCE_ROM_SHADOW) return 0;
  const root = pci_find_parent_resource(dev, res);
  if (!root) {
    k.pci_info(dev, 'claim_no_window', { name, idx: resno, res });
    res.flags |= IORESOURCE_UNSET;
    return -22;
  }
  const conflict = request_resource_conflict(root, res);
  if (conflict) {
    k.pci_info(dev, 'claim_conflict', { name, idx: resno, res, name2: conflict.name, res2: conflict });
    res.flags |= IORESOURCE_UNSET;
    return -16;
  }
  return 0;
});

/** pci_claim_bridge_resource(): claim a bridge window (clipping is not modelled). */
export const pci_claim_bridge_resource = traced('pci_claim_bridge_resource', (k: Kernel, bridge: PciDev, i: number): number => {
  if (i < PCI_BRIDGE_RESOURCES || i > PCI_BRIDGE_RESOURCES + 3) return 0;
  if (pci_claim_resource(k, bridge, i) === 0) return 0;
  return -22;
});

/**
 * pci_resource_alignment() → resource_alignment(): BARs are size-aligned (IORESOURCE_SIZEALIGN),
 * bridge windows being sized carry their alignment in `start` (IORESOURCE_STARTALIGN); anything
 * else has no alignment (0). A VF BAR is aligned to its per-VF size (pci_sriov_resource_alignment()).
 * CardBus alignment is not modelled.
 */
export function pci_resource_alignment(dev: PciDev, res: Resource): bigint {
  const resno = dev.resource.indexOf(res);
  if (pci_resource_is_iov(resno)) return pci_sriov_resource_alignment(dev, resno);
  switch (res.flags & (IORESOURCE_SIZEALIGN | IORESOURCE_STARTALIGN)) {
    case IORESOURCE_SIZEALIGN:
      return res.end - res.start + 1n;
    case IORESOURCE_STARTALIGN:
      return res.start;
    default:
      return 0n;
  }
}

const PCIBIOS_MIN_IO = 0x1000n;

interface Region { start: bigint; end: bigint }
const pci_32_bit: Region = { start: 0n, end: 0xffffffffn };
const pci_64_bit: Region = { start: 0n, end: 0xffffffffffffffffn };
const pci_high: Region = { start: 0x100000000n, end: 0xffffffffffffffffn };

/** pci_bus_alloc_from_region(): try every bus window of a compatible type, clipped to `region`. */
function pci_bus_alloc_from_region(k: Kernel, bus: PciBus, res: Resource, size: bigint, align: bigint, min: bigint, typeMask: number, dev: PciDev, region: Region): number {
  const tm = typeMask | 0x1f00; // IORESOURCE_TYPE_BITS
  for (const r of bus.allResources()) {
    if (!r.flags) continue;
    // 8278c6914306 (v6.18): failed and unused windows keep their type, marked unset or disabled
    if (k.has(C.WINDOW_STATE_8278C6914306) && r.flags & (IORESOURCE_UNSET | IORESOURCE_DISABLED)) continue;
    if ((res.flags ^ r.flags) & tm) continue;
    // We cannot allocate a non-prefetching resource from a pre-fetching area.
    if (r.flags & IORESOURCE_PREFETCH && !(res.flags & IORESOURCE_PREFETCH)) continue;
    // pci_clip_resource_to_region(): an empty clip keeps start and sets end = start - 1
    let avStart = r.start > region.start ? r.start : region.start;
    let avEnd = r.end < region.end ? r.end : region.end;
    if (avEnd < avStart) {
      avStart = r.start;
      avEnd = r.start - 1n;
    }
    // "min" protects badly documented motherboard resources, but an already-configured bridge
    // window's start overrides it.
    const minUsed = avStart ? avStart : min;
    if (avEnd >= minUsed - 1n && size > avEnd - minUsed + 1n) continue;
    const ret = allocate_resource(r, res, size, {
      min: minUsed, max: avEnd, align,
      alignf: (avail, sz, al) => pcibios_align_resource(dev, avail, sz, al),
      removeReservations: (t) => arch_remove_reservations(t),
    });
    if (ret === 0) return 0;
  }
  void k;
  return -16;
}

/** pci_bus_alloc_resource(): 64-bit BARs try above 4 GiB first, then anywhere. */
function pci_bus_alloc_resource(k: Kernel, bus: PciBus, res: Resource, size: bigint, align: bigint, min: bigint, typeMask: number, dev: PciDev): number {
  if (res.flags & IORESOURCE_MEM_64) {
    if (pci_bus_alloc_from_region(k, bus, res, size, align, min, typeMask, dev, pci_high) === 0) return 0;
    return pci_bus_alloc_from_region(k, bus, res, size, align, min, typeMask, dev, pci_64_bit);
  }
  return pci_bus_alloc_from_region(k, bus, res, size, align, min, typeMask, dev, pci_32_bit);
}

/** __pci_assign_resource(): pref+64 windows first, then pref, then any. */
function __pci_assign_resource(k: Kernel, bus: PciBus, dev: PciDev, resno: number, size: bigint, align: bigint): number {
  const res = dev.resource[resno];
  const min = res.flags & IORESOURCE_IO ? PCIBIOS_MIN_IO : k.machine.pciMemStart;
  let ret = pci_bus_alloc_resource(k, bus, res, size, align, min, IORESOURCE_PREFETCH | IORESOURCE_MEM_64, dev);
  if (ret === 0) return 0;
  if ((res.flags & (IORESOURCE_PREFETCH | IORESOURCE_MEM_64)) === (IORESOURCE_PREFETCH | IORESOURCE_MEM_64)) {
    ret = pci_bus_alloc_resource(k, bus, res, size, align, min, IORESOURCE_PREFETCH, dev);
    if (ret === 0) return 0;
  }
  if (res.flags & (IORESOURCE_PREFETCH | IORESOURCE_MEM_64)) ret = pci_bus_alloc_resource(k, bus, res, size, align, min, 0, dev);
  return ret;
}

/** _pci_assign_resource(): on failure, climb through transparent bridges. */
function _pci_assign_resource(k: Kernel, dev: PciDev, resno: number, size: bigint, align: bigint): number {
  let bus = dev.bus;
  let ret: number;
  while ((ret = __pci_assign_resource(k, bus, dev, resno, size, align)) !== 0) {
    if (!bus.parent || !bus.self?.transparent) break;
    bus = bus.parent;
  }
  return ret;
}

/** pci_revert_fw_address(): fall back to where firmware had put the BAR, if a window still allows it. */
const pci_revert_fw_address = traced('pci_revert_fw_address', (k: Kernel, dev: PciDev, resno: number, size: bigint): number => {
  const res = dev.resource[resno];
  const fw = dev.fwAddr.get(resno); // pcibios_retrieve_fw_addr()
  if (!fw) return -12; // -ENOMEM
  const start = res.start, end = res.end;
  res.start = fw;
  res.end = fw + size - 1n;
  res.flags &= ~IORESOURCE_UNSET;
  let root = pci_find_parent_resource(dev, res);
  if (!root) {
    // Behind a bridge, accesses only reach the device inside the bridge's window.
    if (dev.bus.self) return -6; // -ENXIO
    // On the root bus, assume the host bridge will forward everything.
    root = res.flags & IORESOURCE_IO ? k.ioportResource : k.iomemResource;
  }
  k.pci_info(dev, 'revert_fw_address', { name: pci_resource_name(dev, resno), idx: resno, res });
  const conflict = request_resource_conflict(root, res);
  if (conflict) {
    k.pci_info(dev, 'revert_conflict', { name: pci_resource_name(dev, resno), res, name2: conflict.name, res2: conflict });
    res.start = start;
    res.end = end;
    res.flags |= IORESOURCE_UNSET;
    return -16;
  }
  return 0;
});

/** pci_reassign_resource(): grow an assigned resource by `addsize` (the optional part). */
export const pci_reassign_resource = traced('pci_reassign_resource', (k: Kernel, dev: PciDev, resno: number, addsize: bigint, minAlign: bigint): number => {
  const res = dev.resource[resno];
  const name = pci_resource_name(dev, resno);
  if (res.flags & IORESOURCE_PCI_FIXED) return 0;
  const flags = res.flags;
  res.flags |= IORESOURCE_UNSET;
  if (!res.parent) {
    k.pci_info(dev, 'reassign_unassigned', { name, res });
    return -22;
  }
  const newSize = res.end - res.start + 1n + addsize;
  const ret = _pci_assign_resource(k, dev, resno, newSize, minAlign);
  if (ret) {
    res.flags = flags;
    k.pci_info(dev, 'expand_failed', { name, res, add: addsize });
    return ret;
  }
  res.flags &= ~(IORESOURCE_UNSET | IORESOURCE_STARTALIGN);
  k.pci_info(dev, 'reassigned', { name, res, add: addsize });
  if (resno < PCI_BRIDGE_RESOURCES) pci_update_resource(k, dev, resno);
  return 0;
});

/** pci_assign_resource() */
export const pci_assign_resource = traced('pci_assign_resource', (k: Kernel, dev: PciDev, resno: number): number => {
  const res = dev.resource[resno];
  const name = pci_resource_name(dev, resno);
  if (res.flags & IORESOURCE_PCI_FIXED) return 0;
  res.flags |= IORESOURCE_UNSET;
  const align = pci_resource_alignment(dev, res);
  if (!align) {
    k.pci_info(dev, 'assign_bogus_alignment', { name, idx: resno, res });
    return -22;
  }
  const size = res.end - res.start + 1n;
  let ret = _pci_assign_resource(k, dev, resno, size, align);
  // If we failed to assign anything, try the address where firmware left it: that at least has a
  // chance of working, which is better than just leaving it disabled.
  if (ret < 0) {
    k.pci_info(dev, 'assign_no_space', { name, idx: resno, res });
    ret = pci_revert_fw_address(k, dev, resno, size);
  }
  if (ret < 0) {
    k.pci_info(dev, 'assign_failed', { name, idx: resno, res });
    return ret;
  }
  res.flags &= ~(IORESOURCE_UNSET | IORESOURCE_STARTALIGN);
  k.pci_info(dev, 'assigned', { name, idx: resno, res });
  if (resno < PCI_BRIDGE_RESOURCES) pci_update_resource(k, dev, resno);
  return 0;
});

export { IORESOURCE_MEM };

/**
 * pci_release_resource(): give an assigned resource back, keeping its size (start 0, unset). Prints
 * only when there was something to release (e4cb29386ffc, v6.15).
 */
export const pci_release_resource = traced('pci_release_resource', (k: Kernel, dev: PciDev, resno: number): number => {
  const res = dev.resource[resno];
  if (!res.parent) return 0;
  k.pci_info(dev, 'releasing', { name: pci_resource_name(dev, resno), res });
  release_resource(res);
  res.end = res.end - res.start;
  res.start = 0n;
  res.flags |= IORESOURCE_UNSET;
  return 0;
});
