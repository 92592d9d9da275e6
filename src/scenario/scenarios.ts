// The scenario catalogue (spec/scenarios.md): a machine, a sequence of events, and what the
// verdict is computed from. Expected verdicts are NOT here: they live in the tests, and the
// verdict of a run comes from what the hardware did.

export type ScenarioEvent =
  | { kind: 'boot' }
  | { kind: 'modprobe'; driver: 'vfio-pci' | 'ddbridge'; usec: number }
  | { kind: 'unbind'; bdf: string; usec: number }
  | { kind: 'driver_override'; bdf: string; driver: string; usec: number }
  | { kind: 'drivers_probe'; bdf: string; usec: number }
  | { kind: 'vm-start'; bdf: string; guestBdf: string; guestDriver: 'ddbridge'; usec: number };

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
}

const MATRIX_KERNELS = ['v6.12.63', 'v6.12.73', 'v6.17', 'v6.18.9', 'v6.18.13', 'v6.19.11', 'v7.0', 'v7.1',
  'v6.12.73+909f7bf9b080', 'v6.18.13+909f7bf9b080', 'v6.19.11+909f7bf9b080', 'v7.0+909f7bf9b080'];

const CINE = '0000:07:00.0';

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
