// drivers/pnp/system.c: the "system" driver reserves the motherboard resources ACPI describes
// (PNP0C01/PNP0C02), fs_initcall, before the x86 PCI resource assignment runs. A region inside a
// host bridge window nests in it (__request_region() descends into non-busy parents), so the PCI
// allocator then walks around it.
import { Kernel, traced } from './kernel';
import { IORESOURCE_BUSY, IORESOURCE_IO, IORESOURCE_MEM, Resource, request_resource_conflict } from './resource';

/** __request_region(): insert below the innermost resource that contains the region. */
function request_region(parent: Resource, r: Resource): boolean {
  for (;;) {
    const conflict = request_resource_conflict(parent, r);
    if (!conflict) return true;
    if (conflict.flags & IORESOURCE_BUSY || !(conflict.start <= r.start && conflict.end >= r.end)) return false;
    parent = conflict;
  }
}

export const pnp_system_init = traced('pnp_system_init', (k: Kernel): void => {
  for (const rv of k.machine.reserved) {
    const r = new Resource(`pnp ${rv.by}`, rv.start, rv.end, (rv.type === 'io' ? IORESOURCE_IO : IORESOURCE_MEM) | IORESOURCE_BUSY);
    const ok = request_region(rv.type === 'io' ? k.ioportResource : k.iomemResource, r);
    k.log.print(`system ${rv.by}: `, 'pnp_reserved', { res: r, what: ok ? 'has been' : 'could not be' });
  }
});
