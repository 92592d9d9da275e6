// drivers/pci/probe.c: enumeration. Host bridge registration, bus scanning, device setup, BAR
// sizing, bridge windows and bus numbers, as the kernel does them, access by access.
import * as R from '../hw/regs';
import {
  pci_bus_read_config_dword, pci_read_config_byte, pci_read_config_dword, pci_read_config_word,
  pci_write_config_byte, pci_write_config_dword, pci_write_config_word, pcie_capability_read_dword, pcie_capability_read_word,
  pcie_capability_write_word,
} from './access';
import * as C from './commits';
import { Kernel, traced } from './kernel';
import { pci_find_capability, pci_init_reset_methods, pci_pm_init, pci_resource_name } from './pci';
import {
  IORESOURCE_BUS, IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PREFETCH, IORESOURCE_READONLY,
  IORESOURCE_ROM_ENABLE, IORESOURCE_SIZEALIGN, IORESOURCE_UNSET, IORESOURCE_WINDOW, Resource, request_resource_conflict,
} from './resource';
import { PCI_BRIDGE_RESOURCES, PCI_D0, PCI_ROM_RESOURCE, PCI_STD_NUM_BARS, PCI_UNKNOWN, PciBus, PciDev } from './types';
import { NotModelledError } from './setup-bus';
import { pcibios_fixup_bus } from './arch/x86/i386';
import { pci_fixup_video } from './arch/x86/fixup';
import type { HostBridge } from '../hw/machine';
import { pci_iov_bus_range, pci_iov_init } from './iov';
import { pcibios_device_add } from './arch/s390/pci';
import { s390_reset_slot } from './hotplug/s390_pci_hpc';
import { pci_liveupdate_incoming_nr_devices, pci_liveupdate_setup_device, pci_lu_adopt } from './liveupdate';
import { pci_msi_init, pci_msix_init } from './msi/pcidev_msi';
import { pci_aer_init } from './pcie/aer';

const PCI_COMMAND_DECODE_ENABLE = R.PCI_COMMAND_MEMORY | R.PCI_COMMAND_IO;
/** x86 IO_SPACE_LIMIT */
const IO_SPACE_LIMIT = 0xffff;

const PCIE_TYPE_NAMES = [
  'PCIe Endpoint', 'PCIe Legacy Endpoint', 'PCIe unknown', 'PCIe unknown', 'PCIe Root Port',
  'PCIe Switch Upstream Port', 'PCIe Switch Downstream Port', 'PCIe to PCI/PCI-X bridge',
  'PCI/PCI-X to PCIe bridge', 'PCIe Root Complex Integrated Endpoint', 'PCIe Root Complex Event Collector',
];

/** pci_type_str() (35259ff188e0) */
function pci_type_str(dev: PciDev): string {
  if (dev.isPcie()) return PCIE_TYPE_NAMES[dev.pcieType()] ?? 'PCIe unknown';
  switch (dev.hdrType) {
    case R.PCI_HEADER_TYPE_NORMAL: return 'conventional PCI endpoint';
    case R.PCI_HEADER_TYPE_BRIDGE: return 'conventional PCI bridge';
    case R.PCI_HEADER_TYPE_CARDBUS: return 'CardBus bridge';
    default: return 'conventional PCI';
  }
}

/**
 * pci_register_host_bridge(): the root bus and its windows. x86 ACPI has no parent device, so the
 * first line is a bare pr_info. Contiguous windows with equal flags are coalesced first.
 */
export const pci_register_host_bridge = traced('pci_register_host_bridge', (k: Kernel, host: HostBridge): PciBus => {
  const busn = new Resource('', BigInt(host.busStart), BigInt(host.busEnd), IORESOURCE_BUS);
  const bus = new PciBus(host.domain, host.busStart, null, null, busn);
  const windows = host.windows.map(
    (w) => new Resource('PCI Bus ' + bus.name(), w.start, w.end, (w.type === 'io' ? IORESOURCE_IO : IORESOURCE_MEM) | (w.window === false ? 0 : IORESOURCE_WINDOW) | (w.pref ? IORESOURCE_PREFETCH : 0)),
  );
  // 7c3855c423b1 (v5.16): contiguous windows of the same type merge into one
  for (let i = 0; k.has(C.COALESCE_7C3855C423B1) && i + 1 < windows.length; i++) {
    const a = windows[i], b = windows[i + 1];
    if (a.flags === b.flags && a.end + 1n === b.start) {
      b.start = a.start;
      a.flags = 0;
    }
  }
  k.pr_info('host_bridge_to_bus', { bus: bus.name() });
  for (const w of windows) {
    if (!w.flags) continue;
    bus.rootResources.push(w);
    k.pci_bus_info(bus, 'root_bus_resource', { res: w, suffix: '' });
  }
  k.pci_bus_info(bus, 'root_bus_resource', { res: busn, suffix: '' });
  k.roots.push(bus);
  return bus;
});

/** pci_bus_read_dev_vendor_id(): all-ones, 0, 0x0000ffff, 0xffff0000 all mean "nothing there". */
function pci_bus_read_dev_vendor_id(k: Kernel, bus: PciBus, devfn: number): number | null {
  const l = pci_bus_read_config_dword(k, bus, devfn, R.PCI_VENDOR_ID);
  if (l === 0xffffffff || l === 0 || l === 0x0000ffff || l === 0xffff0000) return null;
  return l;
}

/** only_one_child(): PCIe root and downstream ports have a single device below them. */
function only_one_child(bus: PciBus): boolean {
  const bridge = bus.self;
  if (!bridge || !bridge.isPcie()) return false;
  const t = bridge.pcieType();
  return t === R.PCI_EXP_TYPE_ROOT_PORT || t === R.PCI_EXP_TYPE_DOWNSTREAM || t === R.PCI_EXP_TYPE_PCIE_BRIDGE;
}

export const pci_scan_slot = traced('pci_scan_slot', (k: Kernel, bus: PciBus, devfn: number): number => {
  if (only_one_child(bus) && devfn > 0) return 0;
  let nr = 0;
  let fn = 0;
  for (;;) {
    const dev = pci_scan_single_device(k, bus, devfn + fn);
    if (dev) {
      nr++;
      if (fn > 0) dev.multifunction = true;
    } else if (fn === 0) {
      break;
    }
    // next_fn(): only multifunction devices have more functions
    if (fn >= 7 || (dev && !dev.multifunction)) break;
    fn++;
  }
  return nr;
});

const pci_scan_single_device = traced('pci_scan_single_device', (k: Kernel, bus: PciBus, devfn: number): PciDev | null => {
  const l = pci_bus_read_dev_vendor_id(k, bus, devfn);
  if (l === null) return null;
  const dev = new PciDev(bus, devfn);
  dev.vendor = l & 0xffff;
  dev.device = l >>> 16;
  pci_liveupdate_setup_device(k, dev);
  if (!pci_setup_device(k, dev)) return null;
  pci_device_add(k, dev, bus);
  return dev;
});

/** set_pcie_port_type() */
const set_pcie_port_type = traced('set_pcie_port_type', (k: Kernel, dev: PciDev): void => {
  const pos = pci_find_capability(k, dev, R.PCI_CAP_ID_EXP);
  if (!pos) return;
  dev.pcieCap = pos;
  dev.pcieFlags = pci_read_config_word(k, dev, pos + R.PCI_EXP_FLAGS);
  dev.devcap = pci_read_config_dword(k, dev, pos + R.PCI_EXP_DEVCAP);
  dev.pcieMpss = dev.devcap & R.PCI_EXP_DEVCAP_PAYLOAD;
});

/** pci_cfg_space_size(): PCIe functions have 4 KiB unless the dword at 0x100 reads all-ones. */
function pci_cfg_space_size(k: Kernel, dev: PciDev): number {
  if (dev.bus.noExtCfg || !dev.isPcie()) return 256;
  const v = pci_read_config_dword(k, dev, 0x100);
  return v === 0xffffffff ? 256 : 4096;
}

/** pci_setup_device(): fill in class and header dependent info. Returns false to ignore the device. */
export const pci_setup_device = traced('pci_setup_device', (k: Kernel, dev: PciDev): boolean => {
  const hdr = pci_read_config_byte(k, dev, R.PCI_HEADER_TYPE);
  dev.hdrType = hdr & 0x7f;
  dev.multifunction = (hdr & 0x80) !== 0;
  set_pcie_port_type(k, dev);
  // pci_dev_assign_slot(): on s390x the zPCI hotplug slot named after the FID
  if (k.machine.arch === 's390x') dev.slotReset = (probe) => s390_reset_slot(k, dev, probe);
  const cls = pci_read_config_dword(k, dev, R.PCI_CLASS_REVISION);
  dev.revision = cls & 0xff;
  dev.class = cls >>> 8;
  dev.cfgSize = pci_cfg_space_size(k, dev);
  // pci-luo-no-writes: "dev->current_state = 0; /* FIXME */" for a preserved device
  dev.currentState = pci_lu_adopt(k, dev) ? PCI_D0 : PCI_UNKNOWN;
  if (k.has(C.PORT_TYPE_35259FF188E0))
    k.pci_info(dev, 'dev_discovered_type', { vendor: dev.vendor, device: dev.device, hdr: dev.hdrType, class: dev.class, type: pci_type_str(dev) });
  else k.pci_info(dev, 'dev_discovered', { vendor: dev.vendor, device: dev.device, hdr: dev.hdrType, class: dev.class });
  pci_intx_mask_broken(k, dev);
  const klass = dev.class >> 8;
  switch (dev.hdrType) {
    case R.PCI_HEADER_TYPE_NORMAL:
      if (klass === 0x0604) return false; // "ignoring class … (doesn't match header type …)"
      pci_read_irq(k, dev);
      pci_read_bases(k, dev, PCI_STD_NUM_BARS, R.PCI_ROM_ADDRESS);
      dev.subsystemVendor = pci_read_config_word(k, dev, R.PCI_SUBSYSTEM_VENDOR_ID);
      dev.subsystemDevice = pci_read_config_word(k, dev, R.PCI_SUBSYSTEM_ID);
      break;
    case R.PCI_HEADER_TYPE_BRIDGE:
      pci_read_irq(k, dev);
      dev.transparent = (dev.class & 0xff) === 1;
      pci_read_bases(k, dev, 2, R.PCI_ROM_ADDRESS1);
      pci_read_bridge_windows(k, dev);
      set_pcie_hotplug_bridge(k, dev);
      break;
    default:
      return false; // "unknown header type %02x, ignoring device"
  }
  return true;
});

/** pci_intx_mask_broken(): toggle INTx Disable and see whether it sticks. */
const pci_intx_mask_broken = traced('pci_intx_mask_broken', (k: Kernel, dev: PciDev): boolean => {
  const orig = pci_read_config_word(k, dev, R.PCI_COMMAND);
  const toggle = orig ^ R.PCI_COMMAND_INTX_DISABLE;
  pci_write_config_word(k, dev, R.PCI_COMMAND, toggle);
  const now = pci_read_config_word(k, dev, R.PCI_COMMAND);
  pci_write_config_word(k, dev, R.PCI_COMMAND, orig);
  return now !== toggle;
});

const pci_read_irq = traced('pci_read_irq', (k: Kernel, dev: PciDev): void => {
  const pin = pci_read_config_byte(k, dev, R.PCI_INTERRUPT_PIN);
  dev.pin = pin;
  if (pin) pci_read_config_byte(k, dev, R.PCI_INTERRUPT_LINE);
});

const set_pcie_hotplug_bridge = traced('set_pcie_hotplug_bridge', (k: Kernel, dev: PciDev): void => {
  if (!dev.isPcie() || !(dev.pcieFlags & R.PCI_EXP_FLAGS_SLOT)) return;
  const sltcap = pcie_capability_read_dword(k, dev, R.PCI_EXP_SLTCAP);
  if (sltcap & R.PCI_EXP_SLTCAP_HPC) dev.isHotplugBridge = true;
});

/** decode_bar() */
function decode_bar(bar: number): number {
  if ((bar & R.PCI_BASE_ADDRESS_SPACE_IO) === R.PCI_BASE_ADDRESS_SPACE_IO) return (bar & ~R.PCI_BASE_ADDRESS_IO_MASK) | IORESOURCE_IO;
  let flags = (bar & ~R.PCI_BASE_ADDRESS_MEM_MASK) | IORESOURCE_MEM;
  if (flags & R.PCI_BASE_ADDRESS_MEM_PREFETCH) flags |= IORESOURCE_PREFETCH;
  if ((bar & R.PCI_BASE_ADDRESS_MEM_TYPE_MASK) === R.PCI_BASE_ADDRESS_MEM_TYPE_64) flags |= IORESOURCE_MEM_64;
  return flags >>> 0;
}

/** pci_size(): the lowest significant bit of the read-back is the decode size. */
function pci_size(base: bigint, maxbase: bigint, mask: bigint): bigint {
  let size = mask & maxbase;
  if (!size) return 0n;
  size = size & ~(size - 1n);
  // base == maxbase can be valid only if the BAR has already been programmed with all 1s.
  if (base === maxbase && ((base | (size - 1n)) & mask) !== mask) return 0n;
  return size;
}

type BarType = 'unknown' | 'mem32';

/**
 * __pci_read_base(). Before 4453f360862e (v6.14) it sizes the BAR itself, with decode disabled
 * around it; from v6.14 the sizes come from pci_read_bases()' batch (`sizes`).
 * Returns 1 if the BAR is 64-bit (the caller skips the next register).
 */
export const __pci_read_base = traced('__pci_read_base', (k: Kernel, dev: PciDev, type: BarType, res: Resource, pos: number, sizes?: number[]): number => {
  const mask = type === 'mem32' ? R.PCI_ROM_ADDRESS_MASK : 0xffffffff;
  const resno = dev.resource.indexOf(res);
  const resName = pci_resource_name(dev, resno);
  let origCmd = 0;
  let l: number, sz: number;
  const batch = sizes !== undefined;
  if (!batch && !dev.mmioAlwaysOn) {
    origCmd = pci_read_config_word(k, dev, R.PCI_COMMAND);
    if (origCmd & PCI_COMMAND_DECODE_ENABLE) pci_write_config_word(k, dev, R.PCI_COMMAND, origCmd & ~PCI_COMMAND_DECODE_ENABLE);
  }
  res.name = dev.name();
  if (batch) {
    l = pci_read_config_dword(k, dev, pos);
    sz = sizes[0];
  } else {
    l = pci_read_config_dword(k, dev, pos);
    pci_write_config_dword(k, dev, pos, (l | mask) >>> 0);
    sz = pci_read_config_dword(k, dev, pos);
    pci_write_config_dword(k, dev, pos, l);
  }
  // All bits set in sz means the device isn't working properly.
  if (sz === 0xffffffff) sz = 0;
  // "I don't know how l can have all bits set.  Copied from old code."
  if (l === 0xffffffff) l = 0;
  let l64: bigint, sz64: bigint, mask64: bigint;
  if (type === 'unknown') {
    res.flags = decode_bar(l) | IORESOURCE_SIZEALIGN;
    if (res.flags & IORESOURCE_IO) {
      l64 = BigInt((l & R.PCI_BASE_ADDRESS_IO_MASK) >>> 0);
      sz64 = BigInt((sz & R.PCI_BASE_ADDRESS_IO_MASK) >>> 0);
      mask64 = BigInt((R.PCI_BASE_ADDRESS_IO_MASK & IO_SPACE_LIMIT) >>> 0);
    } else {
      l64 = BigInt((l & R.PCI_BASE_ADDRESS_MEM_MASK) >>> 0);
      sz64 = BigInt((sz & R.PCI_BASE_ADDRESS_MEM_MASK) >>> 0);
      mask64 = BigInt(R.PCI_BASE_ADDRESS_MEM_MASK >>> 0);
    }
  } else {
    if (l & R.PCI_ROM_ADDRESS_ENABLE) res.flags |= IORESOURCE_ROM_ENABLE;
    l64 = BigInt((l & R.PCI_ROM_ADDRESS_MASK) >>> 0);
    sz64 = BigInt((sz & R.PCI_ROM_ADDRESS_MASK) >>> 0);
    mask64 = BigInt(R.PCI_ROM_ADDRESS_MASK >>> 0);
  }
  if (res.flags & IORESOURCE_MEM_64) {
    let hl: number, hsz: number;
    if (batch) {
      hl = pci_read_config_dword(k, dev, pos + 4);
      hsz = sizes[1];
    } else {
      hl = pci_read_config_dword(k, dev, pos + 4);
      pci_write_config_dword(k, dev, pos + 4, 0xffffffff);
      hsz = pci_read_config_dword(k, dev, pos + 4);
      pci_write_config_dword(k, dev, pos + 4, hl);
    }
    l64 |= BigInt(hl) << 32n;
    sz64 |= BigInt(hsz) << 32n;
    mask64 |= 0xffffffffn << 32n;
  }
  if (!batch && !dev.mmioAlwaysOn && origCmd & PCI_COMMAND_DECODE_ENABLE) pci_write_config_word(k, dev, R.PCI_COMMAND, origCmd);
  const ret = res.flags & IORESOURCE_MEM_64 ? 1 : 0;
  if (!sz64) {
    res.flags = 0;
    return ret;
  }
  sz64 = pci_size(l64, sz64, mask64);
  if (!sz64) {
    k.pci_info(dev, 'bar_cant_size', { name: resName, reg: pos });
    res.flags = 0;
    return ret;
  }
  // pcibios_bus_to_resource(): x86 host bridges have no offset, so the inverted region always
  // matches and "initial BAR value … invalid" cannot happen here.
  res.start = l64;
  res.end = l64 + sz64 - 1n;
  k.pci_info(dev, 'bar_read', { name: resName, reg: pos, res });
  return ret;
});

/** __pci_size_bars() (4453f360862e): write the mask, read the size, write the original back. */
export function __pci_size_bars(k: Kernel, dev: PciDev, count: number, pos: number, rom: boolean): number[] {
  const mask = rom ? R.PCI_ROM_ADDRESS_MASK : 0xffffffff;
  const sizes: number[] = [];
  for (let i = 0; i < count; i++, pos += 4) {
    const orig = pci_read_config_dword(k, dev, pos);
    pci_write_config_dword(k, dev, pos, mask >>> 0);
    sizes.push(pci_read_config_dword(k, dev, pos));
    pci_write_config_dword(k, dev, pos, orig);
  }
  return sizes;
}

/** pci_read_bases(): BARs 0..howmany-1, then the ROM. */
export const pci_read_bases = traced('pci_read_bases', (k: Kernel, dev: PciDev, howmany: number, rom: number): void => {
  if (dev.nonCompliantBars) return;
  if (k.has(C.BATCH_BAR_SIZING_4453F360862E)) {
    // "No printks while decoding is disabled!"
    let origCmd = 0;
    if (!pci_lu_adopt(k, dev) && !dev.mmioAlwaysOn) {
      origCmd = pci_read_config_word(k, dev, R.PCI_COMMAND);
      if (origCmd & PCI_COMMAND_DECODE_ENABLE) pci_write_config_word(k, dev, R.PCI_COMMAND, origCmd & ~PCI_COMMAND_DECODE_ENABLE);
    }
    // pci-luo-no-writes skips the sizing and leaves the size array unfilled: stack garbage in C,
    // zeros under CONFIG_INIT_STACK_ALL_ZERO (the default with compilers that support it), and
    // zero sizes leave every BAR without a resource.
    let std: number[] = new Array<number>(howmany).fill(0);
    let romSize: number[] = [0];
    if (!pci_lu_adopt(k, dev, { what: 'BAR sizing (decode off, all-ones to each BAR and the ROM, originals back, decode on)' })) {
      std = __pci_size_bars(k, dev, howmany, R.PCI_BASE_ADDRESS_0, false);
      romSize = rom ? __pci_size_bars(k, dev, 1, rom, true) : [];
    }
    if (!pci_lu_adopt(k, dev) && !dev.mmioAlwaysOn && origCmd & PCI_COMMAND_DECODE_ENABLE) pci_write_config_word(k, dev, R.PCI_COMMAND, origCmd);
    for (let pos = 0; pos < howmany; pos++) {
      pos += __pci_read_base(k, dev, 'unknown', dev.resource[pos], R.PCI_BASE_ADDRESS_0 + (pos << 2), std.slice(pos, pos + 2));
    }
    if (rom) {
      const res = dev.resource[PCI_ROM_RESOURCE];
      dev.romBaseReg = rom;
      res.flags = IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_READONLY | IORESOURCE_SIZEALIGN;
      __pci_read_base(k, dev, 'mem32', res, rom, romSize);
    }
    return;
  }
  for (let pos = 0; pos < howmany; pos++) {
    pos += __pci_read_base(k, dev, 'unknown', dev.resource[pos], R.PCI_BASE_ADDRESS_0 + (pos << 2));
  }
  if (rom) {
    const res = dev.resource[PCI_ROM_RESOURCE];
    dev.romBaseReg = rom;
    res.flags = IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_READONLY | IORESOURCE_SIZEALIGN;
    __pci_read_base(k, dev, 'mem32', res, rom);
  }
});

/** pci_read_bridge_io() */
export const pci_read_bridge_io = traced('pci_read_bridge_io', (k: Kernel, dev: PciDev, res: Resource, log: boolean): void => {
  const baseLo = pci_read_config_byte(k, dev, R.PCI_IO_BASE);
  const limitLo = pci_read_config_byte(k, dev, R.PCI_IO_LIMIT);
  let base = BigInt((baseLo & R.PCI_IO_RANGE_MASK) << 8);
  let limit = BigInt((limitLo & R.PCI_IO_RANGE_MASK) << 8);
  if ((baseLo & R.PCI_IO_RANGE_TYPE_MASK) === R.PCI_IO_RANGE_TYPE_32) {
    base |= BigInt(pci_read_config_word(k, dev, R.PCI_IO_BASE_UPPER16)) << 16n;
    limit |= BigInt(pci_read_config_word(k, dev, R.PCI_IO_LIMIT_UPPER16)) << 16n;
  }
  if (base <= limit) {
    res.flags = (baseLo & R.PCI_IO_RANGE_TYPE_MASK) | IORESOURCE_IO;
    res.start = base;
    res.end = limit + 0x1000n - 1n;
    if (log) k.pci_info(dev, 'bridge_window', { res });
  }
});

/** pci_read_bridge_mmio() */
export const pci_read_bridge_mmio = traced('pci_read_bridge_mmio', (k: Kernel, dev: PciDev, res: Resource, log: boolean): void => {
  const baseLo = pci_read_config_word(k, dev, R.PCI_MEMORY_BASE);
  const limitLo = pci_read_config_word(k, dev, R.PCI_MEMORY_LIMIT);
  const base = BigInt(baseLo & R.PCI_MEMORY_RANGE_MASK) << 16n;
  const limit = BigInt(limitLo & R.PCI_MEMORY_RANGE_MASK) << 16n;
  if (base <= limit) {
    res.flags = (baseLo & 0x0f) | IORESOURCE_MEM;
    res.start = base;
    res.end = limit + 0xfffffn;
    if (log) k.pci_info(dev, 'bridge_window', { res });
  }
});

/** pci_read_bridge_mmio_pref() */
export const pci_read_bridge_mmio_pref = traced('pci_read_bridge_mmio_pref', (k: Kernel, dev: PciDev, res: Resource, log: boolean): void => {
  const baseLo = pci_read_config_word(k, dev, R.PCI_PREF_MEMORY_BASE);
  const limitLo = pci_read_config_word(k, dev, R.PCI_PREF_MEMORY_LIMIT);
  let base = BigInt(baseLo & R.PCI_PREF_RANGE_MASK) << 16n;
  let limit = BigInt(limitLo & R.PCI_PREF_RANGE_MASK) << 16n;
  if ((baseLo & R.PCI_PREF_RANGE_TYPE_MASK) === R.PCI_PREF_RANGE_TYPE_64) {
    const hiBase = pci_read_config_dword(k, dev, R.PCI_PREF_BASE_UPPER32);
    const hiLimit = pci_read_config_dword(k, dev, R.PCI_PREF_LIMIT_UPPER32);
    // Some bridges set the base > limit by default, and some (i.e. Intel 82801) don't.
    if (hiBase <= hiLimit) {
      base |= BigInt(hiBase) << 32n;
      limit |= BigInt(hiLimit) << 32n;
    }
  }
  if (base <= limit) {
    res.flags = (baseLo & R.PCI_PREF_RANGE_TYPE_MASK) | IORESOURCE_MEM | IORESOURCE_PREFETCH;
    if (res.flags & R.PCI_PREF_RANGE_TYPE_64) res.flags |= IORESOURCE_MEM_64;
    res.start = base;
    res.end = limit + 0xfffffn;
    if (log) k.pci_info(dev, 'bridge_window', { res });
  }
});

/**
 * pci_read_bridge_windows() (v6.8 window logging rework): bus numbers and the windows as
 * firmware left them, logged at enumeration, plus probing which windows exist.
 */
export const pci_read_bridge_windows = traced('pci_read_bridge_windows', (k: Kernel, bridge: PciDev): void => {
  // 6f32099a9172 (v6.8) logs the bus numbers and windows here, as firmware left them; before it
  // this only probed which windows exist, and pci_read_bridge_bases() logged after the scan.
  const log = k.has(C.WINDOW_LOG_6F32099A9172);
  if (log) {
    const buses = pci_read_config_dword(k, bridge, R.PCI_PRIMARY_BUS);
    const busRes = new Resource('', BigInt((buses >>> 8) & 0xff), BigInt((buses >>> 16) & 0xff), IORESOURCE_BUS);
    k.pci_info(bridge, 'bridge_to', { res: busRes, suffix: bridge.transparent ? ' (subtractive decode)' : '' });
  }
  let io = pci_read_config_word(k, bridge, R.PCI_IO_BASE);
  if (!io) {
    pci_write_config_word(k, bridge, R.PCI_IO_BASE, 0xe0f0);
    io = pci_read_config_word(k, bridge, R.PCI_IO_BASE);
    pci_write_config_word(k, bridge, R.PCI_IO_BASE, 0x0);
  }
  const tmp = new Resource('', 0n, 0n, 0);
  if (io) {
    bridge.ioWindow = true;
    if (log) pci_read_bridge_io(k, bridge, tmp, true);
  }
  if (log) pci_read_bridge_mmio(k, bridge, new Resource('', 0n, 0n, 0), true);
  // DECchip 21050 pass 2 errata: no prefetching.
  if (bridge.vendor === 0x1011 && bridge.device === 0x0001) return;
  let pmem = pci_read_config_dword(k, bridge, R.PCI_PREF_MEMORY_BASE);
  if (!pmem) {
    pci_write_config_dword(k, bridge, R.PCI_PREF_MEMORY_BASE, 0xffe0fff0);
    pmem = pci_read_config_dword(k, bridge, R.PCI_PREF_MEMORY_BASE);
    pci_write_config_dword(k, bridge, R.PCI_PREF_MEMORY_BASE, 0x0);
  }
  if (!pmem) return;
  bridge.prefWindow = true;
  if ((pmem & R.PCI_PREF_RANGE_TYPE_MASK) === R.PCI_PREF_RANGE_TYPE_64) {
    // Verify that the upper bits are actually writable.
    const orig = pci_read_config_dword(k, bridge, R.PCI_PREF_BASE_UPPER32);
    pci_write_config_dword(k, bridge, R.PCI_PREF_BASE_UPPER32, 0xffffffff);
    const t = pci_read_config_dword(k, bridge, R.PCI_PREF_BASE_UPPER32);
    pci_write_config_dword(k, bridge, R.PCI_PREF_BASE_UPPER32, orig);
    if (t) bridge.pref64Window = true;
  }
  if (log) pci_read_bridge_mmio_pref(k, bridge, new Resource('', 0n, 0n, 0), true);
});

/**
 * pci_read_bridge_bases(): from pcibios_fixup_bus() once the child bus is scanned; the bus number
 * line again, and the windows into the bridge's resources (silently).
 */
export const pci_read_bridge_bases = traced('pci_read_bridge_bases', (k: Kernel, child: PciBus): void => {
  const dev = child.self;
  if (!dev) return;
  k.pci_info(dev, 'bridge_to', { res: child.busnRes, suffix: dev.transparent ? ' (subtractive decode)' : '' });
  for (let i = 0; i < 4; i++) child.resource[i] = dev.resource[PCI_BRIDGE_RESOURCES + i];
  // Before 6f32099a9172 this is where the windows were logged.
  const log = !k.has(C.WINDOW_LOG_6F32099A9172);
  pci_read_bridge_io(k, dev, child.resource[0]!, log);
  pci_read_bridge_mmio(k, dev, child.resource[1]!, log);
  pci_read_bridge_mmio_pref(k, dev, child.resource[2]!, log);
  if (dev.transparent) {
    for (const r of child.parent!.allResources()) {
      if (!r.flags) continue;
      child.rootResources.push(r); // pci_bus_add_resource(child, r, PCI_SUBTRACTIVE_DECODE)
      k.pci_info(dev, 'bridge_window_subtractive', { res: r });
    }
  }
});

/** pci_configure_extended_tags() */
const pci_configure_extended_tags = traced('pci_configure_extended_tags', (k: Kernel, dev: PciDev): void => {
  if (!dev.isPcie()) return;
  const cap = pcie_capability_read_dword(k, dev, R.PCI_EXP_DEVCAP);
  if (!(cap & R.PCI_EXP_DEVCAP_EXT_TAG)) return;
  const ctl = pcie_capability_read_word(k, dev, R.PCI_EXP_DEVCTL);
  if (pci_lu_adopt(k, dev, !(ctl & R.PCI_EXP_DEVCTL_EXT_TAG) && { what: 'DEVCTL Extended Tag Field Enable', off: dev.pcieCap + R.PCI_EXP_DEVCTL, width: 2, value: ctl | R.PCI_EXP_DEVCTL_EXT_TAG })) return;
  if (!(ctl & R.PCI_EXP_DEVCTL_EXT_TAG)) {
    k.pci_info(dev, 'ext_tags_enabling');
    // pcie_capability_set_word(): read-modify-write
    const v = pcie_capability_read_word(k, dev, R.PCI_EXP_DEVCTL);
    pcie_capability_write_word(k, dev, R.PCI_EXP_DEVCTL, v | R.PCI_EXP_DEVCTL_EXT_TAG);
  }
});

/** pci_configure_serr(): enable SERR# forwarding on every bridge. */
const pci_configure_serr = traced('pci_configure_serr', (k: Kernel, dev: PciDev): void => {
  if (dev.hdrType !== R.PCI_HEADER_TYPE_BRIDGE) return;
  const control = pci_read_config_word(k, dev, R.PCI_BRIDGE_CONTROL);
  if (!pci_lu_adopt(k, dev, !(control & R.PCI_BRIDGE_CTL_SERR) && { what: 'Bridge Control SERR# enable', off: R.PCI_BRIDGE_CONTROL, width: 2, value: control | R.PCI_BRIDGE_CTL_SERR }) && !(control & R.PCI_BRIDGE_CTL_SERR))
    pci_write_config_word(k, dev, R.PCI_BRIDGE_CONTROL, control | R.PCI_BRIDGE_CTL_SERR);
});

const pci_configure_device = traced('pci_configure_device', (k: Kernel, dev: PciDev): void => {
  pci_configure_extended_tags(k, dev);
  pci_configure_serr(k, dev);
});

/** pci_fixup_device(pci_fixup_header, dev): the header fixups the model has. */
const pci_fixup_header = traced('pci_fixup_header', (k: Kernel, dev: PciDev): void => {
  pci_fixup_video(k, dev);
});

/** pci_init_capabilities(): the parts modelled, in the kernel's order. */
const pci_init_capabilities = traced('pci_init_capabilities', (k: Kernel, dev: PciDev): void => {
  pci_msi_init(k, dev); // Disable MSI
  pci_msix_init(k, dev); // Disable MSI-X
  pci_pm_init(k, dev);
  pci_iov_init(k, dev);
  pci_aer_init(k, dev);
  pci_init_reset_methods(k, dev);
});

/** pci_device_add() */
export const pci_device_add = traced('pci_device_add', (k: Kernel, dev: PciDev, bus: PciBus): void => {
  pci_configure_device(k, dev);
  pci_fixup_header(k, dev);
  // be9edde43d85 (v6.19) removed this; it had cleared the flag since before a2f1e22390ac.
  if (!k.has(C.STATE_SAVED_BE9EDDE43D85)) dev.stateSaved = false;
  pci_init_capabilities(k, dev);
  bus.devices.push(dev);
  if (k.machine.arch === 's390x') {
    pcibios_device_add(k, dev);
  }
  k.devices.push(dev); // device_add()
  // device_add() → the IOMMU bus notifier: s390-iommu puts every zPCI function in a group
  if (k.machine.arch === 's390x') k.pci_info(dev, 'iommu_group', { group: k.devices.length - 1 });
});

/** pci_bus_insert_busn_res() */
function pci_bus_insert_busn_res(k: Kernel, b: PciBus, bus: number, end: number): void {
  const res = b.busnRes;
  res.start = BigInt(bus);
  res.end = BigInt(end);
  const parent = b.parent?.busnRes;
  if (!parent) return;
  const conflict = request_resource_conflict(parent, res);
  if (conflict)
    k.pci_bus_info(b, 'busn_insert_conflict', { res, where: 'domain ', res2: parent, name2: conflict.name || 'PCI Bus', res3: conflict });
}

/**
 * pci_bridge_child_ext_cfg_accessible(): PCIe ports pass extended config space through; other
 * bridges only with PCI-X Mode 2.
 */
function pci_bridge_child_ext_cfg_accessible(k: Kernel, bridge: PciDev): boolean {
  if (bridge.bus.noExtCfg) return false;
  const t = bridge.pcieType();
  if (bridge.isPcie() && (t === R.PCI_EXP_TYPE_ROOT_PORT || t === R.PCI_EXP_TYPE_UPSTREAM || t === R.PCI_EXP_TYPE_DOWNSTREAM)) return true;
  const pos = pci_find_capability(k, bridge, 0x07); // PCI_CAP_ID_PCIX
  if (!pos) return false;
  const status = pci_read_config_dword(k, bridge, pos + 4); // PCI_X_STATUS
  return (status & (0x40000000 | 0x80000000)) !== 0; // 266 MHz / 533 MHz
}

/** pci_alloc_child_bus() / pci_add_new_bus() */
function pci_add_new_bus(k: Kernel, parent: PciBus, bridge: PciDev, busnr: number): PciBus {
  const child = new PciBus(parent.domain, busnr, parent, bridge, new Resource('', BigInt(busnr), 0xffn, IORESOURCE_BUS));
  child.busnRes.name = `PCI Bus ${child.name()}`;
  child.primary = Number(parent.busnRes.start);
  child.noExtCfg = parent.noExtCfg;
  if (!pci_bridge_child_ext_cfg_accessible(k, bridge)) {
    child.noExtCfg = true;
    k.pci_bus_info(child, 'no_extcfg');
  }
  for (let i = 0; i < 4; i++) {
    child.resource[i] = bridge.resource[PCI_BRIDGE_RESOURCES + i];
    bridge.resource[PCI_BRIDGE_RESOURCES + i].name = child.busnRes.name;
  }
  bridge.subordinate = child;
  parent.children.push(child);
  return child;
}

/** pci_bus_update_busn_res_end(): shrink (or grow) a bus number range once its scan is done. */
function pci_bus_update_busn_res_end(k: Kernel, b: PciBus, busMax: number): number {
  const res = b.busnRes;
  if (res.start > BigInt(busMax)) return -22;
  const old = res.copy();
  // adjust_resource(): must stay inside the parent and clear of siblings and children
  const parent = res.parent;
  let ok = true;
  if (parent) {
    if (BigInt(busMax) > parent.end) ok = false;
    for (const sib of parent.children) if (sib !== res && sib.start > res.start && sib.start <= BigInt(busMax)) ok = false;
  }
  for (const c of res.children) if (c.end > BigInt(busMax)) ok = false;
  if (ok) res.end = BigInt(busMax);
  k.pci_bus_info(b, 'busn_res_end', { res: old, what: ok ? 'is' : 'can not be', max: busMax });
  if (ok && !res.parent) pci_bus_insert_busn_res(k, b, Number(res.start), Number(res.end));
  return ok ? 0 : -16;
}

/** pcibios_assign_all_busses() (x86): pci=assign-busses sets PCI_ASSIGN_ALL_BUSSES in pci_probe. */
function pcibios_assign_all_busses(k: Kernel): boolean {
  return k.cmdline.assignBusses === true;
}

/**
 * pci_assign_all_busses() (David Matlack, pci-luo-inherit-busnr, the revision after v2): during a
 * Live Update with preserved devices, pci=assign-busses is ignored, once said, and the bus numbers
 * the previous kernel left are inherited.
 */
function pci_assign_all_busses(k: Kernel): boolean {
  if (!pcibios_assign_all_busses(k)) return false;
  if (pci_liveupdate_incoming_nr_devices(k)) {
    k.pr_info_once('lu_ignore_assign_busses');
    return false;
  }
  return true;
}

/**
 * pci_scan_bridge_extend(): firmware-configured bridges are scanned in pass 0; with
 * pci=assign-busses (or a broken configuration) pass 0 clears the bus numbers and pass 1 numbers
 * the bridges depth first, each child bus first reaching to its parent's end and then shrunk.
 */
export const pci_scan_bridge_extend = traced('pci_scan_bridge_extend', (k: Kernel, bus: PciBus, dev: PciDev, max: number, availableBuses: number, pass: number): number => {
  // pci-luo-inherit-busnr computes it once at entry, for both of its uses
  const assignAll = k.has(C.LUO_INHERIT_BUSNR) ? pci_assign_all_busses(k) : pcibios_assign_all_busses(k);
  const isCardbus = dev.hdrType === R.PCI_HEADER_TYPE_CARDBUS;
  let buses = pci_read_config_dword(k, dev, R.PCI_PRIMARY_BUS);
  let primary = buses & 0xff;
  const secondary = (buses >>> 8) & 0xff;
  const subordinate = (buses >>> 16) & 0xff;
  k.pci_info(dev, 'scanning_behind_bridge', { sec: secondary, sub: subordinate, pass });
  if (!primary && primary !== bus.number && secondary && subordinate) {
    k.pci_info(dev, 'primary_hard_wired');
    primary = bus.number;
  }
  let broken = false;
  if (!pass && (primary !== bus.number || secondary <= bus.number || secondary > subordinate)) {
    k.pci_info(dev, 'bridge_config_invalid', { sec: secondary, sub: subordinate });
    broken = true;
  }
  // Disable Master-Abort Mode during probing.
  const bctl = pci_read_config_word(k, dev, R.PCI_BRIDGE_CONTROL);
  if (!pci_lu_adopt(k, dev, { what: 'Bridge Control Master-Abort Mode clear', off: R.PCI_BRIDGE_CONTROL, width: 2, value: bctl & ~R.PCI_BRIDGE_CTL_MASTER_ABORT }))
    pci_write_config_word(k, dev, R.PCI_BRIDGE_CONTROL, bctl & ~R.PCI_BRIDGE_CTL_MASTER_ABORT);
  let child: PciBus | undefined;
  if ((secondary || subordinate) && !assignAll && !isCardbus && !broken) {
    // Bus already configured by firmware: process it in the first pass and just note it.
    if (pass) return out();
    // pci-luo-no-writes adds `if (pci_lu_adopt(dev)) { /* Verify bus number here */ }`: empty.
    child = bus.children.find((c) => c.number === secondary);
    if (!child) {
      child = pci_add_new_bus(k, bus, dev, secondary);
      child.primary = primary;
      pci_bus_insert_busn_res(k, child, secondary, subordinate);
      child.bridgeCtl = bctl;
    }
    const cmax = pci_scan_child_bus_extend(k, child, subordinate - secondary);
    if (cmax > subordinate) k.pci_info(dev, 'bridge_subordinate_max', { sub: subordinate, max: cmax });
    if (subordinate > max) max = subordinate;
  } else {
    if (!pass) {
      if (assignAll || broken || isCardbus) pci_write_config_dword(k, dev, R.PCI_PRIMARY_BUS, buses & 0xff000000);
      return out();
    }
    if (isCardbus) throw new NotModelledError(`${dev.name()}: CardBus bus numbering is not modelled`);
    pci_write_config_word(k, dev, R.PCI_STATUS, 0xffff);
    const next = max + 1; // no Enhanced Allocation fixed numbers modelled
    child = bus.children.find((c) => c.number === next);
    if (!child) {
      child = pci_add_new_bus(k, bus, dev, next);
      pci_bus_insert_busn_res(k, child, next, Number(bus.busnRes.end));
    }
    max++;
    if (availableBuses) availableBuses--;
    buses = ((buses & 0xff000000) | child.primary | (Number(child.busnRes.start) << 8) | (Number(child.busnRes.end) << 16)) >>> 0;
    pci_write_config_dword(k, dev, R.PCI_PRIMARY_BUS, buses);
    child.bridgeCtl = bctl;
    max = pci_scan_child_bus_extend(k, child, availableBuses);
    pci_bus_update_busn_res_end(k, child, max);
    pci_write_config_byte(k, dev, R.PCI_SUBORDINATE_BUS, max);
  }
  // Check that all devices are accessible.
  for (let b: PciBus = bus; b.parent; b = b.parent) {
    if (child.busnRes.end > b.busnRes.end || child.number > Number(b.busnRes.end) || child.number < b.number || Number(child.busnRes.end) < b.number) {
      k.pci_info(dev, 'bridge_unusable', { res: child.busnRes });
      break;
    }
  }
  return out();

  function out(): number {
    // Clear errors in the Secondary Status Register
    pci_write_config_word(k, dev, R.PCI_SEC_STATUS, 0xffff);
    if (!pci_lu_adopt(k, dev, { what: 'Bridge Control restore', off: R.PCI_BRIDGE_CONTROL, width: 2, value: bctl }))
      pci_write_config_word(k, dev, R.PCI_BRIDGE_CONTROL, bctl);
    return max;
  }
});

/** pci_scan_child_bus_extend(): slots, fixups, then bridges in two passes, sharing bus numbers. */
export const pci_scan_child_bus_extend = traced('pci_scan_child_bus_extend', (k: Kernel, bus: PciBus, availableBuses: number): number => {
  const start = Number(bus.busnRes.start);
  let max = start;
  for (let devfn = 0; devfn < 256; devfn += 8) pci_scan_slot(k, bus, devfn);
  // "Reserve buses for SR-IOV capability"
  let usedBuses = pci_iov_bus_range(bus);
  max += usedBuses;
  if (!bus.isAdded) {
    if (k.machine.arch === 'x86') pcibios_fixup_bus(k, bus); // the generic one does nothing
    bus.isAdded = true;
  }
  const bridges = bus.devices.filter((d) => d.hdrType === R.PCI_HEADER_TYPE_BRIDGE || d.hdrType === R.PCI_HEADER_TYPE_CARDBUS);
  const hotplug = bridges.filter((d) => d.isHotplugBridge).length;
  const normal = bridges.length - hotplug;
  for (const dev of bridges) {
    const cmax = max;
    max = pci_scan_bridge_extend(k, bus, dev, max, 0, 0);
    usedBuses++;
    if (max - cmax > 1) usedBuses += max - cmax - 1;
  }
  for (const dev of bridges) {
    let buses = 0;
    if (!hotplug && normal === 1) buses = availableBuses;
    else if (dev.isHotplugBridge) {
      buses = Math.floor(availableBuses / hotplug);
      const room = availableBuses - usedBuses + 1; // unsigned in the kernel: a negative value wraps
      if (room >= 0) buses = Math.min(buses, room);
    }
    const cmax = max;
    max = pci_scan_bridge_extend(k, bus, dev, cmax, buses, 1);
    if (max - cmax > 1) usedBuses += max - cmax - 1;
  }
  // Hotplug bridges reserve at least pci_hotplug_bus_size - 1 (default 0) more bus numbers.
  if (bus.self?.isHotplugBridge) {
    usedBuses = Math.max(availableBuses, 0);
    if (max - start < usedBuses) {
      max = start + usedBuses;
      if (max > Number(bus.busnRes.end)) max = Number(bus.busnRes.end);
    }
  }
  k.pci_bus_info(bus, 'bus_scan_returning', { max });
  return max;
});

export { IORESOURCE_UNSET };
