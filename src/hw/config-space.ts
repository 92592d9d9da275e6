// One function's configuration space as the hardware implements it: values plus per-byte
// read-write and write-1-to-clear masks. Everything else about a register falls out of the masks:
// read-only bits keep their value, reserved bits are read-only zero, a BAR's size is the run of
// zero bits at the bottom of its read-write mask (so "write all-ones, read back" sizes it, and so
// does OpenBSD's 0xfffffff0 or the ROM's 0xfffff800: no write pattern is special).
//
// The model follows QEMU's wmask/w1cmask (hw/pci/pci.c pci_default_write_config) and Linux's own
// pci-bridge-emul.c {ro, rw, w1c} behaviour table.

export type Width = 1 | 2 | 4;

/**
 * Images are carved out of shared 1 MiB slabs: a 10,000-function machine would otherwise make
 * 20,000 separate zero-filled buffers, and allocation plus garbage collection would dominate a
 * boot. A slab lives as long as any image in it.
 */
const SLAB = 1 << 20;
let slab = new Uint8Array(0);
let slabUsed = 0;
function carve(bytes: number): Uint8Array {
  if (slabUsed + bytes > slab.length) {
    slab = new Uint8Array(Math.max(SLAB, bytes));
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + bytes);
  slabUsed += bytes;
  return out;
}

export class ConfigSpace {
  readonly data: Uint8Array;
  readonly rw: Uint8Array;
  readonly w1c: Uint8Array;

  /**
   * @param size 256 for conventional PCI, 4096 for PCIe (extended configuration space)
   * @param masks the read-write and write-1-to-clear masks of another image of the same function
   *   (the masks are the silicon: a reset image shares them)
   */
  constructor(readonly size: 256 | 4096, masks?: ConfigSpace) {
    // one allocation per image: thousands of functions make many small buffers expensive
    const buf = carve(masks ? size : size * 3);
    this.data = buf.subarray(0, size);
    this.rw = masks ? masks.rw : buf.subarray(size, 2 * size);
    this.w1c = masks ? masks.w1c : buf.subarray(2 * size, 3 * size);
  }

  read(offset: number, width: Width): number {
    if (offset + width > this.size) return width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + this.data[offset + i];
    return v >>> 0;
  }

  /** A configuration write as the device sees it: RW bits take the value, W1C bits clear where 1 is written. */
  write(offset: number, width: Width, value: number): void {
    if (offset + width > this.size) return;
    for (let i = 0; i < width; i++) {
      const b = (value >>> (8 * i)) & 0xff;
      const o = offset + i;
      const old = this.data[o];
      let nv = (old & ~this.rw[o]) | (b & this.rw[o]);
      nv &= ~(b & this.w1c[o]);
      this.data[o] = nv & 0xff;
    }
  }

  /** Firmware/builder access: set value bytes directly, bypassing the masks. */
  poke(offset: number, width: Width, value: number): void {
    for (let i = 0; i < width; i++) this.data[offset + i] = (value >>> (8 * i)) & 0xff;
  }

  setRw(offset: number, width: Width, mask: number): void {
    for (let i = 0; i < width; i++) this.rw[offset + i] = (mask >>> (8 * i)) & 0xff;
  }

  setW1c(offset: number, width: Width, mask: number): void {
    for (let i = 0; i < width; i++) this.w1c[offset + i] = (mask >>> (8 * i)) & 0xff;
  }

  mask(offset: number, width: Width): number {
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + this.rw[offset + i];
    return v >>> 0;
  }

  clone(): ConfigSpace {
    const c = new ConfigSpace(this.size);
    c.data.set(this.data);
    c.rw.set(this.rw);
    c.w1c.set(this.w1c);
    return c;
  }

  /** A copy of the values that shares the masks (for images the function is reset to). */
  snapshot(): ConfigSpace {
    const c = new ConfigSpace(this.size, this);
    c.data.set(this.data);
    return c;
  }
}
