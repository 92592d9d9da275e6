// arch/x86/pci/i386.c and common.c: the x86 resource survey (claim what firmware assigned) in
// pci_subsys_init, and the late fs_initcall pcibios_assign_resources() that corrects what could
// not be claimed. That late correction is why the bug exists: "No other architecture performs
// such a late BAR correction" (909f7bf9b080).
import * as R from '../../../hw/regs';
import { pci_read_config_dword, pci_read_config_word, pci_write_config_dword } from '../../access';
import { Kernel, traced } from '../../kernel';
import { pci_read_bridge_bases } from '../../probe';
import { IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_PCI_FIXED, IORESOURCE_ROM_ENABLE } from '../../resource';
import { pci_claim_bridge_resource, pci_claim_resource } from '../../setup-res';
import { pci_assign_unassigned_resources } from '../../setup-bus';
import { PCI_BRIDGE_RESOURCES, PCI_IOV_RESOURCES, PCI_NUM_RESOURCES, PCI_ROM_RESOURCE, PciBus, PciDev } from '../../types';

/** pcibios_fixup_bus(): the bridge's windows into the child bus's resources. */
export const pcibios_fixup_bus = traced('pcibios_fixup_bus', (k: Kernel, b: PciBus): void => {
  pci_read_bridge_bases(k, b);
});

const BIOS_END = 0x100000n;
const BIOS_ROM_BASE = 0xffe00000n;
const BIOS_ROM_END = 0xffffffffn;

/** pcibios_align_resource(): keep I/O off ISA aliases, memory above the low 1 MiB. */
export function pcibios_align_resource(dev: PciDev, res: { start: bigint; flags: number }, size: bigint, align: bigint): bigint {
  void dev; void size; void align;
  let start = res.start;
  if (res.flags & IORESOURCE_IO) {
    if (start & 0x300n) start = (start + 0x3ffn) & ~0x3ffn;
  } else if (res.flags & IORESOURCE_MEM) {
    if (start < BIOS_END) start = BIOS_END;
  }
  return start;
}

/** arch_remove_reservations(): trim the BIOS ROM area (high 2 MiB); e820 holes are not modelled. */
export function arch_remove_reservations(avail: { start: bigint; end: bigint; flags: number }): void {
  if (!(avail.flags & IORESOURCE_MEM)) return;
  if (avail.end < BIOS_ROM_BASE || avail.start > BIOS_ROM_END) return;
  const low = avail.start < BIOS_ROM_BASE ? BIOS_ROM_BASE - avail.start : 0n;
  const high = avail.end > BIOS_ROM_END ? avail.end - BIOS_ROM_END : 0n;
  if (low > high) avail.end = BIOS_ROM_BASE - 1n;
  else avail.start = BIOS_ROM_END + 1n;
}

const pcibios_allocate_bridge_resources = traced('pcibios_allocate_bridge_resources', (k: Kernel, dev: PciDev): void => {
  for (let idx = PCI_BRIDGE_RESOURCES; idx < PCI_NUM_RESOURCES; idx++) {
    const r = dev.resource[idx];
    if (!r.flags || r.parent) continue;
    if (!r.start || pci_claim_bridge_resource(k, dev, idx) < 0) {
      // Something is wrong with the region: invalidate it so no child is allocated in it.
      r.start = r.end = 0n;
      r.flags = 0;
    }
  }
});

const pcibios_allocate_bus_resources = traced('pcibios_allocate_bus_resources', (k: Kernel, bus: PciBus): void => {
  if (bus.self) pcibios_allocate_bridge_resources(k, bus.self);
  for (const child of bus.children) pcibios_allocate_bus_resources(k, child);
});

/**
 * pcibios_allocate_dev_resources(): claim BARs whose decode is enabled (pass 0), then the
 * disabled ones (pass 1). A BAR that cannot be claimed keeps its size, moves to 0 and has its
 * firmware address remembered for pci_revert_fw_address(). The standard BARs, then (CONFIG_PCI_IOV)
 * the VF BARs, judged by the PF's COMMAND register.
 */
/** idx_range[]: PCI_STD_RESOURCES..PCI_STD_RESOURCE_END, PCI_IOV_RESOURCES..PCI_IOV_RESOURCE_END */
const IDX_RANGE = [0, 1, 2, 3, 4, 5, ...Array.from({ length: 6 }, (_, i) => PCI_IOV_RESOURCES + i)];

const pcibios_allocate_dev_resources = traced('pcibios_allocate_dev_resources', (k: Kernel, dev: PciDev, pass: number): void => {
  const command = pci_read_config_word(k, dev, R.PCI_COMMAND);
  for (const idx of k.kconfig.PCI_IOV ? IDX_RANGE : IDX_RANGE.slice(0, 6)) {
    const r = dev.resource[idx];
    if (r.parent || !r.start) continue;
    const disabled = r.flags & IORESOURCE_IO ? !(command & R.PCI_COMMAND_IO) : !(command & R.PCI_COMMAND_MEMORY);
    if (pass !== (disabled ? 1 : 0)) continue;
    k.pci_info(dev, 'bar_reserving', { idx, res: r, d: disabled ? 1 : 0, pass });
    if (pci_claim_resource(k, dev, idx) < 0) {
      if (r.flags & IORESOURCE_PCI_FIXED) {
        k.pci_info(dev, 'bar_immovable', { idx, res: r });
      } else {
        dev.fwAddr.set(idx, r.start); // pcibios_save_fw_addr()
        r.end -= r.start;
        r.start = 0n;
      }
    }
  }
  if (!pass) {
    const r = dev.resource[PCI_ROM_RESOURCE];
    if (r.flags & IORESOURCE_ROM_ENABLE) {
      // Turn the ROM off, leave the resource region, but keep it unregistered.
      k.pci_info(dev, 'rom_disabling', { res: r });
      r.flags &= ~IORESOURCE_ROM_ENABLE;
      const reg = pci_read_config_dword(k, dev, dev.romBaseReg);
      pci_write_config_dword(k, dev, dev.romBaseReg, reg & ~R.PCI_ROM_ADDRESS_ENABLE);
    }
  }
});

const pcibios_allocate_resources = traced('pcibios_allocate_resources', (k: Kernel, bus: PciBus, pass: number): void => {
  for (const dev of bus.devices) {
    pcibios_allocate_dev_resources(k, dev, pass);
    if (dev.subordinate) pcibios_allocate_resources(k, dev.subordinate, pass);
  }
});

/** pcibios_resource_survey() */
export const pcibios_resource_survey = traced('pcibios_resource_survey', (k: Kernel): void => {
  for (const bus of k.roots) pcibios_allocate_bus_resources(k, bus);
  for (const bus of k.roots) pcibios_allocate_resources(k, bus, 0);
  for (const bus of k.roots) pcibios_allocate_resources(k, bus, 1);
});

/** pcibios_init() (common.c) */
export const pcibios_init = traced('pcibios_init', (k: Kernel): void => {
  k.pr_info('cache_line_size', { bytes: 64 }); // pcibios_set_cache_line_size(): clflush size
  pcibios_resource_survey(k);
});

/** pci_subsys_init() (legacy.c), subsys_initcall, linked after drivers/acpi. */
export const pci_subsys_init = traced('pci_subsys_init', (k: Kernel): void => {
  k.pr_info('using_acpi_irq'); // x86_init.pci.init = pci_acpi_init
  pcibios_init(k);
});

const pcibios_allocate_dev_rom_resource = traced('pcibios_allocate_dev_rom_resource', (k: Kernel, dev: PciDev): void => {
  const r = dev.resource[PCI_ROM_RESOURCE];
  if (!r.flags || !r.start || r.parent) return;
  if (pci_claim_resource(k, dev, PCI_ROM_RESOURCE) < 0) {
    r.end -= r.start;
    r.start = 0n;
  }
});

const pcibios_allocate_rom_resources = traced('pcibios_allocate_rom_resources', (k: Kernel, bus: PciBus): void => {
  for (const dev of bus.devices) {
    pcibios_allocate_dev_rom_resource(k, dev);
    if (dev.subordinate) pcibios_allocate_rom_resources(k, dev.subordinate);
  }
});

/** pcibios_assign_resources(), fs_initcall: ROMs, then everything still unassigned. */
export const pcibios_assign_resources = traced('pcibios_assign_resources', (k: Kernel): void => {
  for (const bus of k.roots) pcibios_allocate_rom_resources(k, bus);
  pci_assign_unassigned_resources(k);
  for (const dev of k.devices) dev.fwAddr.clear(); // pcibios_fw_addr_list_del()
});
