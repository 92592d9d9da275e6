// arch/s390/pci/pci_event.c: firmware's PCI error events. The function is already in the error
// state (firmware blocked load/store and DMA) when the event arrives; the kernel reports it and
// tries to recover — which it refuses for a function passed through to a KVM guest (v6.17): user
// space (QEMU, through vfio-pci) has to recover it.
import { Kernel, traced } from '../../kernel';
import type { PciDev } from '../../types';
import { to_zpci } from './pci';

/** zpci_report_status() (pci_report.c): an SCLP report, then a line in the log. */
const zpci_report_status = traced('zpci_report_status', (k: Kernel): void => {
  k.pr_info('zpci_reported_status');
});

/** zpci_event_attempt_error_recovery(), as far as a pass-through function goes. */
const zpci_event_attempt_error_recovery = traced('zpci_event_attempt_error_recovery', (k: Kernel, dev: PciDev): void => {
  const zdev = to_zpci(k, dev)!;
  if (zdev.kzdev) {
    k.pr_info('zpci_passthrough', { name: dev.name() });
    zpci_report_status(k);
    return;
  }
  // A host driver's error_detected()/mmio_enabled()/slot_reset() recovery is not modelled.
  k.pr_info('zpci_no_recovery', { name: dev.name() });
  zpci_report_status(k);
});

/**
 * __zpci_event_error(): firmware put the function in the error state (reads all-ones, writes
 * dropped) and raised event `pec`; the kernel logs it and, for PECs other than the FMB and
 * permanent-failure ones, attempts recovery.
 */
export const zpci_event_error = traced('zpci_event_error', (k: Kernel, dev: PciDev, pec: number): void => {
  const zdev = to_zpci(k, dev)!;
  zdev.host.root.get(0)!.errorState = true;
  k.record({ target: dev.name(), kind: 'platform', offset: 0, width: 4, value: pec, text: `firmware put the function in the error state (PEC 0x${pec.toString(16)}): config reads return all-ones, writes are dropped` });
  k.pr_info('zpci_event_error', { name: dev.name(), pec, fid: zdev.fid });
  zpci_event_attempt_error_recovery(k, dev);
});
