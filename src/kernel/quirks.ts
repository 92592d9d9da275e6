// drivers/pci/quirks.c pci_apply_final_quirks() (fs_initcall_sync) and the final fixups it runs
// for devices present at boot. Only the fixups that change PCI-core-owned registers are modelled.
import * as R from '../hw/regs';
import { pci_read_config_byte } from './access';
import { Kernel, traced } from './kernel';
import { pci_disable_device, pci_enable_device } from './pci';
import type { PciDev } from './types';

/**
 * quirk_usb_early_handoff() (drivers/usb/host/pci-quirks.c, DECLARE_PCI_FIXUP_CLASS_FINAL for
 * PCI_CLASS_SERIAL_USB): enable the controller, take it from the BIOS, disable it again — which
 * leaves bus mastering off. The handoff itself (MMIO to the controller) is not modelled.
 */
const quirk_usb_early_handoff = traced('quirk_usb_early_handoff', (k: Kernel, dev: PciDev): void => {
  if (dev.vendor === 0x184e) return;
  if (![0x0c0300, 0x0c0310, 0x0c0320, 0x0c0330].includes(dev.class)) return;
  if (pci_enable_device(k, dev) < 0) return;
  pci_disable_device(k, dev);
});

const FINAL_FIXUPS: Array<(k: Kernel, dev: PciDev) => void> = [quirk_usb_early_handoff];

/** pci_apply_final_quirks(): final fixups, and the cache line size every device agrees on. */
export const pci_apply_final_quirks = traced('pci_apply_final_quirks', (k: Kernel): void => {
  let cls = 0;
  for (const dev of k.devices) {
    for (const f of FINAL_FIXUPS) f(k, dev); // pci_fixup_device(pci_fixup_final, dev)
    const tmp = pci_read_config_byte(k, dev, R.PCI_CACHE_LINE_SIZE);
    if (!cls) cls = tmp;
    if (!tmp || cls === tmp) continue;
    k.pci_info(dev, 'cls_mismatch', { a: tmp << 2, b: cls << 2, use: Math.max(cls, tmp) << 2 });
    cls = Math.max(cls, tmp);
  }
  // pci_dfl_cache_line_size: L1_CACHE_BYTES >> 2 — 64-byte lines on x86, 256 on s390
  k.pr_info('cls', { cls: cls << 2, dfl: k.machine.arch === 's390x' ? 256 : 64 });
});
