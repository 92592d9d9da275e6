// A simulated PCI function: its configuration space, how it decodes memory, its MMIO registers,
// an error state and resets. Bridges additionally forward configuration and memory cycles to the
// segment below them, by the bus numbers and windows programmed into them (see machine.ts).
import { ConfigSpace, Width } from './config-space';
import * as R from './regs';

export interface MmioFile {
  bar: number;
  registers: Map<number, number>;
}

/**
 * Bumped whenever a bridge's bus numbers may have changed (a write to them, a reset): routing
 * caches compare it (Machine.locate()).
 */
export const topology = { epoch: 0 };

export class PciFunction {
  /** Set by the builder: the power-on state, restored by a reset. */
  resetImage!: ConfigSpace;
  /** s390x: the registers as zPCI firmware leaves them when it enables the function */
  firmwareImage: ConfigSpace | null = null;
  /** For a bridge: the functions on its secondary side, keyed by devfn. */
  readonly below: Map<number, PciFunction> | null;
  /** Error state (s390 zPCI error, DPC containment, link down): reads all-ones, writes dropped. */
  errorState = false;
  pmCap = 0;
  pcieCap = 0;
  /** "dddd:bb:dd.f" where firmware placed the function: a name that survives renumbering */
  fwBdf = '';
  pcieType = -1;

  constructor(
    /** device << 3 | function, fixed by the slot the function sits in */
    readonly devfn: number,
    readonly config: ConfigSpace,
    readonly name: string,
    readonly mmio: MmioFile | null,
  ) {
    this.below = this.isBridge() ? new Map() : null;
  }

  headerType(): number {
    return this.config.data[R.PCI_HEADER_TYPE] & 0x7f;
  }

  isBridge(): boolean {
    return this.headerType() === R.PCI_HEADER_TYPE_BRIDGE;
  }

  readConfig(offset: number, width: Width): number {
    if (this.errorState) return width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    return this.config.read(offset, width);
  }

  /** A configuration write; returns true when the write reset the function (FLR, D3hot → D0). */
  writeConfig(offset: number, width: Width, value: number): boolean {
    if (this.errorState) return false;
    const pmcsr = this.pmCap ? this.pmCap + R.PCI_PM_CTRL : -1;
    const before = pmcsr >= 0 ? this.powerState() : 0;
    this.config.write(offset, width, value);
    if (this.below && offset <= R.PCI_SUBORDINATE_BUS && offset + width > R.PCI_PRIMARY_BUS) topology.epoch++;
    if (pmcsr >= 0 && offset <= pmcsr && offset + width > pmcsr && this.pmTransition(before)) return true;
    const devctl = this.pcieCap ? this.pcieCap + R.PCI_EXP_DEVCTL : -1;
    if (devctl >= 0 && offset <= devctl + 1 && offset + width > devctl + 1) {
      // Initiate Function Level Reset is write-only: it reads back 0 and resets the function.
      if ((this.config.read(devctl, 2) & R.PCI_EXP_DEVCTL_BCR_FLR) !== 0) {
        this.reset();
        return true;
      }
    }
    return false;
  }

  /** PMCSR PowerState field, 0 = D0 … 3 = D3hot. */
  powerState(): number {
    if (!this.pmCap) return 0;
    return this.config.read(this.pmCap + R.PCI_PM_CTRL, 2) & R.PCI_PM_CTRL_STATE_MASK;
  }

  /**
   * PCI PM 1.2 §5.4.1 / PCIe r6.0 §5.3.1.4.1: a function whose PMCSR says No_Soft_Reset = 0 goes
   * through an internal reset on the D3hot → D0 transition; its configuration returns to the
   * power-on state (BARs included), which is why the kernel restores state afterwards.
   */
  private pmTransition(before: number): boolean {
    const after = this.powerState();
    const noSoftReset = (this.config.read(this.pmCap + R.PCI_PM_CTRL, 2) & R.PCI_PM_CTRL_NO_SOFT_RESET) !== 0;
    if (before === 3 && after === 0 && !noSoftReset) {
      this.reset();
      return true;
    }
    return false;
  }

  /** Conventional reset / FLR: back to the power-on image (masks are hardware, they stay). */
  reset(): void {
    if (this.below) topology.epoch++;
    this.config.data.set(this.resetImage.data);
    this.errorState = false;
  }

  command(): number {
    return this.config.read(R.PCI_COMMAND, 2);
  }

  /** Decode-enabled memory BARs as [base, size, bar index]; a function in D1-D3 decodes none. */
  memoryBars(): Array<{ index: number; base: bigint; size: bigint }> {
    if (this.errorState || this.powerState() !== 0 || !(this.command() & R.PCI_COMMAND_MEMORY)) return [];
    return this.memoryBarsAll().filter((b) => !b.io);
  }

  /**
   * Every implemented BAR as its registers program it, decode enabled or not: [index, base, size,
   * I/O or memory]. A BAR is implemented where it has writable address bits.
   */
  memoryBarsAll(): Array<{ index: number; base: bigint; size: bigint; io: boolean }> {
    const out: Array<{ index: number; base: bigint; size: bigint; io: boolean }> = [];
    const count = this.isBridge() ? 2 : 6;
    for (let i = 0; i < count; i++) {
      const index = i;
      const reg = R.PCI_BASE_ADDRESS_0 + 4 * i;
      const lo = this.config.read(reg, 4);
      const mask = this.config.mask(reg, 4);
      if (mask === 0) continue;
      if (lo & R.PCI_BASE_ADDRESS_SPACE_IO) {
        const m = BigInt((mask & R.PCI_BASE_ADDRESS_IO_MASK) >>> 0);
        out.push({ index, base: BigInt((lo & R.PCI_BASE_ADDRESS_IO_MASK) >>> 0), size: m & -m, io: true });
        continue;
      }
      let base = BigInt((lo & R.PCI_BASE_ADDRESS_MEM_MASK) >>> 0);
      let fullMask = BigInt(mask) | 0xfn;
      if ((lo & R.PCI_BASE_ADDRESS_MEM_TYPE_MASK) === R.PCI_BASE_ADDRESS_MEM_TYPE_64) {
        base |= BigInt(this.config.read(reg + 4, 4)) << 32n;
        fullMask |= BigInt(this.config.mask(reg + 4, 4)) << 32n;
        i++;
      } else {
        fullMask |= 0xffffffff00000000n;
      }
      const m = fullMask & ~0xfn;
      out.push({ index, base, size: m & -m, io: false });
    }
    return out;
  }

  /** Bridge: does it forward this memory address downstream (COMMAND.MEMORY and a window)? */
  forwardsMemory(addr: bigint): boolean {
    if (!this.isBridge() || this.errorState || !(this.command() & R.PCI_COMMAND_MEMORY)) return false;
    const c = this.config;
    const memBase = BigInt(c.read(R.PCI_MEMORY_BASE, 2) & R.PCI_MEMORY_RANGE_MASK) << 16n;
    const memLimit = (BigInt(c.read(R.PCI_MEMORY_LIMIT, 2) & R.PCI_MEMORY_RANGE_MASK) << 16n) | 0xfffffn;
    if (memBase <= memLimit && addr >= memBase && addr <= memLimit) return true;
    const pb = c.read(R.PCI_PREF_MEMORY_BASE, 2);
    const pl = c.read(R.PCI_PREF_MEMORY_LIMIT, 2);
    let prefBase = BigInt(pb & R.PCI_PREF_RANGE_MASK) << 16n;
    let prefLimit = (BigInt(pl & R.PCI_PREF_RANGE_MASK) << 16n) | 0xfffffn;
    if ((pb & R.PCI_PREF_RANGE_TYPE_MASK) === R.PCI_PREF_RANGE_TYPE_64) {
      prefBase |= BigInt(c.read(R.PCI_PREF_BASE_UPPER32, 4)) << 32n;
      prefLimit |= BigInt(c.read(R.PCI_PREF_LIMIT_UPPER32, 4)) << 32n;
    }
    return prefBase <= prefLimit && addr >= prefBase && addr <= prefLimit;
  }

  secondaryBus(): number {
    return this.config.data[R.PCI_SECONDARY_BUS];
  }

  subordinateBus(): number {
    return this.config.data[R.PCI_SUBORDINATE_BUS];
  }

  /** A 32-bit MMIO read that this function decodes at BAR `bar` + offset. */
  mmioRead(bar: number, offset: number): number {
    if (!this.mmio || this.mmio.bar !== bar) return 0;
    return this.mmio.registers.get(offset) ?? 0;
  }
}
