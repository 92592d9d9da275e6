// init/main.c do_initcalls(), reduced to the PCI-relevant initcalls of an x86 ACPI boot, in the
// order the kernel runs them (spec kernel-pci.md §B). acpi_init (drivers/acpi) runs before
// pci_subsys_init (arch/x86/pci) in the same subsys level because arch/x86/pci links after drivers/.
import { Kernel, traced } from './kernel';
import { acpi_init } from './acpi/pci_root';
import { pci_subsys_init, pcibios_assign_resources } from './arch/x86/i386';
import { pci_apply_final_quirks } from './quirks';
import { pnp_system_init } from './pnp';
import { pcie_portdrv_init } from './pcie/portdrv';
import { shpcd_init } from './hotplug/shpchp';
import { pci_base_init } from './arch/s390/pci';

/**
 * Virtual time at which each initcall starts, from the timestamps of Bernd's v6.12.73 boot
 * (enumeration ≈0.31 s, "can't claim" at 0.3397 s, "assigned" at 0.357 s); the model's own
 * accesses advance the clock in between.
 */
export const INITCALLS = [
  { name: 'acpi_init', level: 'subsys_initcall', usec: 310000, run: acpi_init },
  { name: 'pci_subsys_init', level: 'subsys_initcall', usec: 339600, run: pci_subsys_init },
  // drivers/pnp/system.c links before arch/x86/pci: its fs_initcall runs first
  { name: 'pnp_system_init', level: 'fs_initcall', usec: 350000, run: pnp_system_init },
  { name: 'pcibios_assign_resources', level: 'fs_initcall', usec: 357000, run: pcibios_assign_resources },
  // [model] times for the rest: no public log of the X570S pins them
  { name: 'pci_apply_final_quirks', level: 'fs_initcall_sync', usec: 380000, run: pci_apply_final_quirks },
  { name: 'pcie_portdrv_init', level: 'device_initcall', usec: 420000, run: pcie_portdrv_init },
  { name: 'shpcd_init', level: 'device_initcall', usec: 430000, run: shpcd_init },
] as const;

/**
 * s390x: no ACPI and no x86 resource survey or assignment; zPCI enumerates in pci_base_init()
 * (subsys_initcall_sync). [model] times: no public s390 log with timestamps pins them.
 */
export const INITCALLS_S390 = [
  { name: 'pci_base_init', level: 'subsys_initcall_sync', usec: 310000, run: pci_base_init },
  { name: 'pci_apply_final_quirks', level: 'fs_initcall_sync', usec: 380000, run: pci_apply_final_quirks },
] as const;

export const do_initcalls = traced('do_initcalls', (k: Kernel): void => {
  for (const ic of k.machine.arch === 's390x' ? INITCALLS_S390 : INITCALLS) {
    k.clock.atLeast(ic.usec);
    k.phase = ic.name;
    ic.run(k);
    k.flushWork();
    k.afterStep?.(`${ic.level} ${ic.name}`);
  }
});
