// The scenario catalogue (spec/scenarios.md): a machine, a sequence of events, and what the
// verdict is computed from. Expected verdicts are NOT here: they live in the tests, and the
// verdict of a run comes from what the hardware did.

export type ScenarioEvent =
  | { kind: 'boot' }
  | { kind: 'modprobe'; driver: 'vfio-pci' | 'ddbridge'; usec: number }
  | { kind: 'unbind'; bdf: string; usec: number }
  | { kind: 'driver_override'; bdf: string; driver: string; usec: number }
  | { kind: 'drivers_probe'; bdf: string; usec: number }
  | { kind: 'vm-start'; bdf: string; guestBdf: string; guestDriver: 'ddbridge'; usec: number }
  /** a KVM guest (QEMU) opens the vfio device; on s390x the zdev is registered with KVM */
  | { kind: 'vm-open'; bdf: string; usec: number }
  /** s390x firmware puts the function in the error state and raises PCI event `pec` */
  | { kind: 'zpci-error'; bdf: string; pec: number; usec: number }
  /** user space (QEMU's error recovery) issues VFIO_DEVICE_RESET */
  | { kind: 'vfio-reset'; bdf: string; usec: number }
  /** echo 1 > /sys/bus/pci/devices/BDF/reset: pci_reset_function() */
  | { kind: 'sysfs-reset'; bdf: string; usec: number }
  /** the guest (or a host user) reads a register of the device: this read is the verdict */
  | { kind: 'mmio-read'; bdf: string; bar: number; offset: number; usec: number }
  /** the guest writes its device's COMMAND register (through vfio's config emulation) */
  | { kind: 'guest-command'; bdf: string; value: number; usec: number }
  /** QEMU arms the guest's MSI: VFIO_DEVICE_SET_IRQS, VFIO_PCI_MSI_IRQ_INDEX, `vectors` eventfds */
  | { kind: 'vfio-msi'; bdf: string; vectors: number; usec: number }
  /** the VMM preserves the vfio device file for the next kernel (LIVEUPDATE_IOCTL_PRESERVE_FD) */
  | { kind: 'lu-preserve'; bdf: string; usec: number }
  /** reboot into the next kernel (kexec -e): the old kernel's last event */
  | { kind: 'kexec'; usec: number }
  /** the VMM takes the preserved vfio device file back in the new kernel */
  | { kind: 'lu-retrieve'; bdf: string; usec: number };

export interface Scenario {
  name: string;
  title: string;
  description: string;
  machine: string;
  /** the device whose fate decides the verdict */
  device: string;
  /** devices whose final registers the snapshots lock */
  watch: string[];
  events: ScenarioEvent[];
  /** the kernels `pcirepro matrix` runs it on */
  kernels: string[];
  /**
   * what decides the verdict: the guest ddbridge's probe (its read of register 0), or an
   * 'mmio-read' event that must return the register's value, not all-ones, or, for a Live
   * Update, the write audit of stage 2 (live-update)
   */
  verdict: 'guest-ddbridge' | 'mmio-read' | 'live-update';
  /**
   * Live Update scenarios: `events` are stage 2 (the new kernel, `--kernel`); stage 1 runs first on
   * its own kernel and ends with the kexec. `cmdline` is the new kernel's.
   */
  liveUpdate?: { stage1Kernel: string; stage1: ScenarioEvent[]; cmdline?: string };
}

const MATRIX_KERNELS = ['v6.12.63', 'v6.12.73', 'v6.17', 'v6.18.9', 'v6.18.13', 'v6.19.11', 'v7.0', 'v7.1',
  'v6.12.73+909f7bf9b080', 'v6.18.13+909f7bf9b080', 'v6.19.11+909f7bf9b080', 'v7.0+909f7bf9b080'];

const CINE = '0000:07:00.0';
const ZPCI_VF = '0001:00:00.0';

/** s390x: v6.17 (4d4c10f763d7, no a2f1e22390ac) and v6.19.11 (both), each with and without the patch */
const S390_KERNELS = ['v6.17', 'v6.19.11', 'v7.0', 'v6.17+pci-avoid-saving-error-values', 'v6.19.11+pci-avoid-saving-error-values', 'v7.0+pci-avoid-saving-error-values'];

const I210 = '0000:03:00.0';
const CX5 = '0000:04:00.0';

/**
 * Live Update: the old kernel is the release the RFC's reviewers looked at, with David Matlack's
 * preservation (v4). The new kernels: without the series, with each stage-2 patch, with both.
 */
const LU_STAGE1 = 'v6.17+pci-luo-preserve';
const LU_KERNELS = ['v6.17', 'v6.17+pci-luo-no-writes', 'v6.17+pci-luo-inherit-busnr', 'v6.17+pci-luo-no-writes+pci-luo-inherit-busnr', 'v7.0', 'v7.0+pci-luo-no-writes+pci-luo-inherit-busnr'];

/** Stage 1: vfio-pci, a VM with the device open, bus mastering and MSI on, preserved, kexec. */
const luStage1 = (bdf: string, msi: boolean): ScenarioEvent[] => [
  { kind: 'boot' },
  { kind: 'modprobe', driver: 'vfio-pci', usec: 20_000_000 },
  { kind: 'driver_override', bdf, driver: 'vfio-pci', usec: 30_000_000 },
  { kind: 'drivers_probe', bdf, usec: 30_000_100 },
  { kind: 'vm-open', bdf, usec: 60_000_000 },
  // the guest driver enables memory decode and bus mastering: DMA from here on
  { kind: 'guest-command', bdf, value: 0x0006, usec: 62_000_000 },
  ...(msi ? [{ kind: 'vfio-msi', bdf, vectors: 1, usec: 62_500_000 } as const] : []),
  { kind: 'lu-preserve', bdf, usec: 3_600_000_000 },
  { kind: 'kexec', usec: 3_600_500_000 },
];

/** Stage 2: the new kernel boots, vfio-pci takes the device again, the VMM retrieves it. */
const luStage2 = (bdf: string, msi: boolean): ScenarioEvent[] => [
  { kind: 'boot' },
  { kind: 'driver_override', bdf, driver: 'vfio-pci', usec: 5_000_000 },
  { kind: 'modprobe', driver: 'vfio-pci', usec: 5_000_100 },
  { kind: 'lu-retrieve', bdf, usec: 8_000_000 },
  ...(msi ? [{ kind: 'vfio-msi', bdf, vectors: 1, usec: 8_000_100 } as const] : []),
];

export const SCENARIOS: Scenario[] = [
  {
    name: 'x570s-cine-s2-passthrough',
    title: "Bernd's report: Cine S2 V6 passthrough, no host driver",
    description: 'boot (no host driver binds the card) → driver_override vfio-pci, bind → VM starts, guest ddbridge probes',
    machine: 'asrock-x570s-pg-riptide',
    device: CINE,
    watch: ['0000:02:03.0', CINE],
    events: [
      { kind: 'boot' },
      { kind: 'modprobe', driver: 'vfio-pci', usec: 20_000_000 },
      { kind: 'driver_override', bdf: CINE, driver: 'vfio-pci', usec: 30_000_000 },
      { kind: 'drivers_probe', bdf: CINE, usec: 30_000_100 },
      { kind: 'vm-start', bdf: CINE, guestBdf: '0000:05:00.0', guestDriver: 'ddbridge', usec: 60_000_000 },
    ],
    kernels: MATRIX_KERNELS,
    verdict: 'guest-ddbridge',
  },
  {
    name: 'x570s-cine-s2-passthrough-after-unbind',
    title: "Alexandre's mechanism: host driver bound, unbound, then passthrough",
    description: 'boot → host ddbridge binds and probes → unbind (current_state D0 → PCI_UNKNOWN) → vfio-pci binds → VM starts, guest ddbridge probes',
    machine: 'asrock-x570s-pg-riptide',
    device: CINE,
    watch: ['0000:02:03.0', CINE],
    events: [
      { kind: 'boot' },
      { kind: 'modprobe', driver: 'ddbridge', usec: 5_000_000 },
      { kind: 'unbind', bdf: CINE, usec: 20_000_000 },
      { kind: 'modprobe', driver: 'vfio-pci', usec: 20_500_000 },
      { kind: 'driver_override', bdf: CINE, driver: 'vfio-pci', usec: 30_000_000 },
      { kind: 'drivers_probe', bdf: CINE, usec: 30_000_100 },
      { kind: 'vm-start', bdf: CINE, guestBdf: '0000:05:00.0', guestDriver: 'ddbridge', usec: 60_000_000 },
    ],
    kernels: MATRIX_KERNELS,
    verdict: 'guest-ddbridge',
  },
  {
    name: 's390x-error-reset',
    title: "Farhan Ali's s390x case: VFIO_DEVICE_RESET of a function in the error state",
    description: 'boot (zPCI) → vfio-pci binds → a KVM guest opens the device → the function enters the error state → QEMU recovers with VFIO_DEVICE_RESET → the guest reads BAR 0',
    machine: 's390x-zpci-cx4lx-vf',
    device: ZPCI_VF,
    watch: [ZPCI_VF],
    events: [
      { kind: 'boot' },
      { kind: 'modprobe', driver: 'vfio-pci', usec: 20_000_000 },
      { kind: 'driver_override', bdf: ZPCI_VF, driver: 'vfio-pci', usec: 30_000_000 },
      { kind: 'drivers_probe', bdf: ZPCI_VF, usec: 30_000_100 },
      { kind: 'vm-open', bdf: ZPCI_VF, usec: 60_000_000 },
      { kind: 'zpci-error', bdf: ZPCI_VF, pec: 0x2, usec: 120_000_000 },
      { kind: 'vfio-reset', bdf: ZPCI_VF, usec: 121_000_000 },
      { kind: 'mmio-read', bdf: ZPCI_VF, bar: 0, offset: 0, usec: 240_000_000 },
    ],
    kernels: S390_KERNELS,
    verdict: 'mmio-read',
  },
  {
    name: 's390x-error-reset-no-driver',
    title: "Lukas Wunner's side: a driverless function in the error state, reset through sysfs",
    description: 'boot (zPCI) → no driver binds → the function enters the error state → echo 1 > …/reset (pci_reset_function) → a host user reads BAR 0',
    machine: 's390x-zpci-cx4lx-vf',
    device: ZPCI_VF,
    watch: [ZPCI_VF],
    events: [
      { kind: 'boot' },
      { kind: 'zpci-error', bdf: ZPCI_VF, pec: 0x2, usec: 120_000_000 },
      { kind: 'sysfs-reset', bdf: ZPCI_VF, usec: 121_000_000 },
      { kind: 'mmio-read', bdf: ZPCI_VF, bar: 0, offset: 0, usec: 240_000_000 },
    ],
    kernels: S390_KERNELS,
    verdict: 'mmio-read',
  },
  {
    name: 'live-update',
    title: "Chris Li's RFC: a device kept running across kexec, and every config write the new kernel makes to it",
    description: 'stage 1: boot → vfio-pci → VM opens the I210, enables bus mastering and MSI → preserved with its bridges → kexec; stage 2: boot → vfio-pci → the VMM retrieves it and re-arms MSI',
    machine: 'r6515-live-update',
    device: I210,
    watch: ['0000:00:03.2', '0000:01:00.0', '0000:02:00.0', I210],
    events: luStage2(I210, true),
    kernels: LU_KERNELS,
    verdict: 'live-update',
    liveUpdate: { stage1Kernel: LU_STAGE1, stage1: luStage1(I210, true) },
  },
  {
    name: 'live-update-assign-busses',
    title: "David Matlack's patch: pci=assign-busses on the new kernel's command line",
    description: 'as live-update, with pci=assign-busses on the stage-2 command line',
    machine: 'r6515-live-update',
    device: I210,
    watch: ['0000:00:03.2', '0000:01:00.0', '0000:02:00.0', I210],
    events: luStage2(I210, true),
    kernels: LU_KERNELS,
    verdict: 'live-update',
    liveUpdate: { stage1Kernel: LU_STAGE1, stage1: luStage1(I210, true), cmdline: 'pci=assign-busses' },
  },
  {
    name: 'live-update-pref64',
    title: 'The write the RFC leaves unguarded: a preserved NIC behind a 64-bit prefetchable window',
    description: 'as live-update, preserving the ConnectX-5 whose BAR sits in its root port\'s 64-bit prefetchable window above 4 GiB',
    machine: 'r6515-live-update',
    device: CX5,
    watch: ['0000:00:03.3', CX5],
    events: luStage2(CX5, false),
    kernels: LU_KERNELS,
    verdict: 'live-update',
    liveUpdate: { stage1Kernel: LU_STAGE1, stage1: luStage1(CX5, false) },
  },
];

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export function findScenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new ScenarioError(`Unknown scenario "${name}": expected one of ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
