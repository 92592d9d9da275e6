// The simulator's own observations, computed after every initcall and event: where the kernel's
// view, the hardware and saved_config_space disagree, and reads that came back all-ones. They are
// never mixed into the kernel log.
import * as R from '../hw/regs';
import type { Kernel } from '../kernel/kernel';
import { IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_UNSET } from '../kernel/resource';
import { PCI_ROM_RESOURCE, PciDev } from '../kernel/types';
import { resourceString } from '../printk/format';
import { pci_resource_name } from '../kernel/pci';
import { to_zpci } from '../kernel/arch/s390/pci';

export type FindingKind = 'saved-diverges' | 'bar-not-decoding' | 'all-ones-read';

export interface Finding {
  /** the initcall or event after which it was first seen */
  after: string;
  usec: number;
  kind: FindingKind;
  device: string;
  offset?: number;
  text: string;
}

const hex = (v: number | bigint, d = 8) => '0x' + v.toString(16).padStart(d, '0');

/** The BAR registers of a resource (one dword, two for 64-bit, the ROM register). */
function barRegs(dev: PciDev, i: number): number[] {
  if (i === PCI_ROM_RESOURCE) return [dev.romBaseReg];
  const reg = R.PCI_BASE_ADDRESS_0 + 4 * i;
  return dev.resource[i].flags & IORESOURCE_MEM_64 ? [reg, reg + 4] : [reg];
}

export class FindingsCollector {
  readonly findings: Finding[] = [];
  private readonly seen = new Set<string>();
  private mmioSeen = 0;

  constructor(private readonly k: Kernel) {}

  private add(f: Omit<Finding, 'after' | 'usec'>, key: string, after: string): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({ after, usec: this.k.clock.usec, ...f });
  }

  /** Look at every device now; record what is new since the last step. */
  step(after: string): void {
    const k = this.k;
    for (const dev of k.devices) {
      const fn = k.machine.locate(dev.bus.domain, dev.bus.number, dev.devfn);
      if (!fn || fn.errorState) continue;
      const bdf = dev.name();
      for (let i = 0; i <= PCI_ROM_RESOURCE; i++) {
        const res = dev.resource[i];
        if (!(res.flags & (IORESOURCE_MEM | IORESOURCE_IO))) continue;
        const regs = barRegs(dev, i);
        // Kernel view vs hardware: only for resources the kernel owns (claimed or assigned).
        if (res.parent && !(res.flags & IORESOURCE_UNSET) && (i !== PCI_ROM_RESOURCE || fn.config.read(regs[0], 4) & 1)) {
          const mask = res.flags & IORESOURCE_IO ? 0xfffffffc : i === PCI_ROM_RESOURCE ? R.PCI_ROM_ADDRESS_MASK : R.PCI_BASE_ADDRESS_MEM_MASK;
          let hw = BigInt((fn.config.read(regs[0], 4) & mask) >>> 0);
          if (regs.length === 2) hw |= BigInt(fn.config.read(regs[1], 4)) << 32n;
          // On s390x the resource is an iomap cookie: firmware sends loads through it to the
          // address it programmed into the BAR, so that is where the BAR must decode.
          const zdev = k.machine.arch === 's390x' ? to_zpci(k, dev) : undefined;
          const target = zdev ? zdev.host.zpci!.bars.get(i) ?? res.start : res.start;
          if (hw !== target)
            this.add(
              { kind: 'bar-not-decoding', device: bdf, offset: regs[0],
                text: zdev
                  ? `${bdf} ${pci_resource_name(dev, i)} decodes at ${hex(hw)}, but zPCI loads through the kernel's resource ${resourceString(res)} go to ${hex(target)}: they do not reach the device`
                  : `${bdf} ${pci_resource_name(dev, i)} decodes at ${hex(hw)}, but the kernel's resource is ${resourceString(res)}: accesses to the resource do not reach the device` },
              `dec:${bdf}:${i}:${hw}:${target}`, after);
        }
        // saved_config_space vs hardware: what a pci_restore_state() would write back.
        if (dev.savedEver) {
          for (const reg of regs) {
            const saved = dev.savedConfigSpace[reg / 4];
            const now = fn.config.read(reg, 4);
            if (saved !== now)
              this.add(
                { kind: 'saved-diverges', device: bdf, offset: reg,
                  text: `${bdf} saved_config_space ${hex(reg, 2)} = ${hex(saved)}, but the register holds ${hex(now)}: the next pci_restore_state() writes ${hex(saved)} back` },
                `sav:${bdf}:${reg}:${saved}:${now}`, after);
          }
        }
      }
    }
    for (; this.mmioSeen < k.allOnesMmio.length; this.mmioSeen++) {
      const m = k.allOnesMmio[this.mmioSeen];
      const who = m.device ?? 'no device';
      this.add(
        { kind: 'all-ones-read', device: m.device ?? '', text: `readl(${hex(m.addr)}) returned 0xffffffff: no function decodes that address, which is inside ${m.device ? `${who}'s BAR resource` : 'no BAR resource'} (${m.chain})` },
        `mmio:${this.mmioSeen}`, after);
    }
  }
}
