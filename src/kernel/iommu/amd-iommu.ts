// drivers/iommu/amd/iommu.c, the interrupt-remapping half an MSI needs. With AMD-Vi interrupt
// remapping an MSI message carries no vector: alloc_irq_index() hands out the lowest free entries
// of the requester's interrupt remapping table (PCI functions start at index 0; only IOAPICs
// reserve the first 32), and fill_msi_msg() writes that index into the data and the fixed x86 MSI
// base address (X86_MSI_BASE_ADDRESS_LOW 0xfee, X86_MSI_BASE_ADDRESS_HIGH 0) into the address.
import type { Kernel } from '../kernel';
import type { PciDev } from '../types';

const X86_MSI_BASE_ADDRESS_LOW = 0xfee;
const X86_MSI_BASE_ADDRESS_HIGH = 0;

/** Each kernel's interrupt remapping tables: requester ID → allocated indices. */
const tables = new WeakMap<Kernel, Map<string, Set<number>>>();

/** alloc_irq_index(): `count` consecutive free entries, aligned to a power of two when asked. */
export function alloc_irq_index(k: Kernel, dev: PciDev, count: number, align: boolean): number {
  let perKernel = tables.get(k);
  if (!perKernel) tables.set(k, (perKernel = new Map()));
  const devid = `${dev.bus.domain}:${dev.bus.number}:${dev.devfn}`;
  let table = perKernel.get(devid);
  if (!table) perKernel.set(devid, (table = new Set()));
  const alignment = align ? 1 << Math.ceil(Math.log2(count)) : 1;
  for (let index = 0; index + count <= 512; index += alignment) {
    let free = true;
    for (let i = index; i < index + count; i++) if (table.has(i)) free = false;
    if (!free) continue;
    for (let i = index; i < index + count; i++) table.add(i);
    return index;
  }
  return -28; // -ENOSPC
}

/** free_irte(): give the entries of a device's table back. */
export function free_irte(k: Kernel, dev: PciDev, index: number, count: number): void {
  const table = tables.get(k)?.get(`${dev.bus.domain}:${dev.bus.number}:${dev.devfn}`);
  for (let i = index; i < index + count; i++) table?.delete(i);
}

/** fill_msi_msg() */
export function fill_msi_msg(index: number): { addressLo: number; addressHi: number; data: number } {
  return { addressLo: (X86_MSI_BASE_ADDRESS_LOW << 20) >>> 0, addressHi: X86_MSI_BASE_ADDRESS_HIGH, data: index };
}
