// arch/x86/pci/fixup.c: header fixups that change what the PCI core later claims and assigns.
import * as R from '../../../hw/regs';
import { pci_read_config_dword, pci_read_config_word, pci_write_config_dword } from '../../access';
import { Kernel, traced } from '../../kernel';
import { IORESOURCE_MEM, IORESOURCE_PCI_FIXED, IORESOURCE_ROM_SHADOW, release_resource } from '../../resource';
import { PCI_ROM_RESOURCE, PciDev } from '../../types';

const PCI_BRIDGE_CTL_VGA = 0x08;

/** pci_disable_rom() */
function pci_disable_rom(k: Kernel, dev: PciDev): void {
  const r = dev.resource[PCI_ROM_RESOURCE];
  if (!r.flags) return;
  const v = pci_read_config_dword(k, dev, dev.romBaseReg);
  if (v & R.PCI_ROM_ADDRESS_ENABLE) pci_write_config_dword(k, dev, dev.romBaseReg, v & ~R.PCI_ROM_ADDRESS_ENABLE);
}

/**
 * pci_fixup_video() (DECLARE_PCI_FIXUP_CLASS_HEADER for PCI_CLASS_DISPLAY_VGA): a VGA device that
 * legacy VGA is routed to (every upstream bridge has VGA Enable) and that decodes gets the legacy
 * shadow copy of its ROM at 0xc0000 instead of its ROM BAR — fixed, never assigned.
 */
export const pci_fixup_video = traced('pci_fixup_video', (k: Kernel, dev: PciDev): void => {
  if (dev.class >> 8 !== 0x0300) return;
  for (let bus = dev.bus; bus; bus = bus.parent!) {
    const bridge = bus.self;
    if (bridge && bridge.isBridge()) {
      const cfg = pci_read_config_word(k, bridge, R.PCI_BRIDGE_CONTROL);
      if (!(cfg & PCI_BRIDGE_CTL_VGA)) return;
    }
    if (!bus.parent) break;
  }
  if (k.vgaDefault && k.vgaDefault !== dev) return;
  const cmd = pci_read_config_word(k, dev, R.PCI_COMMAND);
  if (!(cmd & (R.PCI_COMMAND_IO | R.PCI_COMMAND_MEMORY))) return;
  const res = dev.resource[PCI_ROM_RESOURCE];
  pci_disable_rom(k, dev);
  if (res.parent) release_resource(res);
  res.start = 0xc0000n;
  res.end = res.start + 0x20000n - 1n;
  res.flags = IORESOURCE_MEM | IORESOURCE_ROM_SHADOW | IORESOURCE_PCI_FIXED;
  k.pci_info(dev, 'video_shadowed_rom', { res });
});
