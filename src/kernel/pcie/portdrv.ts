// drivers/pci/pcie/portdrv.c: the built-in "pcieport" driver binds Root Ports and Switch ports at
// device_initcall. Modelled: enabling the port; for a port with services, bus mastering, the
// service interrupt vectors, the PME service (pme.ts), bandwidth control's link interrupts and the
// interrupt each service requests; saving the port's state; what shutdown does to the vectors.
// Not modelled: AER, DPC and pciehp's own programming and every service's log lines.
import * as R from '../../hw/regs';
import { pcie_capability_clear_and_set_word, pcie_capability_read_dword, pcie_capability_read_word, pcie_capability_write_word } from '../access';
import * as C from '../commits';
import { Kernel, traced } from '../kernel';
import { __pci_set_master, pci_enable_device, pci_find_ext_capability, pci_save_state } from '../pci';
import { DriverWithIds, pci_register_driver } from '../pci-driver';
import { PCI_IRQ_INTX, PCI_IRQ_MSI, PCI_IRQ_MSIX, pci_alloc_irq_vectors, pci_free_irq_vectors } from '../msi/api';
import { free_irq, request_irq } from '../irq/manage';
import type { PciDev } from '../types';
import { pcie_pme_interrupt_enable, pcie_pme_probe, pcie_pme_remove } from './pme';

/** PCIE_PORT_MAX_MSI_ENTRIES */
const PCIE_PORT_MAX_MSI_ENTRIES = 32;
const PCI_EXP_FLAGS_IRQ = 0x3e00;
const PCIE_PORT_SERVICE_PME = 1 << 0, PCIE_PORT_SERVICE_AER = 1 << 1, PCIE_PORT_SERVICE_HP = 1 << 2, PCIE_PORT_SERVICE_DPC = 1 << 3, PCIE_PORT_SERVICE_BWCTRL = 1 << 4;

/** pci_find_host_bridge() → the firmware's _OSC answer for the port's root bus. */
function hostOsc(k: Kernel, dev: PciDev): ReadonlySet<string> {
  let bus = dev.bus;
  while (bus.parent) bus = bus.parent;
  const h = k.machine.hosts.find((x) => x.domain === bus.domain && x.busStart === bus.number);
  return h?.osc ?? new Set<string>();
}

/**
 * get_port_device_capability(): the services a port has, with the firmware's _OSC grants
 * (pcie_ports=native is not modelled). AER on any port with the capability before d8d2b65a940b
 * (v6.2), on Root Ports and Event Collectors after; bandwidth control (665745f27487, v6.13) on
 * Root and Downstream Ports whose link is Link Bandwidth Notification Capable — the model takes
 * their links to support more than one speed.
 */
const get_port_device_capability = traced('get_port_device_capability', (k: Kernel, dev: PciDev): number => {
  const osc = hostOsc(k, dev);
  const t = dev.pcieType();
  const rootish = t === R.PCI_EXP_TYPE_ROOT_PORT || t === R.PCI_EXP_TYPE_RC_EC;
  let services = 0;
  if (dev.isHotplugBridge && osc.has('PCIeHotplug')) services |= PCIE_PORT_SERVICE_HP;
  if (dev.aerCap && osc.has('AER') && (!k.has(C.AER_ROOT_ONLY_D8D2B65A940B) || rootish)) services |= PCIE_PORT_SERVICE_AER;
  if (rootish && osc.has('PME')) {
    services |= PCIE_PORT_SERVICE_PME;
    // "Disable PME interrupt on this port in case it's been enabled by the BIOS"
    pcie_pme_interrupt_enable(k, dev, false);
  }
  if (services & PCIE_PORT_SERVICE_AER && pci_find_ext_capability(k, dev, R.PCI_EXT_CAP_ID_DPC)) services |= PCIE_PORT_SERVICE_DPC;
  if (k.has(C.BWCTRL_665745F27487) && (t === R.PCI_EXP_TYPE_DOWNSTREAM || t === R.PCI_EXP_TYPE_ROOT_PORT)) {
    if (pcie_capability_read_dword(k, dev, R.PCI_EXP_LNKCAP) & R.PCI_EXP_LNKCAP_LBNC) services |= PCIE_PORT_SERVICE_BWCTRL;
  }
  return services;
});

/**
 * pcie_bwnotif_enable() (drivers/pci/pcie/bwctrl.c, as of v6.17): link bandwidth interrupts on,
 * the two status bits cleared.
 */
const pcie_bwnotif_enable = traced('pcie_bwnotif_enable', (k: Kernel, dev: PciDev): void => {
  pcie_capability_read_word(k, dev, R.PCI_EXP_LNKSTA);
  pcie_capability_clear_and_set_word(k, dev, R.PCI_EXP_LNKCTL, 0, R.PCI_EXP_LNKCTL_LBMIE | R.PCI_EXP_LNKCTL_LABIE);
  pcie_capability_write_word(k, dev, R.PCI_EXP_LNKSTA, R.PCI_EXP_LNKSTA_LBMS | R.PCI_EXP_LNKSTA_LABS);
});

/**
 * pcie_port_enable_irq_vec(): as many vectors as the port can have, then, once the services'
 * Interrupt Message Numbers are known (pcie_message_numbers(): PCI_EXP_FLAGS for PME and hotplug),
 * freed and allocated again as many as the highest number needs.
 */
const pcie_port_enable_irq_vec = traced('pcie_port_enable_irq_vec', (k: Kernel, dev: PciDev, mask: number): number => {
  let nr = pci_alloc_irq_vectors(k, dev, 1, PCIE_PORT_MAX_MSI_ENTRIES, PCI_IRQ_MSIX | PCI_IRQ_MSI);
  if (nr < 0) return nr;
  let nvec = 0;
  // pcie_message_numbers(): AER and DPC have their own Interrupt Message Number registers, which
  // the modelled ports leave at 0 like PCI_EXP_FLAGS'
  if (mask & (PCIE_PORT_SERVICE_PME | PCIE_PORT_SERVICE_HP | PCIE_PORT_SERVICE_BWCTRL)) nvec = ((pcie_capability_read_word(k, dev, R.PCI_EXP_FLAGS) & PCI_EXP_FLAGS_IRQ) >> 9) + 1;
  if (mask & (PCIE_PORT_SERVICE_AER | PCIE_PORT_SERVICE_DPC)) nvec = Math.max(nvec, 1);
  if (nvec > nr) {
    pci_free_irq_vectors(k, dev);
    return -5;
  }
  if (nvec !== nr) {
    pci_free_irq_vectors(k, dev);
    nr = pci_alloc_irq_vectors(k, dev, nvec, nvec, PCI_IRQ_MSIX | PCI_IRQ_MSI);
    if (nr < 0) return nr;
  }
  return 0;
});

/** pcie_init_service_irqs(): MSI-X or MSI, else the INTx pin. */
const pcie_init_service_irqs = traced('pcie_init_service_irqs', (k: Kernel, dev: PciDev, mask: number): void => {
  if (!pcie_port_enable_irq_vec(k, dev, mask)) return;
  pci_alloc_irq_vectors(k, dev, 1, 1, PCI_IRQ_INTX);
});

/** pcie_port_device_register(): enable; bus mastering and interrupts only for a port with services. */
const pcie_port_device_register = traced('pcie_port_device_register', (k: Kernel, dev: PciDev): number => {
  const rc = pci_enable_device(k, dev);
  if (rc) return rc;
  const services = get_port_device_capability(k, dev);
  if (!services) return 0;
  __pci_set_master(k, dev, true);
  pcie_init_service_irqs(k, dev, services);
  // pcie_device_init() registers a device per service in bit order, and each binds to its service
  // driver (registered before the port driver by pcie_init_services()) as it is registered.
  // Modelled are PME's Root Control writes and bandwidth control's link interrupts; of AER,
  // pciehp and DPC only the interrupt they request.
  dev.portServices = services;
  if (services & PCIE_PORT_SERVICE_PME) pcie_pme_probe(k, dev);
  if (services & PCIE_PORT_SERVICE_AER) request_irq(k, dev, 0);
  if (services & PCIE_PORT_SERVICE_HP) request_irq(k, dev, 0);
  if (services & PCIE_PORT_SERVICE_DPC) request_irq(k, dev, 0);
  if (services & PCIE_PORT_SERVICE_BWCTRL) {
    request_irq(k, dev, 0);
    pcie_bwnotif_enable(k, dev);
  }
  return 0;
});

const pcie_portdrv_probe = traced('pcie_portdrv_probe', (k: Kernel, dev: PciDev): number => {
  const t = dev.pcieType();
  if (!dev.isPcie() || (t !== R.PCI_EXP_TYPE_ROOT_PORT && t !== R.PCI_EXP_TYPE_UPSTREAM && t !== R.PCI_EXP_TYPE_DOWNSTREAM && t !== R.PCI_EXP_TYPE_RC_EC)) return -19;
  const rc = pcie_port_device_register(k, dev);
  if (rc) return rc;
  pci_save_state(k, dev);
  // pci_bridge_d3_possible() ports then runtime-suspend after 100 ms: not modelled
  return 0;
});

/**
 * pcie_portdrv_shutdown() → pcie_port_device_remove(): the service devices are unregistered, each
 * driver's remove undoing its probe (PME's pcie_pme_remove() turns the PME interrupt off and clears
 * Root Status; bandwidth control's turns its link interrupts off; the shared vector is freed with
 * the last), then the vectors go.
 */
const pcie_portdrv_shutdown = traced('pcie_portdrv_shutdown', (k: Kernel, dev: PciDev): void => {
  const services = dev.portServices;
  if (services & PCIE_PORT_SERVICE_PME) pcie_pme_remove(k, dev);
  if (services & PCIE_PORT_SERVICE_BWCTRL) pcie_capability_clear_and_set_word(k, dev, R.PCI_EXP_LNKCTL, R.PCI_EXP_LNKCTL_LBMIE | R.PCI_EXP_LNKCTL_LABIE, 0);
  free_irq(k, dev, 0);
  dev.portServices = 0;
  pci_free_irq_vectors(k, dev);
});

export function pcieportDriver(k: Kernel): DriverWithIds {
  return { name: 'pcieport', ids: [], classMatch: 0x060400, probe: (dev) => pcie_portdrv_probe(k, dev), shutdown: (dev) => pcie_portdrv_shutdown(k, dev) };
}

/** pcie_portdrv_init(), device_initcall */
export const pcie_portdrv_init = traced('pcie_portdrv_init', (k: Kernel): void => {
  pci_register_driver(k, pcieportDriver(k));
});
