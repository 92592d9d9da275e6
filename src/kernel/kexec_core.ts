// kernel/kexec_core.c kernel_kexec() and drivers/base/core.c device_shutdown(): what the old
// kernel does to PCI devices on its way into the new one.
import { Kernel, traced } from './kernel';
import { pci_device_shutdown } from './pci-driver';

/** device_shutdown(): every device, the last added first (children before their parents). */
export const device_shutdown = traced('device_shutdown', (k: Kernel): void => {
  for (const dev of [...k.devices].reverse()) pci_device_shutdown(k, dev);
});

/**
 * kernel_kexec(), the reboot path (not a crash kexec): kexec_in_progress, then
 * kernel_restart_prepare() → device_shutdown(), then "Starting new kernel" and
 * machine_shutdown(). The new kernel runs on the hardware exactly as this leaves it.
 */
export const kernel_kexec = traced('kernel_kexec', (k: Kernel): void => {
  k.kexecInProgress = true;
  device_shutdown(k);
  k.pr_info('kexec_starting');
});
