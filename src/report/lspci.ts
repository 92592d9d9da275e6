// `lspci -xxxx` text (pciutils lspci.c show_device() terse line + show_hex_dump()), read from the
// simulated hardware the way lspci reads sysfs: the function's whole config space as it is now.
import type { Machine } from '../hw/machine';
import type { PciFunction } from '../hw/pci-function';
import * as R from '../hw/regs';

/** pci.ids class names for the classes the fixtures use (base class + subclass). */
const CLASS_NAMES: Record<number, string> = {
  0x0100: 'SCSI storage controller', 0x0101: 'IDE interface', 0x0104: 'RAID bus controller', 0x0106: 'SATA controller',
  0x0108: 'Non-Volatile memory controller', 0x0180: 'Mass storage controller',
  0x0200: 'Ethernet controller', 0x0280: 'Network controller',
  0x0300: 'VGA compatible controller', 0x0302: '3D controller', 0x0380: 'Display controller',
  0x0400: 'Multimedia video controller', 0x0401: 'Multimedia audio controller', 0x0403: 'Audio device', 0x0480: 'Multimedia controller',
  0x0600: 'Host bridge', 0x0601: 'ISA bridge', 0x0604: 'PCI bridge', 0x0680: 'Bridge',
  0x0806: 'IOMMU', 0x0880: 'System peripheral',
  0x0c03: 'USB controller', 0x0c05: 'SMBus',
  0x1080: 'Encryption controller', 0x1300: 'Non-Essential Instrumentation [1300]',
};

function hex(v: number, d: number): string {
  return v.toString(16).padStart(d, '0');
}

export function slotName(domain: number, bus: number, devfn: number, showDomain: boolean): string {
  return `${showDomain ? hex(domain, 4) + ':' : ''}${hex(bus, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7}`;
}

/** The terse device line: `07:00.0 Multimedia controller: Digital Devices … (rev 01)`. */
export function deviceLine(fn: PciFunction, slot: string): string {
  const cls = fn.config.read(R.PCI_CLASS_REVISION, 4) >>> 16;
  const rev = fn.config.read(R.PCI_CLASS_REVISION, 1);
  const className = CLASS_NAMES[cls] ?? `Class ${hex(cls, 4)}`;
  return `${slot} ${className}: ${fn.name}${rev ? ` (rev ${hex(rev, 2)})` : ''}`;
}

/** show_hex_dump(): "%02x:" (three digits past 0xff) then " %02x" per byte, 16 per row. */
export function hexDump(fn: PciFunction, size: number = fn.config.size): string[] {
  const out: string[] = [];
  const data = fn.errorState ? new Uint8Array(size).fill(0xff) : fn.config.data;
  for (let i = 0; i < size; i += 16) {
    let row = hex(i, 2) + ':';
    for (let j = 0; j < 16; j++) row += ' ' + hex(data[i + j], 2);
    out.push(row);
  }
  return out;
}

/** One device as `lspci -s BDF -xxxx` prints it (without the trailing blank line). */
export function lspciXxxx(machine: Machine, bdf: string): string {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(bdf);
  if (!m) throw new Error(`Cannot dump ${bdf}: expected a "dddd:bb:dd.f" address`);
  const [domain, bus, dev, func] = [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16), Number(m[4])];
  const devfn = (dev << 3) | func;
  const fn = machine.locate(domain, bus, devfn);
  if (!fn) throw new Error(`Cannot dump ${bdf}: no function answers there`);
  return [deviceLine(fn, slotName(domain, bus, devfn, domain !== 0)), ...hexDump(fn)].join('\n');
}

/** Every function of the machine as `lspci -xxxx` prints it, sorted by address, blank-line separated. */
export function lspciAll(machine: Machine): string {
  const all = [...machine.walk()].sort((a, b) => a.host.domain - b.host.domain || a.bus - b.bus || a.devfn - b.devfn);
  const showDomain = all.some((l) => l.host.domain !== 0);
  return all.map((l) => [deviceLine(l.fn, slotName(l.host.domain, l.bus, l.devfn, showDomain)), ...hexDump(l.fn)].join('\n') + '\n\n').join('');
}
