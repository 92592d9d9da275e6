// struct resource and the resource tree (kernel/resource.c): request_resource_conflict(),
// allocate_resource(), release_resource(). Flag values are include/linux/ioport.h.

export const IORESOURCE_BITS = 0x000000ff;
export const IORESOURCE_TYPE_BITS = 0x00001f00;
export const IORESOURCE_IO = 0x00000100;
export const IORESOURCE_MEM = 0x00000200;
export const IORESOURCE_IRQ = 0x00000400;
export const IORESOURCE_DMA = 0x00000800;
export const IORESOURCE_BUS = 0x00001000;
export const IORESOURCE_PREFETCH = 0x00002000;
export const IORESOURCE_READONLY = 0x00004000;
export const IORESOURCE_SIZEALIGN = 0x00040000;
export const IORESOURCE_STARTALIGN = 0x00080000;
export const IORESOURCE_MEM_64 = 0x00100000;
export const IORESOURCE_WINDOW = 0x00200000;
export const IORESOURCE_DISABLED = 0x10000000;
export const IORESOURCE_UNSET = 0x20000000;
export const IORESOURCE_BUSY = 0x80000000;
export const IORESOURCE_ROM_ENABLE = 1 << 0;
export const IORESOURCE_ROM_SHADOW = 1 << 1;
export const IORESOURCE_PCI_FIXED = 1 << 4;

export class Resource {
  parent: Resource | null = null;
  children: Resource[] = [];
  constructor(
    public name: string,
    public start: bigint,
    public end: bigint,
    public flags: number,
  ) {}

  size(): bigint {
    return this.end - this.start + 1n;
  }

  type(): number {
    return this.flags & IORESOURCE_TYPE_BITS;
  }

  contains(r: Resource): boolean {
    return this.type() === r.type() && r.start >= this.start && r.end <= this.end;
  }

  copy(): Resource {
    return new Resource(this.name, this.start, this.end, this.flags);
  }
}

/** request_resource_conflict(): insert `res` under `root`, or return what is in the way. */
export function request_resource_conflict(root: Resource, res: Resource): Resource | null {
  if (res.end < res.start) return root;
  if (res.start < root.start || res.end > root.end) return root;
  const kids = root.children;
  let i = 0;
  while (i < kids.length && kids[i].end < res.start) i++;
  if (i < kids.length && kids[i].start <= res.end) return kids[i];
  kids.splice(i, 0, res);
  res.parent = root;
  return null;
}

export function release_resource(res: Resource): void {
  const p = res.parent;
  if (!p) return;
  const i = p.children.indexOf(res);
  if (i >= 0) p.children.splice(i, 1);
  res.parent = null;
}

export type AlignFn = (avail: { start: bigint; end: bigint; flags: number }, size: bigint, align: bigint) => bigint;

function alignUp(v: bigint, a: bigint): bigint {
  return a > 1n ? (v + a - 1n) & ~(a - 1n) : v;
}

/**
 * allocate_resource() → __find_resource_space(): walk the gaps between `root`'s children from the
 * bottom, clip each to [min, max], align, and take the first that fits.
 * `removeReservations` is the arch hook (x86 arch_remove_reservations()).
 */
export function allocate_resource(
  root: Resource,
  res: Resource,
  size: bigint,
  min: bigint,
  max: bigint,
  align: bigint,
  alignf: AlignFn | null,
  removeReservations?: (tmp: { start: bigint; end: bigint; flags: number }) => void,
): number {
  const kids = root.children;
  let k = 0;
  let tmpStart = root.start;
  if (kids.length && kids[0].start === root.start) {
    tmpStart = kids[0].end + 1n;
    k = 1;
  }
  for (;;) {
    const tmpEnd = k < kids.length ? kids[k].start - 1n : root.end;
    if (tmpEnd >= tmpStart) {
      const tmp = { start: tmpStart < min ? min : tmpStart, end: tmpEnd > max ? max : tmpEnd, flags: res.flags };
      removeReservations?.(tmp);
      const availStart = alignUp(tmp.start, align);
      if (availStart >= tmp.start && tmp.end >= tmp.start) {
        const avail = { start: availStart, end: tmp.end, flags: res.flags & ~IORESOURCE_UNSET };
        const start = alignf ? alignf(avail, size, align) : avail.start;
        const end = start + size - 1n;
        if (start <= end && start >= avail.start && end <= avail.end) {
          res.start = start;
          res.end = end;
          const conflict = request_resource_conflict(root, res);
          return conflict ? -16 /* -EBUSY */ : 0;
        }
      }
    }
    if (k >= kids.length || kids[k].end === root.end) break;
    tmpStart = kids[k].end + 1n;
    k++;
  }
  return -16; // -EBUSY
}
