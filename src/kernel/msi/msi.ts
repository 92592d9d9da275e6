// drivers/pci/msi/msi.c, the MSI (not MSI-X) half: a descriptor that caches the mask bits and the
// message, masking, writing the message, enabling. With Chris Li's pci-luo-no-writes every write
// here is skipped for a device preserved across a Live Update while the cached state still
// changes: the divergence Thomas Gleixner's review of that RFC asks about ("How is cached software
// state and hardware state going to be brought in sync at some point?").
import * as R from '../../hw/regs';
import { pci_read_config_dword, pci_read_config_word, pci_write_config_dword, pci_write_config_word } from '../access';
import { Kernel, traced } from '../kernel';
import { pci_lu_adopt } from '../liveupdate';
import { pci_intx } from '../pci';
import { NotModelledError } from '../setup-bus';
import { alloc_irq_index, fill_msi_msg, free_irte } from '../iommu/amd-iommu';
import { MsiDesc, PCI_D0, PciDev } from '../types';

type MsiMsg = NonNullable<MsiDesc['msg']>;

/** msi_multi_mask(): the mask bits of all the vectors the function can have. */
export function msi_multi_mask(desc: MsiDesc): number {
  if (desc.multiCap >= 5) return 0xffffffff;
  return (1 << (1 << desc.multiCap)) - 1;
}

/** pci_msi_update_mask(): update the cached mask, then the register. */
export const pci_msi_update_mask = traced('pci_msi_update_mask', (k: Kernel, dev: PciDev, desc: MsiDesc, clear: number, set: number): void => {
  if (!desc.canMask) return;
  desc.msiMask = ((desc.msiMask & ~clear) | set) >>> 0;
  // pci-luo-no-writes: "This results in inconsistent state" (Thomas Gleixner)
  if (!pci_lu_adopt(k, dev, { what: 'MSI mask bits', off: desc.maskPos, width: 4, value: desc.msiMask }))
    pci_write_config_dword(k, dev, desc.maskPos, desc.msiMask);
});

export const pci_msi_mask = (k: Kernel, dev: PciDev, desc: MsiDesc, mask: number): void => pci_msi_update_mask(k, dev, desc, 0, mask);
export const pci_msi_unmask = (k: Kernel, dev: PciDev, desc: MsiDesc, mask: number): void => pci_msi_update_mask(k, dev, desc, mask, 0);

/** pci_msi_unmask_irq(): the irq chip's irq_unmask for vector `n` of the device. */
export const pci_msi_unmask_irq = traced('pci_msi_unmask_irq', (k: Kernel, dev: PciDev, n: number): void => {
  if (dev.msiDesc) pci_msi_unmask(k, dev, dev.msiDesc, 1 << n);
});

/** pci_msi_mask_irq(): the irq chip's irq_mask. */
export const pci_msi_mask_irq = traced('pci_msi_mask_irq', (k: Kernel, dev: PciDev, n: number): void => {
  if (dev.msiDesc) pci_msi_mask(k, dev, dev.msiDesc, 1 << n);
});

/** pci_write_msg_msi(): Multiple Message Enable, address, data. */
const pci_write_msg_msi = traced('pci_write_msg_msi', (k: Kernel, dev: PciDev, desc: MsiDesc, msg: MsiMsg): void => {
  const pos = dev.msiCap;
  if (pci_lu_adopt(k, dev, { what: 'MSI message (Multiple Message Enable, address, data)', off: pos + R.PCI_MSI_ADDRESS_LO, width: 4, value: msg.addressLo })) return;
  let msgctl = pci_read_config_word(k, dev, pos + R.PCI_MSI_FLAGS);
  msgctl = (msgctl & ~R.PCI_MSI_FLAGS_QSIZE) | (desc.multiple << 4);
  pci_write_config_word(k, dev, pos + R.PCI_MSI_FLAGS, msgctl);
  pci_write_config_dword(k, dev, pos + R.PCI_MSI_ADDRESS_LO, msg.addressLo);
  if (desc.is64) {
    pci_write_config_dword(k, dev, pos + R.PCI_MSI_ADDRESS_HI, msg.addressHi);
    pci_write_config_word(k, dev, pos + R.PCI_MSI_DATA_64, msg.data);
  } else {
    pci_write_config_word(k, dev, pos + R.PCI_MSI_DATA_32, msg.data);
  }
  // Ensure that the writes are visible in the device
  pci_read_config_word(k, dev, pos + R.PCI_MSI_FLAGS);
});

/** __pci_write_msi_msg(): not while the device is out of D0; the message is cached either way. */
export const __pci_write_msi_msg = traced('__pci_write_msi_msg', (k: Kernel, dev: PciDev, desc: MsiDesc, msg: MsiMsg): void => {
  if (dev.currentState === PCI_D0) pci_write_msg_msi(k, dev, desc, msg);
  desc.msg = { ...msg };
});

/** pci_msi_set_enable() */
const pci_msi_set_enable = traced('pci_msi_set_enable', (k: Kernel, dev: PciDev, enable: boolean): void => {
  let control = pci_read_config_word(k, dev, dev.msiCap + R.PCI_MSI_FLAGS);
  control &= ~R.PCI_MSI_FLAGS_ENABLE;
  if (enable) control |= R.PCI_MSI_FLAGS_ENABLE;
  if (!pci_lu_adopt(k, dev, { what: `MSI Enable ${enable ? 'set' : 'clear'}`, off: dev.msiCap + R.PCI_MSI_FLAGS, width: 2, value: control }))
    pci_write_config_word(k, dev, dev.msiCap + R.PCI_MSI_FLAGS, control);
});

/** msi_setup_msi_desc(): the descriptor, with "the initial mask status" read from the device. */
const msi_setup_msi_desc = traced('msi_setup_msi_desc', (k: Kernel, dev: PciDev, nvec: number): MsiDesc => {
  const control = pci_read_config_word(k, dev, dev.msiCap + R.PCI_MSI_FLAGS);
  const is64 = (control & R.PCI_MSI_FLAGS_64BIT) !== 0;
  const desc: MsiDesc = {
    nvecUsed: nvec,
    is64,
    canMask: (control & R.PCI_MSI_FLAGS_MASKBIT) !== 0,
    multiCap: (control & R.PCI_MSI_FLAGS_QMASK) >> 1,
    multiple: Math.ceil(Math.log2(nvec)),
    maskPos: dev.msiCap + (is64 ? R.PCI_MSI_MASK_64 : R.PCI_MSI_MASK_32),
    msiMask: 0,
    msg: null,
  };
  if (desc.canMask) desc.msiMask = pci_read_config_dword(k, dev, desc.maskPos);
  dev.msiDesc = desc;
  return desc;
});

/**
 * pci_msi_setup_msi_irqs() → msi_domain_alloc_irqs(): the interrupt remapping entries, and, PCI/MSI
 * domains activating early (MSI_FLAG_ACTIVATE_EARLY), the message composed and written through
 * pci_msi_domain_write_msg().
 */
const pci_msi_setup_msi_irqs = traced('pci_msi_setup_msi_irqs', (k: Kernel, dev: PciDev, desc: MsiDesc, nvec: number): number => {
  if (k.machine.irqRemap !== 'amd-vi')
    throw new NotModelledError(`${dev.name()}: MSI messages without interrupt remapping need the x86 vector allocator, which is not modelled`);
  const index = alloc_irq_index(k, dev, nvec, true);
  if (index < 0) return index;
  irteIndex.set(desc, index);
  __pci_write_msi_msg(k, dev, desc, fill_msi_msg(index));
  return 0;
});

/** The interrupt remapping entries behind each descriptor, for freeing them. */
const irteIndex = new WeakMap<MsiDesc, number>();

/**
 * pci_free_msi_irqs() → msi_domain_free_irqs(): deactivating the interrupts writes an all-zero
 * message (msi_domain_deactivate()), then the remapping entries and the descriptor go.
 */
const pci_free_msi_irqs = traced('pci_free_msi_irqs', (k: Kernel, dev: PciDev, desc: MsiDesc): void => {
  __pci_write_msi_msg(k, dev, desc, { addressLo: 0, addressHi: 0, data: 0 });
  const index = irteIndex.get(desc);
  if (index !== undefined) free_irte(k, dev, index, desc.nvecUsed);
  dev.msiDesc = null;
});

/** pci_msi_shutdown(): MSI off, INTx back on, the vectors returned unmasked "as initial states". */
const pci_msi_shutdown = traced('pci_msi_shutdown', (k: Kernel, dev: PciDev): void => {
  if (!dev.msiEnabled) return;
  pci_msi_set_enable(k, dev, false);
  pci_intx(k, dev, true); // pci_intx_for_msi(dev, 1)
  dev.msiEnabled = false;
  if (dev.msiDesc) pci_msi_unmask(k, dev, dev.msiDesc, msi_multi_mask(dev.msiDesc));
});

/** pci_disable_msi() */
export const pci_disable_msi = traced('pci_disable_msi', (k: Kernel, dev: PciDev): void => {
  if (!dev.msiEnabled) return;
  pci_msi_shutdown(k, dev);
  if (dev.msiDesc) pci_free_msi_irqs(k, dev, dev.msiDesc);
});

/**
 * msi_capability_init() → __msi_capability_init() (v6.17): disabled in hardware during setup, all
 * vectors masked, the message written, then dev->msi_enabled and the enable bit. (Older kernels
 * set dev->msi_enabled at the start; the model's checkpoints are outside the function, where the
 * two orders look the same.)
 */
const msi_capability_init = traced('msi_capability_init', (k: Kernel, dev: PciDev, nvec: number): number => {
  pci_msi_set_enable(k, dev, false);
  const desc = msi_setup_msi_desc(k, dev, nvec);
  // "All MSIs are unmasked by default; mask them all"
  pci_msi_mask(k, dev, desc, msi_multi_mask(desc));
  const ret = pci_msi_setup_msi_irqs(k, dev, desc, nvec);
  if (ret) {
    pci_msi_unmask(k, dev, desc, msi_multi_mask(desc));
    pci_free_msi_irqs(k, dev, desc);
    return ret;
  }
  // msi_verify_entries(): the AMD-Vi message has no upper address bits
  dev.msiEnabled = true;
  pci_intx(k, dev, false); // pci_intx_for_msi(dev, 0)
  pci_msi_set_enable(k, dev, true);
  return 0;
});

/** __pci_enable_msi_range() */
export const __pci_enable_msi_range = traced('__pci_enable_msi_range', (k: Kernel, dev: PciDev, minvec: number, maxvec: number): number => {
  if (!dev.msiCap || dev.currentState !== PCI_D0) return -22;
  if (dev.msiEnabled) return -22; // WARN_ON_ONCE(dev->msi_enabled)
  let nvec = 1 << ((pci_read_config_word(k, dev, dev.msiCap + R.PCI_MSI_FLAGS) & R.PCI_MSI_FLAGS_QMASK) >> 1); // pci_msi_vec_count()
  if (nvec < minvec) return -28;
  if (nvec > maxvec) nvec = maxvec;
  const rc = msi_capability_init(k, dev, nvec);
  return rc < 0 ? rc : nvec;
});
