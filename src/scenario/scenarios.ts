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
  | { kind: 'mmio-read'; bdf: string; bar: number; offset: number; usec: number };

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
   * 'mmio-read' event that must return the register's value, not all-ones
   */
  verdict: 'guest-ddbridge' | 'mmio-read';
}

const MATRIX_KERNELS = ['v6.12.63', 'v6.12.73', 'v6.17', 'v6.18.9', 'v6.18.13', 'v6.19.11', 'v7.0', 'v7.1',
  'v6.12.73+909f7bf9b080', 'v6.18.13+909f7bf9b080', 'v6.19.11+909f7bf9b080', 'v7.0+909f7bf9b080'];

const CINE = '0000:07:00.0';
const ZPCI_VF = '0001:00:00.0';

/** s390x: v6.17 (4d4c10f763d7, no a2f1e22390ac) and v6.19.11 (both), each with and without the patch */
const S390_KERNELS = ['v6.17', 'v6.19.11', 'v7.0', 'v6.17+pci-avoid-saving-error-values', 'v6.19.11+pci-avoid-saving-error-values', 'v7.0+pci-avoid-saving-error-values'];

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
];

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export function findScenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new ScenarioError(`Unknown scenario "${name}": expected one of ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
