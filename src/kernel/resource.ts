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

/**
 * insert_resource_conflict() (__insert_resource()): like request_resource(), but `res` may go
 * below a resource that contains it, and becomes the parent of the ones it contains. Returns what
 * overlaps it partially, or null.
 */
export function insert_resource_conflict(parent: Resource, res: Resource): Resource | null {
  let first: Resource | null;
  for (;;) {
    first = request_resource_conflict(parent, res);
    if (!first) return null;
    if (first === parent) return first;
    if (first.start > res.start || first.end < res.end) break;
    if (first.start === res.start && first.end === res.end) break;
    parent = first;
  }
  const kids = parent.children;
  const from = kids.indexOf(first);
  let to = from;
  for (;;) {
    const next = kids[to];
    if (next.start < res.start || next.end > res.end) return next;
    if (to + 1 >= kids.length || kids[to + 1].start > res.end) break;
    to++;
  }
  const moved = kids.splice(from, to - from + 1, res);
  res.parent = parent;
  for (const m of moved) m.parent = res;
  res.children.push(...moved);
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

export interface Constraint {
  min: bigint;
  max: bigint;
  align: bigint;
  alignf: AlignFn | null;
  /** the architecture's arch_remove_reservations() */
  removeReservations?: (tmp: { start: bigint; end: bigint; flags: number }) => void;
}

function alignUp(v: bigint, a: bigint): bigint {
  return a > 1n ? (v + a - 1n) & ~(a - 1n) : v;
}

/**
 * __find_resource(): walk the gaps between `root`'s children from the bottom (treating `old`, when
 * reallocating, as free), clip each to [min, max], align, and take the first that fits.
 */
export function find_resource_space(root: Resource, old: Resource | null, newRes: { start: bigint; end: bigint; flags: number }, size: bigint, c: Constraint): boolean {
  const kids = root.children;
  let k = 0;
  let tmpStart = root.start;
  if (kids.length && kids[0].start === root.start) {
    tmpStart = kids[0] === old ? old.start : kids[0].end + 1n;
    k = 1;
  }
  for (;;) {
    const self = k < kids.length ? kids[k] : null;
    const tmpEnd = self ? (self === old ? self.end : self.start - 1n) : root.end;
    if (tmpEnd >= tmpStart) {
      const tmp = { start: tmpStart < c.min ? c.min : tmpStart, end: tmpEnd > c.max ? c.max : tmpEnd, flags: newRes.flags };
      c.removeReservations?.(tmp);
      const availStart = alignUp(tmp.start, c.align);
      if (availStart >= tmp.start) {
        const avail = { start: availStart, end: tmp.end, flags: newRes.flags & ~IORESOURCE_UNSET };
        const start = c.alignf ? c.alignf(avail, size, c.align) : avail.start;
        const end = start + size - 1n;
        if (start <= end && start >= avail.start && end <= avail.end) {
          newRes.start = start;
          newRes.end = end;
          return true;
        }
      }
    }
    if (!self || self.end === root.end) break;
    if (self !== old) tmpStart = self.end + 1n;
    k++;
  }
  return false;
}

/** allocate_resource(): find space under `root` and request it; reallocate if `res` already has a parent. */
export function allocate_resource(root: Resource, res: Resource, size: bigint, c: Constraint): number {
  if (res.parent) return reallocate_resource(root, res, size, c);
  const n = { start: res.start, end: res.end, flags: res.flags };
  if (!find_resource_space(root, null, n, size, c)) return -16; // -EBUSY
  res.start = n.start;
  res.end = n.end;
  return request_resource_conflict(root, res) ? -16 : 0;
}

/** reallocate_resource(): grow or move an allocated resource (pci_reassign_resource()). */
function reallocate_resource(root: Resource, old: Resource, size: bigint, c: Constraint): number {
  const n = { start: old.start, end: old.end, flags: old.flags };
  if (!find_resource_space(root, old, n, size, c)) return -16;
  const contains = (a: { start: bigint; end: bigint }, b: { start: bigint; end: bigint }) => a.start <= b.start && a.end >= b.end;
  if (contains(n, old)) {
    old.start = n.start;
    old.end = n.end;
    return 0;
  }
  if (old.children.length) return -16;
  if (contains(old, n)) {
    old.start = n.start;
    old.end = n.end;
    return 0;
  }
  release_resource(old);
  old.start = n.start;
  old.end = n.end;
  return request_resource_conflict(root, old) ? -16 : 0;
}

/**
 * release_child_resources(): detach everything below `r`, keeping each child's size (start 0).
 * Calls `note` for each, innermost first, as the kernel's KERN_DEBUG "release child resource".
 */
export function release_child_resources(r: Resource, note: (child: Resource) => void): void {
  const kids = r.children.splice(0);
  for (const t of kids) {
    t.parent = null;
    release_child_resources(t, note);
    note(t);
    const size = t.end - t.start + 1n;
    t.start = 0n;
    t.end = size - 1n;
  }
}
