// struct pci_dev and struct pci_bus, reduced to the fields the modelled code reads and writes.
import { Resource } from './resource';
import type { PciSriov } from './iov';

export const PCI_STD_NUM_BARS = 6;
export const PCI_ROM_RESOURCE = 6;
export const PCI_IOV_RESOURCES = 7;
export const PCI_BRIDGE_RESOURCES = 13; // with CONFIG_PCI_IOV: 6 BARs, ROM, 6 VF BARs
export const PCI_NUM_RESOURCES = 17;

/** pci_power_t (include/linux/pci.h) */
export const PCI_D0 = 0, PCI_D1 = 1, PCI_D2 = 2, PCI_D3hot = 3, PCI_D3cold = 4, PCI_UNKNOWN = 5, PCI_POWER_ERROR = -1;
const POWER_NAMES = ['error', 'D0', 'D1', 'D2', 'D3hot', 'D3cold', 'unknown'];
/** pci_power_name() */
export function pci_power_name(state: number): string {
  return POWER_NAMES[state + 1] ?? 'unknown';
}

/** struct msi_desc, the MSI (not MSI-X) parts (include/linux/msi.h) */
export interface MsiDesc {
  nvecUsed: number;
  is64: boolean;
  /** msi_attrib.can_mask: Per-Vector Masking Capable */
  canMask: boolean;
  /** msi_attrib.multi_cap, msi_attrib.multiple: log2 of vectors capable / enabled */
  multiCap: number;
  multiple: number;
  maskPos: number;
  /** desc->pci.msi_mask: the mask bits as the kernel last set them (its cache of the register) */
  msiMask: number;
  /** desc->msg: the message the kernel composed and believes programmed */
  msg: { addressLo: number; addressHi: number; data: number } | null;
}

export interface PciDriver {
  name: string;
  probe(dev: PciDev): number;
  remove?(dev: PciDev): void;
  /** .shutdown, at reboot and kexec */
  shutdown?(dev: PciDev): void;
  /** vfio-pci style runtime PM callbacks (dev_pm_ops) */
  runtimeSuspend?(dev: PciDev): number;
  runtimeResume?(dev: PciDev): number;
  hasResetPrepare?: boolean;
}

export class PciBus {
  readonly devices: PciDev[] = [];
  readonly children: PciBus[] = [];
  /** bus->resource[0..3]: the bridge windows (pointers into self.resource[13..16]); null on root buses */
  readonly resource: Array<Resource | null> = [null, null, null, null];
  /** root buses: the host bridge windows (bus->resources list), printed as resource 4, 5, … */
  readonly rootResources: Resource[] = [];
  bridgeCtl = 0;
  /** PCI_BUS_FLAGS_NO_EXTCFG */
  noExtCfg = false;
  primary = 0;
  isAdded = false;
  constructor(
    readonly domain: number,
    public number: number,
    readonly parent: PciBus | null,
    readonly self: PciDev | null,
    readonly busnRes: Resource,
  ) {}

  /** "0000:07", the pci_bus device name */
  name(): string {
    return `${hex(this.domain, 4)}:${hex(this.number, 2)}`;
  }

  private slotNames: string[] = [];
  private slotNamesFor = -1;
  /** "0000:07:00.0" for `devfn` on this bus, as it is numbered now (memoized for the trace) */
  slotName(devfn: number): string {
    if (this.slotNamesFor !== this.number) {
      this.slotNames = [];
      this.slotNamesFor = this.number;
    }
    return (this.slotNames[devfn] ??= `${this.name()}:${hex(devfn >> 3, 2)}.${devfn & 7}`);
  }

  /** pci_bus_for_each_resource(): bridge windows first, then the root windows */
  allResources(): Resource[] {
    const out: Resource[] = [];
    for (const r of this.resource) if (r) out.push(r);
    for (const r of this.rootResources) out.push(r);
    return out;
  }
}

export class PciDev {
  vendor = 0;
  device = 0;
  subsystemVendor = 0;
  subsystemDevice = 0;
  revision = 0;
  class = 0;
  hdrType = 0;
  multifunction = false;
  cfgSize = 256;
  pcieCap = 0;
  pcieFlags = 0;
  pcieMpss = 0;
  devcap = 0;
  pmCap = 0;
  pmeSupport = 0;
  d1Support = false;
  d2Support = false;
  noD1D2 = false;
  d3hotDelay = 10;
  currentState = PCI_UNKNOWN;
  readonly resource: Resource[] = [];
  romBaseReg = 0x30;
  nonCompliantBars = false;
  mmioAlwaysOn = false;
  transparent = false;
  isHotplugBridge = false;
  ioWindow = false;
  prefWindow = false;
  pref64Window = false;
  subordinate: PciBus | null = null;
  /** dev->slot's hotplug controller reset_slot() (s390 zPCI), for pci_dev_reset_slot_function() */
  slotReset: ((probe: boolean) => number) | null = null;
  /** dev->sriov: set by sriov_init() on a PF */
  sriov: PciSriov | null = null;
  /** saved_config_space[16] and the PCIe words pci_save_pcie_state() keeps */
  readonly savedConfigSpace = new Uint32Array(16);
  savedPcie: number[] | null = null;
  stateSaved = false;
  /** has saved_config_space ever been written (findings compare it only then) */
  savedEver = false;
  enableCnt = 0;
  isBusmaster = false;
  driver: PciDriver | null = null;
  driverOverride: string | null = null;
  isAdded = false;
  matchDriver = false;
  resetMethods: string[] = [];
  /** x86 pcibios_save_fw_addr(): firmware addresses of BARs that failed to claim */
  readonly fwAddr = new Map<number, bigint>();
  /** driver private data (vfio-pci's vdev, ddbridge's dev) */
  driverData: unknown = null;
  /** dev->msi_cap, dev->msix_cap: set by pci_msi_init() / pci_msix_init() */
  msiCap = 0;
  msixCap = 0;
  /** dev->msi_enabled, dev->msix_enabled: what the kernel believes */
  msiEnabled = false;
  msixEnabled = false;
  noMsi64 = false;
  /** the device's MSI descriptor (msi_desc), once msi_capability_init() has set one up */
  msiDesc: MsiDesc | null = null;
  /** the vectors whose interrupts are started (a first request_irq(); shared users come after) */
  readonly irqStarted = new Set<number>();
  /** dev->irq for the INTx pin: the model routes every pin (pci_read_irq() saw a pin) */
  pin = 0;
  /** dev->aer_cap: set by pci_aer_init() */
  aerCap = 0;
  /** pcieport: the services bound to the port (PCIE_PORT_SERVICE_* bits) */
  portServices = 0;
  /** Live Update: preserved by the previous kernel (dev->dev.lu.requested in Chris Li's RFC) */
  luIncoming = false;
  /** Live Update: preserved for the next kernel, with a reference per preserved device below (dev->liveupdate_outgoing) */
  luOutgoing = 0;

  constructor(
    readonly bus: PciBus,
    readonly devfn: number,
  ) {
    for (let i = 0; i < PCI_NUM_RESOURCES; i++) this.resource.push(new Resource('', 0n, 0n, 0));
  }

  slot(): number {
    return this.devfn >> 3;
  }

  func(): number {
    return this.devfn & 7;
  }

  /** dev_name(): "0000:07:00.0" */
  name(): string {
    return `${this.bus.name()}:${hex(this.slot(), 2)}.${this.func()}`;
  }

  /** The dev_printk prefix: the bound driver's name, else the bus name "pci". */
  prefix(): string {
    return `${this.driver ? this.driver.name : 'pci'} ${this.name()}: `;
  }

  isPcie(): boolean {
    return this.pcieCap !== 0;
  }

  pcieType(): number {
    return (this.pcieFlags & 0x00f0) >> 4;
  }

  isBridge(): boolean {
    return this.hdrType === 1 || this.hdrType === 2;
  }
}

export function hex(v: number, digits: number): string {
  return v.toString(16).padStart(digits, '0');
}
