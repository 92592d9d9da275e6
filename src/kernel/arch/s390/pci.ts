// arch/s390/pci/pci.c and pci_bus.c: zPCI. Firmware (CLP) lists the PCI functions of the
// partition; each one becomes its own root bus — domain = UID when UID checking is on, bus 00,
// devfn 00.0, no bridges — and Linux never assigns BARs: firmware programmed them, and the
// kernel addresses a BAR through an iomap "cookie" (ZPCI_ADDR) that a PCI Load turns into a cycle
// at firmware's address. Everything prints through the generic PCI core except the failure and
// event lines, which carry pr_fmt "zpci: ". MIO (mapped I/O) is not modelled: cookies only.
import type { HostBridge } from '../../../hw/machine';
import { pci_bus_add_devices } from '../../bus';
import { Kernel, traced } from '../../kernel';
import { pci_claim_resource } from '../../setup-res';
import { pci_register_host_bridge, pci_scan_child_bus_extend } from '../../probe';
import { IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PREFETCH, Resource, request_resource_conflict } from '../../resource';
import type { PciBus, PciDev } from '../../types';

/** ZPCI_IOMAP_ADDR_BASE and ZPCI_IOMAP_SHIFT (arch/s390/include/asm/pci_io.h) */
const ZPCI_IOMAP_ADDR_BASE = 0x8000000000000000n;
const ZPCI_IOMAP_SHIFT = 48n;
export const ZPCI_ADDR = (idx: number): bigint => ZPCI_IOMAP_ADDR_BASE | (BigInt(idx) << ZPCI_IOMAP_SHIFT);

/** struct zpci_dev, the parts modelled */
export interface ZpciDev {
  host: HostBridge;
  fid: number;
  uid: number;
  domain: number;
  bus: PciBus | null;
  /** iomap index of each BAR */
  mapIdx: Map<number, number>;
  /** a KVM guest owns it (vfio_pci_zdev_open_device() registered a kzdev) */
  kzdev: boolean;
}

const zdevs = new WeakMap<Kernel, ZpciDev[]>();
const iomapNext = new WeakMap<Kernel, number>();

export function zpciDevs(k: Kernel): ZpciDev[] {
  let z = zdevs.get(k);
  if (!z) zdevs.set(k, (z = []));
  return z;
}

/** The zdev behind a pci_dev (zdev_from_bus()). */
export function to_zpci(k: Kernel, dev: PciDev): ZpciDev | undefined {
  return zpciDevs(k).find((z) => z.bus === dev.bus);
}

/**
 * zpci_alloc_domain(): the UID itself when CLP reports UID checking (and the UID is not 0),
 * else the first free number from 0.
 */
function zpci_alloc_domain(k: Kernel, uid: number): number {
  const used = new Set(zpciDevs(k).map((z) => z.domain));
  if (k.machine.zpciUidChecking && uid) return uid;
  let d = 0;
  while (used.has(d)) d++;
  return d;
}

/** zpci_create_device() after CLP LIST/QUERY PCI: silent. */
const zpci_create_device = traced('zpci_create_device', (k: Kernel, host: HostBridge): ZpciDev => {
  const z = host.zpci!;
  const zdev: ZpciDev = { host, fid: z.fid, uid: z.uid, domain: -1, bus: null, mapIdx: new Map(), kzdev: false };
  zpciDevs(k).push(zdev);
  return zdev;
});

/**
 * zpci_bus_device_register() → zpci_bus_create_pci_bus(): pci_create_root_bus() with only the
 * bus number resource [bus 00]; the BAR windows are added later, silently.
 */
const zpci_bus_device_register = traced('zpci_bus_device_register', (k: Kernel, zdev: ZpciDev): void => {
  zdev.domain = zpci_alloc_domain(k, zdev.uid);
  if (zdev.domain !== zdev.host.domain) throw new Error(`zPCI function ${zdev.fid.toString(16)}: the machine routes domain ${zdev.host.domain}, the kernel allocates ${zdev.domain}`);
  zdev.bus = pci_register_host_bridge(k, zdev.host); // pci_create_root_bus()
});

/**
 * zpci_setup_bus_resources(): one resource "PCI Bus dddd:00" per BAR firmware reported, at an
 * iomap cookie, into iomem and the root bus (pci_bus_add_resource(), silent).
 */
const zpci_setup_bus_resources = traced('zpci_setup_bus_resources', (k: Kernel, zdev: ZpciDev): void => {
  for (const [bar, info] of [...zdev.host.zpci!.barInfo.entries()].sort(([a], [b]) => a - b)) {
    const idx = iomapNext.get(k) ?? 0;
    iomapNext.set(k, idx + 1);
    zdev.mapIdx.set(bar, idx);
    let flags = IORESOURCE_MEM;
    if (info.prefetch) flags |= IORESOURCE_PREFETCH;
    if (info.mem64) flags |= IORESOURCE_MEM_64;
    const res = new Resource(`PCI Bus ${zdev.uid.toString(16).padStart(4, '0')}:00`, ZPCI_ADDR(idx), ZPCI_ADDR(idx) + info.size - 1n, flags);
    request_resource_conflict(k.iomemResource, res);
    zdev.bus!.rootResources.push(res);
  }
});

/** zpci_enable_device(): CLP SET PCI FN enable (a new function handle), silent. */
const zpci_enable_device = traced('zpci_enable_device', (k: Kernel, zdev: ZpciDev): void => {
  void k;
  zdev.host.zpci!.enabled = true;
});

/** zpci_bus_scan_bus(): enable, BAR windows, then pci_scan_child_bus() and pci_bus_add_devices(). */
const zpci_bus_scan_bus = traced('zpci_bus_scan_bus', (k: Kernel, zdev: ZpciDev): void => {
  zpci_enable_device(k, zdev);
  zpci_setup_bus_resources(k, zdev);
  pci_scan_child_bus_extend(k, zdev.bus!, 0);
  pci_bus_add_devices(k, zdev.bus!);
});

/**
 * pci_base_init() (subsys_initcall_sync) → zpci_scan_devices(): CLP LIST PCI, a zdev per
 * function, every root bus created first, then each scanned.
 */
export const pci_base_init = traced('pci_base_init', (k: Kernel): void => {
  const created = k.machine.hosts.filter((h) => h.zpci).map((h) => zpci_create_device(k, h));
  for (const zdev of created) zpci_bus_device_register(k, zdev); // zpci_add_devices()
  for (const zdev of created) zpci_bus_scan_bus(k, zdev); // zpci_bus_scan_busses()
});

/**
 * pcibios_device_add() (s390): the BAR resources move to their iomap cookies (zpci_map_resources())
 * and are claimed in the root bus windows, silently.
 */
export const pcibios_device_add = traced('pcibios_device_add', (k: Kernel, dev: PciDev): void => {
  const zdev = to_zpci(k, dev);
  if (!zdev) return;
  for (let i = 0; i < 6; i++) {
    const r = dev.resource[i];
    const len = r.flags ? r.end - r.start + 1n : 0n;
    const idx = zdev.mapIdx.get(i);
    if (!len || idx === undefined) continue;
    r.start = ZPCI_ADDR(idx);
    r.end = r.start + len - 1n;
  }
  for (let i = 0; i < 6; i++) if (!dev.resource[i].parent && dev.resource[i].flags) pci_claim_resource(k, dev, i);
});

/**
 * zpci_hot_reset_device(): CLP disable (the function is reset: error state, DMA and interrupts
 * gone) and enable again, after which firmware has programmed the BARs as at boot [model].
 */
export const zpci_hot_reset_device = traced('zpci_hot_reset_device', (k: Kernel, zdev: ZpciDev): number => {
  const z = zdev.host.zpci!;
  const fn = zdev.host.root.get(0)!;
  if (z.enabled) {
    z.enabled = false; // zpci_disable_device()
    fn.reset();
  }
  // zpci_reenable_device(): CLP enable; firmware programs the function again
  z.enabled = true;
  if (fn.firmwareImage) fn.config.data.set(fn.firmwareImage.data);
  k.clock.advance(1000);
  const name = k.machine.nameOf(fn) ?? '';
  k.record({ target: name, kind: 'platform', offset: 0, width: 4, value: zdev.fid, text: 'CLP disable + enable: the function was reset and left the error state; firmware programmed its BARs again' });
  return 0;
});

/**
 * zpci_read_*() through an iomap cookie (zpci_iomap_start[idx]: function handle and BAR): a PCI
 * Load, which firmware turns into a memory cycle at the address it programmed into that BAR.
 */
export function zpci_load(k: Kernel, addr: bigint): { value: number; host: HostBridge | null } {
  const idx = Number((addr >> ZPCI_IOMAP_SHIFT) & 0x7fffn);
  const offset = Number(addr & ((1n << ZPCI_IOMAP_SHIFT) - 1n));
  for (const z of zpciDevs(k)) {
    for (const [bar, i] of z.mapIdx) if (i === idx) return { value: k.machine.zpciLoad(z.host, bar, offset).value, host: z.host };
  }
  return { value: 0xffffffff, host: null };
}
