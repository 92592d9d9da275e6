// kernel/irq/manage.c request_irq() → __setup_irq() → irq_startup(): starting an interrupt unmasks
// it at its chip; for PCI/MSI that is pci_msi_unmask_irq(), which clears the vector's mask bit.
// free_irq() of the last user shuts it down, which masks it again.
import { Kernel, traced } from '../kernel';
import { pci_msi_mask_irq, pci_msi_unmask_irq } from '../msi/msi';
import type { PciDev } from '../types';

/**
 * request_irq() of vector `n` of a PCI/MSI device. Port services share the port's vector
 * (IRQF_SHARED): only the first request starts it.
 */
export const request_irq = traced('request_irq', (k: Kernel, dev: PciDev, n: number): number => {
  if (dev.irqStarted.has(n)) return 0;
  dev.irqStarted.add(n);
  k.enter('irq_startup');
  try {
    pci_msi_unmask_irq(k, dev, n);
  } finally {
    k.leave();
  }
  return 0;
});

/** free_irq() of vector `n`, its last user: irq_shutdown() masks it. */
export const free_irq = traced('free_irq', (k: Kernel, dev: PciDev, n: number): void => {
  if (!dev.irqStarted.delete(n)) return;
  k.enter('irq_shutdown');
  try {
    pci_msi_mask_irq(k, dev, n);
  } finally {
    k.leave();
  }
});
