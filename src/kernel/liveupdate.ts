// drivers/pci/liveupdate.c and the Live Update hooks of the PCI core, from the two unmerged series
// the model carries as patches (spec kernel-pci.md §H):
//
// - pci-luo-preserve (stage 1, the old kernel): David Matlack's v4 pci_liveupdate_preserve(),
//   which preserves a device together with every bridge up to its root port (06/11) and keeps
//   pci_device_shutdown() from clearing their bus mastering at kexec (10/11).
// - pci-luo-no-writes (stage 2, the new kernel): Chris Li's RFC 20/25, pci_lu_adopt() guards that
//   skip config writes to preserved devices while they keep running.
// - pci-luo-inherit-busnr (stage 2): David Matlack's pci_assign_all_busses(), in probe.ts.
//
// The incoming data (struct pci_ser) is what the previous kernel preserved: the domain and
// bus/devfn of each preserved function with its reference count.
import * as C from './commits';
import { Kernel, PciSer } from './kernel';
import type { PciDev } from './types';

/** What a guard skipped, for the write audit: a description and, for one write, the register. */
export interface LuSkip {
  what: string;
  off?: number;
  width?: 1 | 2 | 4;
  value?: number;
}

/**
 * pci_lu_adopt() (drivers/pci/pci.h in the RFC): non-NULL for a device the previous kernel
 * preserved, which "is still running; the new kernel must adopt, not reinitialise". Always NULL
 * without the patch (CONFIG-gated in the RFC). When it fires and `skip` describes the write the
 * guard suppresses, the trace records it (kind 'lu-guard').
 */
export function pci_lu_adopt(k: Kernel, dev: PciDev, skip?: LuSkip | false | 0): boolean {
  if (!k.has(C.LUO_NO_WRITES) || !dev.luIncoming) return false;
  if (skip) k.record({ target: dev.name(), kind: 'lu-guard', text: skip.what, offset: skip.off ?? 0, width: skip.width ?? 4, value: (skip.value ?? 0) >>> 0 });
  return true;
}

/** Does this kernel read incoming Live Update data at all (carries one of the stage-2 patches)? */
function lu_aware(k: Kernel): boolean {
  return k.has(C.LUO_NO_WRITES) || k.has(C.LUO_INHERIT_BUSNR);
}

const pci_dev_id = (dev: PciDev) => (dev.bus.number << 8) | dev.devfn;

/**
 * pci_liveupdate_setup_device(): mark a function the previous kernel preserved, found by its
 * domain and bus/devfn (the BDF stability the series guarantees). Called before
 * pci_setup_device() reads the header, because the RFC's first guard is in pci_read_bases().
 */
export function pci_liveupdate_setup_device(k: Kernel, dev: PciDev): void {
  if (!k.lu || !lu_aware(k)) return;
  dev.luIncoming = k.lu.devices.some((d) => d.domain === dev.bus.domain && d.bdf === pci_dev_id(dev));
}

/** pci_liveupdate_incoming_nr_devices(): 0 on any error, so also without incoming data. */
export function pci_liveupdate_incoming_nr_devices(k: Kernel): number {
  return k.lu && lu_aware(k) ? k.lu.devices.length : 0;
}

/** pci_liveupdate_outgoing(): preserved for the next kernel. */
export function pci_liveupdate_outgoing(dev: PciDev): boolean {
  return dev.luOutgoing > 0;
}

/** pci_liveupdate_preserve_device(): one more reference; the first one logs. */
function pci_liveupdate_preserve_device(k: Kernel, dev: PciDev): void {
  if (dev.luOutgoing++) return;
  k.pci_info(dev, 'lu_will_preserve');
}

/** pci_liveupdate_preserve_path(): the bridges up to the root port first, then the device. */
function pci_liveupdate_preserve_path(k: Kernel, dev: PciDev): void {
  if (dev.bus.self) pci_liveupdate_preserve_path(k, dev.bus.self);
  pci_liveupdate_preserve_device(k, dev);
}

/** pci_liveupdate_preserve() (v4): -EOPNOTSUPP without the series, -EBUSY if already preserved. */
export function pci_liveupdate_preserve(k: Kernel, dev: PciDev): number {
  if (!k.has(C.LUO_PRESERVE)) return -95;
  if (dev.luOutgoing) return -16;
  k.enter('pci_liveupdate_preserve');
  try {
    pci_liveupdate_preserve_path(k, dev);
  } finally {
    k.leave();
  }
  return 0;
}

/** The outgoing struct pci_ser, sorted by domain and bus/devfn as the series keeps it. */
export function pci_liveupdate_outgoing_ser(k: Kernel): PciSer {
  const devices = k.devices
    .filter((d) => d.luOutgoing > 0)
    .map((d) => ({ domain: d.bus.domain, bdf: pci_dev_id(d), refcount: d.luOutgoing }))
    .sort((a, b) => a.domain * 65536 + a.bdf - (b.domain * 65536 + b.bdf));
  return { devices };
}
