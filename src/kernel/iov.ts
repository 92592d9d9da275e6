// drivers/pci/iov.c: the SR-IOV capability of a Physical Function, as enumeration and resource
// assignment see it. VF BARs become resources PCI_IOV_RESOURCES..+5 of the PF, each covering
// TotalVFs copies of the per-VF BAR; they are sized into bridge windows as optional resources
// (setup-bus.c) and written back by pci_iov_update_resource(). Creating the VFs themselves
// (sriov_enable(), pci_iov_add_virtfn()) is not modelled: no driver here enables SR-IOV.
import * as R from '../hw/regs';
import { pci_read_config_byte, pci_read_config_dword, pci_read_config_word, pci_write_config_dword, pci_write_config_word } from './access';
import * as C from './commits';
import { Kernel, traced } from './kernel';
import { pci_find_ext_capability, pci_resource_name } from './pci';
import { __pci_read_base, __pci_size_bars } from './probe';
import { IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PCI_FIXED, IORESOURCE_UNSET } from './resource';
import { PCI_IOV_RESOURCES, PciBus, PciDev } from './types';
import { pci_lu_adopt } from './liveupdate';

/** struct pci_sriov, the fields the model uses */
export interface PciSriov {
  pos: number;
  nres: number;
  ctrl: number;
  totalVFs: number;
  numVFs: number;
  offset: number;
  stride: number;
  vfDevice: number;
  pgsz: number;
  /** per-VF size of each VF BAR */
  barsz: bigint[];
  maxVFBuses: number;
}

/** x86 PAGE_SHIFT */
const PAGE_SHIFT = 12;
const PAGE_SIZE = 1n << BigInt(PAGE_SHIFT);

export function pci_resource_is_iov(resno: number): boolean {
  return resno >= PCI_IOV_RESOURCES && resno < PCI_IOV_RESOURCES + R.PCI_SRIOV_NUM_BARS;
}

/** pci_iov_set_numvfs(): write NumVFs, then read back the offset and stride it implies. */
const pci_iov_set_numvfs = traced('pci_iov_set_numvfs', (k: Kernel, dev: PciDev, nrVirtfn: number): void => {
  const iov = dev.sriov!;
  if (!pci_lu_adopt(k, dev, { what: `SR-IOV NumVFs = ${nrVirtfn}`, off: iov.pos + R.PCI_SRIOV_NUM_VF, width: 2, value: nrVirtfn }))
    pci_write_config_word(k, dev, iov.pos + R.PCI_SRIOV_NUM_VF, nrVirtfn);
  iov.offset = pci_read_config_word(k, dev, iov.pos + R.PCI_SRIOV_VF_OFFSET);
  iov.stride = pci_read_config_word(k, dev, iov.pos + R.PCI_SRIOV_VF_STRIDE);
});

/** pci_iov_virtfn_bus() */
function pci_iov_virtfn_bus(dev: PciDev, vfId: number): number {
  const iov = dev.sriov!;
  return dev.bus.number + ((dev.devfn + iov.offset + iov.stride * vfId) >> 8);
}

/** compute_max_vf_buses(): the highest bus number any VF would use, NumVFs = TotalVFs .. 1. */
const compute_max_vf_buses = traced('compute_max_vf_buses', (k: Kernel, dev: PciDev): number => {
  const iov = dev.sriov!;
  let rc = 0;
  for (let nr = iov.totalVFs; nr; nr--) {
    pci_iov_set_numvfs(k, dev, nr);
    if (!iov.offset || (nr > 1 && !iov.stride)) {
      rc = -5; // -EIO
      break;
    }
    const busnr = pci_iov_virtfn_bus(dev, nr - 1);
    if (busnr > iov.maxVFBuses) iov.maxVFBuses = busnr;
  }
  pci_iov_set_numvfs(k, dev, 0);
  return rc;
});

/**
 * sriov_init(): disable VFs firmware left enabled, pick the smallest supported page size, size
 * the VF BARs (per-BAR in __pci_read_base() before 4453f360862e, in one batch after it) and
 * stretch each VF BAR resource to TotalVFs copies.
 */
const sriov_init = traced('sriov_init', (k: Kernel, dev: PciDev, pos: number): number => {
  let ctrl = pci_read_config_word(k, dev, pos + R.PCI_SRIOV_CTRL);
  if (!pci_lu_adopt(k, dev, ctrl & R.PCI_SRIOV_CTRL_VFE && { what: 'SR-IOV Control = 0 (VF Enable left on)', off: pos + R.PCI_SRIOV_CTRL, width: 2, value: 0 }) && ctrl & R.PCI_SRIOV_CTRL_VFE) {
    pci_write_config_word(k, dev, pos + R.PCI_SRIOV_CTRL, 0);
    k.clock.advance(1_000_000); // ssleep(1)
  }
  // ARI forwarding (pci_configure_ari()) is not modelled, so the ARI Capable Hierarchy bit is
  // never set here and another PF on the bus changes nothing.
  ctrl = 0;
  if (!pci_lu_adopt(k, dev, { what: 'SR-IOV Control', off: pos + R.PCI_SRIOV_CTRL, width: 2, value: ctrl }))
    pci_write_config_word(k, dev, pos + R.PCI_SRIOV_CTRL, ctrl);
  const total = pci_read_config_word(k, dev, pos + R.PCI_SRIOV_TOTAL_VF);
  if (!total) return 0;
  let pgsz = pci_read_config_dword(k, dev, pos + R.PCI_SRIOV_SUP_PGSIZE);
  const skip = PAGE_SHIFT > 12 ? PAGE_SHIFT - 12 : 0;
  pgsz &= ~((1 << skip) - 1);
  if (!pgsz) return -5;
  pgsz = (pgsz & -pgsz) >>> 0;
  if (!pci_lu_adopt(k, dev, { what: 'SR-IOV System Page Size', off: pos + R.PCI_SRIOV_SYS_PGSIZE, width: 4, value: pgsz }))
    pci_write_config_dword(k, dev, pos + R.PCI_SRIOV_SYS_PGSIZE, pgsz);

  // "Sizing SR-IOV BARs with VF Enable cleared - no decode"
  const sizes = k.has(C.BATCH_BAR_SIZING_4453F360862E) ? __pci_size_bars(k, dev, R.PCI_SRIOV_NUM_BARS, pos + R.PCI_SRIOV_BAR, false) : null;
  const barsz: bigint[] = new Array(R.PCI_SRIOV_NUM_BARS).fill(0n);
  let nres = 0;
  for (let i = 0; i < R.PCI_SRIOV_NUM_BARS; i++) {
    const idx = PCI_IOV_RESOURCES + i;
    const res = dev.resource[idx];
    const resName = pci_resource_name(dev, idx);
    const reg = pos + R.PCI_SRIOV_BAR + i * 4;
    const bar64 = res.flags & IORESOURCE_PCI_FIXED
      ? (res.flags & IORESOURCE_MEM_64 ? 1 : 0)
      : __pci_read_base(k, dev, 'unknown', res, reg, sizes ? sizes.slice(i, i + 2) : undefined);
    if (!res.flags) continue;
    const sz = res.end - res.start + 1n;
    if (sz & (PAGE_SIZE - 1n)) {
      for (let j = 0; j < R.PCI_SRIOV_NUM_BARS; j++) dev.resource[PCI_IOV_RESOURCES + j].flags = 0;
      return -5;
    }
    barsz[i] = sz;
    res.end = res.start + sz * BigInt(total) - 1n;
    k.pci_info(dev, 'sriov_bar', { name: resName, res, bar: i, total });
    i += bar64;
    nres++;
  }
  dev.sriov = {
    pos, nres, ctrl, totalVFs: total, numVFs: 0, offset: 0, stride: 0,
    vfDevice: pci_read_config_word(k, dev, pos + R.PCI_SRIOV_VF_DID), pgsz, barsz, maxVFBuses: 0,
  };
  pci_read_config_dword(k, dev, pos + R.PCI_SRIOV_CAP);
  pci_read_config_byte(k, dev, pos + R.PCI_SRIOV_FUNC_LINK);
  if (compute_max_vf_buses(k, dev)) {
    dev.sriov = null;
    for (let j = 0; j < R.PCI_SRIOV_NUM_BARS; j++) dev.resource[PCI_IOV_RESOURCES + j].flags = 0;
    return -5;
  }
  return 0;
});

/** pci_iov_init(): from pci_init_capabilities(), for PCIe functions with an SR-IOV capability. */
export const pci_iov_init = traced('pci_iov_init', (k: Kernel, dev: PciDev): number => {
  if (!k.kconfig.PCI_IOV) return -19; // the !CONFIG_PCI_IOV stub
  if (!dev.isPcie()) return -19;
  const pos = pci_find_ext_capability(k, dev, R.PCI_EXT_CAP_ID_SRIOV);
  if (pos) return sriov_init(k, dev, pos);
  return -19;
});

/** pci_iov_resource_size(): the per-VF size of a VF BAR. */
export function pci_iov_resource_size(dev: PciDev, resno: number): bigint {
  if (!dev.sriov) return 0n;
  return dev.sriov.barsz[resno - PCI_IOV_RESOURCES];
}

/** pci_sriov_resource_alignment() → x86's (weak default) pcibios_iov_resource_alignment(). */
export function pci_sriov_resource_alignment(dev: PciDev, resno: number): bigint {
  return pci_iov_resource_size(dev, resno);
}

/** pci_iov_update_resource(): write a VF BAR unless VFs are enabled and decoding. */
export const pci_iov_update_resource = traced('pci_iov_update_resource', (k: Kernel, dev: PciDev, resno: number): void => {
  const iov = dev.sriov;
  if (!iov) return;
  const res = dev.resource[resno];
  const vfBar = resno - PCI_IOV_RESOURCES;
  const cmd = pci_read_config_word(k, dev, iov.pos + R.PCI_SRIOV_CTRL);
  if (cmd & R.PCI_SRIOV_CTRL_VFE && cmd & R.PCI_SRIOV_CTRL_MSE) {
    k.pci_info(dev, 'sriov_cant_update', { bar: vfBar, res });
    return;
  }
  if (!res.flags || res.flags & IORESOURCE_UNSET || res.flags & IORESOURCE_PCI_FIXED) return;
  if (!(res.flags & IORESOURCE_MEM)) return;
  const start = res.start; // pcibios_resource_to_bus(): no offset on x86
  const reg = iov.pos + R.PCI_SRIOV_BAR + 4 * vfBar;
  const lo = Number((start & 0xfffffff0n) | BigInt(res.flags & 0xf));
  if (!pci_lu_adopt(k, dev, { what: `VF BAR ${vfBar}`, off: reg, width: 4, value: lo })) pci_write_config_dword(k, dev, reg, lo);
  if (res.flags & IORESOURCE_MEM_64 && !pci_lu_adopt(k, dev, { what: `VF BAR ${vfBar} upper dword`, off: reg + 4, width: 4, value: Number(start >> 32n) }))
    pci_write_config_dword(k, dev, reg + 4, Number(start >> 32n));
});

/** pci_iov_bus_range(): bus numbers beyond `bus` that VFs of its PFs would use. */
export function pci_iov_bus_range(bus: PciBus): number {
  let max = 0;
  for (const dev of bus.devices) if (dev.sriov && dev.sriov.maxVFBuses > max) max = dev.sriov.maxVFBuses;
  return max ? max - bus.number : 0;
}

/**
 * iov_resources_unassigned() over the whole tree (pci_walk_bus()): is any VF BAR at bus address 0,
 * i.e. left unprogrammed by firmware? That is what auto-enables pci=realloc.
 */
export function iov_resources_unassigned(bus: PciBus): boolean {
  for (const dev of bus.devices) {
    for (let i = 0; i < R.PCI_SRIOV_NUM_BARS; i++) {
      const r = dev.resource[PCI_IOV_RESOURCES + i];
      if (!r.flags) continue;
      if (!r.start) return true; // pcibios_resource_to_bus(): no offset on x86
    }
    if (dev.subordinate && iov_resources_unassigned(dev.subordinate)) return true;
  }
  return false;
}

/** sriov_restore_state() via pci_restore_iov_state(): from pci_restore_state(), PFs only. */
export const pci_restore_iov_state = traced('pci_restore_iov_state', (k: Kernel, dev: PciDev): void => {
  const iov = dev.sriov;
  if (!iov) return;
  let ctrl = pci_read_config_word(k, dev, iov.pos + R.PCI_SRIOV_CTRL);
  if (ctrl & R.PCI_SRIOV_CTRL_VFE) return;
  ctrl = (ctrl & ~R.PCI_SRIOV_CTRL_ARI) | (iov.ctrl & R.PCI_SRIOV_CTRL_ARI);
  if (!pci_lu_adopt(k, dev, { what: 'SR-IOV Control (ARI)', off: iov.pos + R.PCI_SRIOV_CTRL, width: 2, value: ctrl }))
    pci_write_config_word(k, dev, iov.pos + R.PCI_SRIOV_CTRL, ctrl);
  for (let i = 0; i < R.PCI_SRIOV_NUM_BARS; i++) pci_iov_update_resource(k, dev, PCI_IOV_RESOURCES + i);
  if (!pci_lu_adopt(k, dev, { what: 'SR-IOV System Page Size', off: iov.pos + R.PCI_SRIOV_SYS_PGSIZE, width: 4, value: iov.pgsz }))
    pci_write_config_dword(k, dev, iov.pos + R.PCI_SRIOV_SYS_PGSIZE, iov.pgsz);
  pci_iov_set_numvfs(k, dev, iov.numVFs);
  if (!pci_lu_adopt(k, dev, { what: 'SR-IOV Control', off: iov.pos + R.PCI_SRIOV_CTRL, width: 2, value: iov.ctrl }))
    pci_write_config_word(k, dev, iov.pos + R.PCI_SRIOV_CTRL, iov.ctrl);
});
