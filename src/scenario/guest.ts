// The guest side of a passthrough: QEMU presents the host function to the guest through
// vfio-pci. The guest's config space is vfio's virtualised copy (vfio_pci_config.c); its BAR 0
// MMIO reaches the host physical address of the host kernel's resource (the BAR region mmap()ed
// by QEMU). What the card answers there depends on what its BAR register says, not on the
// kernel's resource: that is how a stale BAR shows up in the guest.
//
// Not modelled: the guest's own enumeration (its log lines would be invented), QEMU's config
// virtualisation beyond BAR addresses, and the guest firmware's programming beyond enabling
// memory decode (OVMF/SeaBIOS enable decode for devices they assign, so the guest's
// pci_enable_device() prints nothing).
import { ConfigSpace } from '../hw/config-space';
import { HostBridge, Machine } from '../hw/machine';
import { PciFunction } from '../hw/pci-function';
import * as R from '../hw/regs';
import { readl } from '../kernel/access';
import { ddb_probe } from '../kernel/drivers/ddbridge';
import { Kernel } from '../kernel/kernel';
import { IORESOURCE_BUS, IORESOURCE_MEM, IORESOURCE_MEM_64, Resource } from '../kernel/resource';
import { PCI_D0, PciBus, PciDev } from '../kernel/types';
import { VirtualClock } from '../printk/log';
import type { KernelVariant } from '../kernel/releases';

/** Guest-physical address QEMU gives BAR 0 ([model]: any address in the guest's 64-bit MMIO). */
const GUEST_BAR0 = 0xfe800000n;

export interface GuestRun {
  kernel: Kernel;
  probe: number;
}

export function runGuestDdbridge(host: Kernel, hostDev: PciDev, guestBdf: string, variant: KernelVariant, tracing: boolean): GuestRun {
  const fn = host.machine.locate(hostDev.bus.domain, hostDev.bus.number, hostDev.devfn);
  if (!fn) throw new Error(`host device ${hostDev.name()} is unreachable`);
  // vfio's virtual config: the host's header as read at open, BAR 0 moved to the guest address,
  // memory decode enabled by the guest firmware.
  const vconfig: ConfigSpace = fn.config.clone();
  vconfig.poke(R.PCI_BASE_ADDRESS_0, 4, Number(GUEST_BAR0 & 0xfffffff0n) | (vconfig.read(R.PCI_BASE_ADDRESS_0, 4) & 0xf));
  vconfig.poke(R.PCI_BASE_ADDRESS_0 + 4, 4, Number(GUEST_BAR0 >> 32n));
  vconfig.poke(R.PCI_COMMAND, 2, vconfig.read(R.PCI_COMMAND, 2) | R.PCI_COMMAND_MEMORY);
  const [, busHex, devfnHex] = /^[0-9a-f]{4}:([0-9a-f]{2}):([0-9a-f]{2}\.[0-7])$/.exec(guestBdf) ?? [];
  const busNr = parseInt(busHex, 16);
  const devfn = (parseInt(devfnHex.slice(0, 2), 16) << 3) | parseInt(devfnHex.slice(3), 10);
  const gfn = new PciFunction(devfn, vconfig, fn.name, null);
  gfn.resetImage = vconfig.clone();
  gfn.pmCap = fn.pmCap;
  gfn.pcieCap = fn.pcieCap;
  gfn.pcieType = fn.pcieType;
  const host0 = new HostBridge('PCI0', 0, busNr, busNr, [{ type: 'mem', start: 0x80000000n, end: 0xffffffffn, pref: false }]);
  host0.root.set(devfn, gfn);
  const gm = new Machine('qemu-q35-guest', [host0], 0x80000000n);
  const guest = new Kernel(variant, gm, new VirtualClock(), {}, tracing, 'guest');
  guest.clock.atLeast(2_100_000); // the guest's driver probes ~2 s into its boot [model]

  const bus = new PciBus(0, busNr, null, null, new Resource('', BigInt(busNr), BigInt(busNr), IORESOURCE_BUS));
  const dev = new PciDev(bus, devfn);
  dev.vendor = hostDev.vendor;
  dev.device = hostDev.device;
  dev.subsystemVendor = hostDev.subsystemVendor;
  dev.subsystemDevice = hostDev.subsystemDevice;
  dev.class = hostDev.class;
  dev.hdrType = 0;
  dev.pmCap = hostDev.pmCap;
  dev.pcieCap = hostDev.pcieCap;
  dev.pcieFlags = hostDev.pcieFlags;
  dev.currentState = PCI_D0;
  const size = hostDev.resource[0].end - hostDev.resource[0].start + 1n;
  const window = new Resource('PCI Bus 0000:' + busHex, GUEST_BAR0, GUEST_BAR0 + 0xfffffn, IORESOURCE_MEM);
  const bar = new Resource(guestBdf, GUEST_BAR0, GUEST_BAR0 + size - 1n, IORESOURCE_MEM | IORESOURCE_MEM_64);
  bar.parent = window;
  dev.resource[0] = bar;
  bus.devices.push(dev);
  guest.devices.push(dev);
  dev.driver = { name: 'ddbridge', probe: () => 0 };

  // The guest's readl() of BAR 0 lands in QEMU's mmap of the host BAR: the host physical address
  // is the host kernel's pci_resource_start(), and the host fabric routes it from there.
  const hostStart = hostDev.resource[0].start;
  const read = (_d: PciDev, off: number): number => {
    host.enter('guest ddbreadl (vfio BAR 0 mmap)');
    try {
      return readl(host, hostStart + BigInt(off));
    } finally {
      host.leave();
    }
  };
  guest.phase = 'guest: ddbridge probe';
  const probe = ddb_probe(guest, dev, read);
  if (probe < 0) dev.driver = null;
  return { kernel: guest, probe };
}
