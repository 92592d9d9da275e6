// drivers/media/pci/ddbridge/ddbridge-main.c: ddb_probe() up to the register read that fails in
// the bug, and ddb_remove(). Everything after "HW … REGMAP …" (IRQ setup, I2C, demodulator
// attach) is not modelled: the probe counts as successful once the registers read back.
import * as R from '../../hw/regs';
import { readl } from '../access';
import { Kernel, traced } from '../kernel';
import { __pci_set_master, pci_disable_device, pci_enable_device } from '../pci';
import type { DriverWithIds } from '../pci-driver';
import type { PciDev } from '../types';

/** ddb_v6 in ddbridge-hw.c: DDVID 0xdd01, device 0x0003, subdevice 0x0020. */
const DDB_INFO: Record<string, string> = {
  'dd01:0003:dd01:0020': 'Digital Devices Cine S2 V6 DVB adapter',
};

/** How the probing kernel reaches BAR 0: the host's readl(), or the guest's through passthrough. */
export type MmioReader = (dev: PciDev, offset: number) => number;

const ddbreadl = traced('ddbreadl', (k: Kernel, dev: PciDev, read: MmioReader, off: number): number => {
  void k;
  return read(dev, off);
});

export const ddb_probe = traced('ddb_probe', (k: Kernel, pdev: PciDev, read: MmioReader): number => {
  if (pci_enable_device(k, pdev) < 0) return -19;
  __pci_set_master(k, pdev, true);
  const info = DDB_INFO[[pdev.vendor, pdev.device, pdev.subsystemVendor, pdev.subsystemDevice].map((v) => v.toString(16).padStart(4, '0')).join(':')];
  k.pci_info(pdev, 'ddb_detected', { what: info ?? 'Digital Devices DVB adapter' });
  let stat = 0;
  if (ddbreadl(k, pdev, read, 0) === 0xffffffff) {
    k.pci_info(pdev, 'ddb_cannot_read');
    stat = -19; // -ENODEV
  } else {
    const hw = ddbreadl(k, pdev, read, 0);
    const regmap = ddbreadl(k, pdev, read, 4);
    k.pci_info(pdev, 'ddb_hw', { hw, regmap });
    return 0;
  }
  k.pci_info(pdev, 'ddb_fail');
  pci_disable_device(k, pdev);
  return stat;
});

export const ddb_remove = traced('ddb_remove', (k: Kernel, pdev: PciDev): void => {
  pci_disable_device(k, pdev);
});

/** The host's ddbridge driver: MMIO through the host's own readl() of BAR 0. */
export function ddbridgeDriver(k: Kernel): DriverWithIds {
  const read: MmioReader = (dev, off) => readl(k, dev.resource[0].start + BigInt(off));
  return {
    name: 'ddbridge',
    ids: [{ vendor: 0xdd01, device: 0x0003 }],
    probe: (dev) => ddb_probe(k, dev, read),
    remove: (dev) => ddb_remove(k, dev),
  };
}

export { R };
