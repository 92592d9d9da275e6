// drivers/pci/hotplug/s390_pci_hpc.c: every zPCI function has a hotplug slot named after its FID,
// whose reset_slot() is the "bus" reset method of a function that is alone on its root bus.
import { Kernel, traced } from '../kernel';
import type { PciDev } from '../types';
import { to_zpci, zpci_hot_reset_device } from '../arch/s390/pci';

/** reset_slot(): probe says yes; the reset is zpci_hot_reset_device(). */
export const s390_reset_slot = traced('reset_slot', (k: Kernel, dev: PciDev, probe: boolean): number => {
  const zdev = to_zpci(k, dev);
  if (!zdev) return -25;
  if (probe) return 0;
  return zpci_hot_reset_device(k, zdev);
});
