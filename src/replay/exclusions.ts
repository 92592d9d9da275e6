// What a replay is compared on, written down in one place with the reason for each exclusion.
// A line or register left out here is one the model does not produce, on purpose.

export interface LineExclusion {
  pattern: RegExp;
  reason: string;
}

/** Log lines of a real boot that come from code the model does not simulate. */
export const LINE_EXCLUSIONS: LineExclusion[] = [
  { pattern: /^\[mem 0x[0-9a-f]+-0x[0-9a-f]+\] available for PCI devices$/, reason: 'e820 gap search (arch/x86/kernel/e820.c): memory map, not PCI' },
  { pattern: /^PCI: MMCONFIG /, reason: 'ECAM discovery (arch/x86/pci/mmconfig-shared.c): config access method, not modelled' },
  { pattern: /^PCI: Using configuration type 1 /, reason: 'config access method (arch/x86/pci/direct.c), not modelled' },
  { pattern: /^PCI: (Using|Ignoring) host bridge windows from ACPI/, reason: '_CRS policy (arch/x86/pci/acpi.c): its outcome is an input (host-bridge.txt)' },
  { pattern: /^PCI: Using E820 reservations for host bridge windows$/, reason: '_CRS/e820 policy (arch/x86/pci/acpi.c), not modelled' },
  { pattern: /^acpi PNP0A08:/, reason: 'ACPI _OSC negotiation and ignored _CRS windows (drivers/acpi/pci_root.c, arch/x86/pci/acpi.c): inputs' },
  { pattern: /^PCI: root bus [0-9a-f]{2}: using default resources$/, reason: 'pci=nocrs default windows (arch/x86/pci/bus_numa.c): an input (host-bridge.txt)' },
  { pattern: /^ACPI: PCI: Interrupt link /, reason: 'ACPI interrupt links (drivers/acpi/pci_link.c), not modelled' },
  { pattern: /^pci [0-9a-f:.]+: quirk: /, reason: 'device-specific quirks (drivers/pci/quirks.c) are not modelled' },
  { pattern: /^pcieport [0-9a-f:.]+: (?!enabling device)/, reason: 'PCIe port services (PME, AER, DPC, pciehp, bwctrl) are not modelled; pcieport binding is' },
  { pattern: /^(shpchp|pciehp) /, reason: 'hotplug controller drivers: their controller logic is not modelled (binding and enabling is)' },
];

/**
 * The oracle's own extraction rule for pci-lines.txt (shared/oracle/README.md): the replay's log
 * goes through the same filter, so that e.g. "release child resource" (KERN_DEBUG from
 * kernel/resource.c) is compared as the capture was made.
 */
export function captureLine(line: string): boolean {
  return /^(pci |pci_bus |pcieport |PCI|ACPI: PCI|acpi PNP0A08|shpchp |pciehp )/.test(line) || / available for PCI devices$/.test(line);
}

export function excludedLine(line: string): LineExclusion | undefined {
  return LINE_EXCLUSIONS.find((e) => e.pattern.test(line));
}

export interface Register {
  name: string;
  offset: number;
  width: 1 | 2 | 4;
}

/** The registers the PCI core owns, compared byte for byte after a replay. */
export const OWNED_TYPE0: Register[] = [
  { name: 'COMMAND', offset: 0x04, width: 2 },
  ...[0, 1, 2, 3, 4, 5].map((i) => ({ name: `BAR ${i}`, offset: 0x10 + 4 * i, width: 4 as const })),
  { name: 'ROM', offset: 0x30, width: 4 },
];

export const OWNED_TYPE1: Register[] = [
  { name: 'COMMAND', offset: 0x04, width: 2 },
  { name: 'BAR 0', offset: 0x10, width: 4 },
  { name: 'BAR 1', offset: 0x14, width: 4 },
  { name: 'primary bus', offset: 0x18, width: 1 },
  { name: 'secondary bus', offset: 0x19, width: 1 },
  { name: 'subordinate bus', offset: 0x1a, width: 1 },
  { name: 'I/O base', offset: 0x1c, width: 1 },
  { name: 'I/O limit', offset: 0x1d, width: 1 },
  { name: 'memory base', offset: 0x20, width: 2 },
  { name: 'memory limit', offset: 0x22, width: 2 },
  { name: 'prefetchable base', offset: 0x24, width: 2 },
  { name: 'prefetchable limit', offset: 0x26, width: 2 },
  { name: 'prefetchable base upper 32', offset: 0x28, width: 4 },
  { name: 'prefetchable limit upper 32', offset: 0x2c, width: 4 },
  { name: 'I/O base upper 16', offset: 0x30, width: 2 },
  { name: 'I/O limit upper 16', offset: 0x32, width: 2 },
  { name: 'ROM', offset: 0x38, width: 4 },
  { name: 'Bridge Control', offset: 0x3e, width: 2 },
];

/** Registers left out of the comparison, and why. */
export const REGISTER_EXCLUSIONS: Array<{ what: string; reason: string }> = [
  { what: 'STATUS, secondary status', reason: 'write-1-to-clear error bits set by traffic the model does not generate' },
  { what: 'cache line size, latency timer', reason: 'firmware values the PCI core leaves alone on these devices (no MWI users)' },
  { what: 'interrupt line', reason: 'written by ACPI IRQ routing (drivers/acpi/pci_irq.c), not modelled' },
  { what: 'capability registers (PM, PCIe control/slot, MSI/MSI-X, SHPC)', reason: 'written by port services, hotplug and MSI setup, not modelled' },
  { what: 'extended configuration space (0x100-0xfff)', reason: 'not in the early dump (256 bytes), so there is no firmware state to replay' },
  { what: 'chipset-specific registers (e.g. LPC PIRQ routing at 0x60)', reason: 'written by ACPI and quirks, not modelled' },
];
