// Every line the modelled kernel can print, as data: the kernel function that prints it, its
// level, and its format string per log wording. "modern" is the wording after the v6.8 rework
// (65f8e0beac5a "PCI: Update BAR # and window messages", dc4e6f21c3f8 "PCI: Use resource names in
// PCI log messages"); "legacy" is the wording before it, where it differed. Arguments are built by
// `args` from named parameters so both wordings can take what they need.
import type { Arg } from './format';
import type { Resource } from '../kernel/resource';

export type Level = 3 | 4 | 5 | 6 | 7;
export const KERN_ERR = 3, KERN_WARNING = 4, KERN_NOTICE = 5, KERN_INFO = 6, KERN_DEBUG = 7;

export interface Params {
  name?: string;
  idx?: number;
  res?: Resource;
  res2?: Resource;
  name2?: string;
  [k: string]: string | number | bigint | Resource | undefined;
}

export interface Message {
  /** kernel function that prints it */
  fn: string;
  /** source file, relative to the kernel tree */
  file: string;
  level: Level;
  /** dynamic debug (pci_dbg/dev_dbg): invisible unless enabled */
  dyndbg?: boolean;
  modern: string;
  legacy?: string;
  args: (p: Params, legacy: boolean) => Arg[];
}

const R = (p: Params): Resource => p.res as Resource;

export const MESSAGES = {
  // drivers/acpi/pci_root.c, pr_fmt "ACPI: "
  acpi_root_bridge: { fn: 'acpi_pci_root_add', file: 'drivers/acpi/pci_root.c', level: KERN_INFO,
    modern: 'ACPI: %s [%s] (domain %04x %pR)', args: (p) => [p.dev_name as string, p.bid as string, p.domain as number, R(p)] },
  // drivers/pci/probe.c
  host_bridge_to_bus: { fn: 'pci_register_host_bridge', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'PCI host bridge to bus %s', args: (p) => [p.bus as string] },
  root_bus_resource: { fn: 'pci_register_host_bridge', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'root bus resource %pR%s', args: (p) => [R(p), (p.suffix as string) ?? ''] },
  // 35259ff188e0 "PCI: Log device type during enumeration" appends the type string.
  dev_discovered_type: { fn: 'pci_setup_device', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: '[%04x:%04x] type %02x class %#08x %s', args: (p) => [p.vendor as number, p.device as number, p.hdr as number, p.class as number, p.type as string] },
  dev_discovered: { fn: 'pci_setup_device', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: '[%04x:%04x] type %02x class %#08x', args: (p) => [p.vendor as number, p.device as number, p.hdr as number, p.class as number] },
  bar_read: { fn: '__pci_read_base', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: '%s %pR', legacy: 'reg 0x%x: %pR', args: (p, legacy) => (legacy ? [p.reg as number, R(p)] : [p.name as string, R(p)]) },
  bar_cant_size: { fn: '__pci_read_base', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: '[Firmware Bug]: %s: invalid; can\'t size', legacy: '[Firmware Bug]: reg 0x%x: invalid BAR (can\'t size)',
    args: (p, legacy) => (legacy ? [p.reg as number] : [p.name as string]) },
  bar_initial_invalid: { fn: '__pci_read_base', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: '%s: initial BAR value %#010llx invalid', legacy: 'reg 0x%x: initial BAR value %#010llx invalid',
    args: (p, legacy) => [legacy ? (p.reg as number) : (p.name as string), p.value as bigint] },
  // drivers/pci/iov.c
  sriov_bar: { fn: 'sriov_init', file: 'drivers/pci/iov.c', level: KERN_INFO,
    modern: '%s %pR: contains BAR %d for %d VFs', legacy: 'VF(n) BAR%d space: %pR (contains BAR%d for %d VFs)',
    args: (p, legacy) => (legacy ? [p.bar as number, R(p), p.bar as number, p.total as number] : [p.name as string, R(p), p.bar as number, p.total as number]) },
  // dev_WARN(): the line, then a WARNING splat (not reproduced)
  sriov_cant_update: { fn: 'pci_iov_update_resource', file: 'drivers/pci/iov.c', level: KERN_WARNING,
    modern: 'can\'t update enabled VF BAR%d %pR', args: (p) => [p.bar as number, R(p)] },
  bridge_to: { fn: 'pci_read_bridge_windows', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'PCI bridge to %pR%s', args: (p) => [R(p), (p.suffix as string) ?? ''] },
  bridge_window: { fn: 'pci_read_bridge_windows', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: '  bridge window %pR', args: (p) => [R(p)] },
  bridge_window_subtractive: { fn: 'pci_read_bridge_bases', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: '  bridge window %pR (subtractive decode)', args: (p) => [R(p)] },
  no_extcfg: { fn: 'pci_alloc_child_bus', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'extended config space not accessible', args: () => [] },
  scanning_behind_bridge: { fn: 'pci_scan_bridge_extend', file: 'drivers/pci/probe.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'scanning [bus %02x-%02x] behind bridge, pass %d', args: (p) => [p.sec as number, p.sub as number, p.pass as number] },
  bus_scan_returning: { fn: 'pci_scan_child_bus_extend', file: 'drivers/pci/probe.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'bus scan returning with max=%02x', args: (p) => [p.max as number] },
  ext_tags_enabling: { fn: 'pci_configure_extended_tags', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'enabling Extended Tags', args: () => [] },
  pme_active: { fn: 'pci_pme_active', file: 'drivers/pci/pci.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'PME# %s', args: (p) => [p.what as string] },
  busn_insert_conflict: { fn: 'pci_bus_insert_busn_res', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'busn_res: can not insert %pR under %s%pR (conflicts with %s %pR)',
    args: (p) => [R(p), p.where as string, p.res2 as Resource, p.name2 as string, p.res3 as Resource] },
  bridge_subordinate_max: { fn: 'pci_scan_bridge_extend', file: 'drivers/pci/probe.c', level: KERN_WARNING,
    modern: 'bridge has subordinate %02x but max busn %02x', args: (p) => [p.sub as number, p.max as number] },
  busn_res_end: { fn: 'pci_bus_update_busn_res_end', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'busn_res: %pR end %s updated to %02x', args: (p) => [R(p), p.what as string, p.max as number] },
  primary_hard_wired: { fn: 'pci_scan_bridge_extend', file: 'drivers/pci/probe.c', level: KERN_WARNING,
    modern: 'Primary bus is hard wired to 0', args: () => [] },
  bridge_unusable: { fn: 'pci_scan_bridge_extend', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'devices behind bridge are unusable because %pR cannot be assigned for them', args: (p) => [R(p)] },
  bridge_config_invalid: { fn: 'pci_scan_bridge_extend', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'bridge configuration invalid ([bus %02x-%02x]), reconfiguring', args: (p) => [p.sec as number, p.sub as number] },
  pm_supports: { fn: 'pci_pm_init', file: 'drivers/pci/pci.c', level: KERN_INFO,
    modern: 'supports%s%s', args: (p) => [p.d1 as string, p.d2 as string] },
  pme_supported: { fn: 'pci_pm_init', file: 'drivers/pci/pci.c', level: KERN_INFO,
    modern: 'PME# supported from%s%s%s%s%s', args: (p) => [p.s0 as string, p.s1 as string, p.s2 as string, p.s3 as string, p.s4 as string] },
  // arch/x86/pci
  using_acpi_irq: { fn: 'pci_acpi_init', file: 'arch/x86/pci/acpi.c', level: KERN_INFO,
    modern: 'PCI: Using ACPI for IRQ routing', args: () => [] },
  cache_line_size: { fn: 'pcibios_init', file: 'arch/x86/pci/common.c', level: KERN_DEBUG,
    modern: 'PCI: pci_cache_line_size set to %d bytes', args: (p) => [p.bytes as number] },
  bar_reserving: { fn: 'pcibios_allocate_dev_resources', file: 'arch/x86/pci/i386.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'BAR %d: reserving %pr (d=%d, p=%d)', args: (p) => [p.idx as number, R(p), p.d as number, p.pass as number] },
  bar_immovable: { fn: 'pcibios_allocate_dev_resources', file: 'arch/x86/pci/i386.c', level: KERN_INFO,
    modern: 'BAR %d %pR is immovable', args: (p) => [p.idx as number, R(p)] },
  rom_disabling: { fn: 'pcibios_allocate_dev_resources', file: 'arch/x86/pci/i386.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'disabling ROM %pR', args: (p) => [R(p)] },
  cls: { fn: 'pci_apply_final_quirks', file: 'drivers/pci/quirks.c', level: KERN_INFO,
    modern: 'PCI: CLS %u bytes, default %u', args: (p) => [p.cls as number, p.dfl as number] },
  cls_mismatch: { fn: 'pci_apply_final_quirks', file: 'drivers/pci/quirks.c', level: KERN_INFO,
    modern: 'CLS mismatch (%u != %u), using %u bytes', args: (p) => [p.a as number, p.b as number, p.use as number] },
  pnp_reserved: { fn: 'reserve_range', file: 'drivers/pnp/system.c', level: KERN_INFO,
    modern: '%pR %s reserved', args: (p) => [R(p), p.what as string] },
  video_shadowed_rom: { fn: 'pci_fixup_video', file: 'arch/x86/pci/fixup.c', level: KERN_INFO,
    modern: 'Video device with shadowed ROM at %pR', args: (p) => [R(p)] },
  // drivers/pci/setup-res.c
  claim_no_address: { fn: 'pci_claim_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: can\'t claim; no address assigned', legacy: 'can\'t claim BAR %d %pR: no address assigned',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  claim_no_window: { fn: 'pci_claim_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: can\'t claim; no compatible bridge window', legacy: 'can\'t claim BAR %d %pR: no compatible bridge window',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  claim_conflict: { fn: 'pci_claim_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: can\'t claim; address conflict with %s %pR', legacy: 'can\'t claim BAR %d %pR: address conflict with %s %pR',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p), p.name2 as string, p.res2 as Resource] },
  assign_bogus_alignment: { fn: 'pci_assign_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: can\'t assign; bogus alignment', legacy: 'BAR %d: can\'t assign %pR (bogus alignment)',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  assign_no_space: { fn: 'pci_assign_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: can\'t assign; no space', legacy: 'BAR %d: no space for %pR',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  assign_failed: { fn: 'pci_assign_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: failed to assign', legacy: 'BAR %d: failed to assign %pR',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  assigned: { fn: 'pci_assign_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: assigned', legacy: 'BAR %d: assigned %pR',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  revert_fw_address: { fn: 'pci_revert_fw_address', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s: trying firmware assignment %pR', legacy: 'BAR %d: trying firmware assignment %pR',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  revert_conflict: { fn: 'pci_revert_fw_address', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: conflicts with %s %pR', args: (p) => [p.name as string, R(p), p.name2 as string, p.res2 as Resource] },
  update_error: { fn: 'pci_std_update_resource', file: 'drivers/pci/setup-res.c', level: KERN_ERR,
    modern: '%s: error updating (%#010x != %#010x)', legacy: 'BAR %d: error updating (%#08x != %#08x)',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), p.new as number, p.check as number] },
  update_error_high: { fn: 'pci_std_update_resource', file: 'drivers/pci/setup-res.c', level: KERN_ERR,
    modern: '%s: error updating (high %#010x != %#010x)', legacy: 'BAR %d: error updating (high %#08x != %#08x)',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), p.new as number, p.check as number] },
  enabling_device: { fn: 'pci_enable_resources', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: 'enabling device (%04x -> %04x)', args: (p) => [p.old as number, p.cmd as number] },
  enable_not_assigned: { fn: 'pci_enable_resources', file: 'drivers/pci/setup-res.c', level: KERN_ERR,
    modern: '%s %pR: not assigned; can\'t enable device', legacy: 'BAR %d: %pR not assigned; can\'t enable device',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  enable_not_claimed: { fn: 'pci_enable_resources', file: 'drivers/pci/setup-res.c', level: KERN_ERR,
    modern: '%s %pR: not claimed; can\'t enable device', legacy: 'BAR %d: %pR not claimed; can\'t enable device',
    args: (p, legacy) => [legacy ? (p.idx as number) : (p.name as string), R(p)] },
  // drivers/pci/setup-bus.c
  setup_bridge_to: { fn: '__pci_setup_bridge', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'PCI bridge to %pR', args: (p) => [R(p)] },
  setup_bridge_window: { fn: 'pci_setup_bridge_io', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: '  %s %pR', args: (p) => [p.name as string, R(p)] },
  window_add_size: { fn: 'pbus_size_io', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'bridge window %pR to %pR add_size %llx', args: (p) => [R(p), p.res2 as Resource, p.add as bigint] },
  window_add_size_align: { fn: 'pbus_size_mem', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'bridge window %pR to %pR add_size %llx add_align %llx', args: (p) => [R(p), p.res2 as Resource, p.add as bigint, p.align as bigint] },
  disabling_window: { fn: 'pbus_size_io', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'disabling bridge window %pR to %pR (unused)', args: (p) => [R(p), p.res2 as Resource] },
  bad_alignment: { fn: 'pbus_size_mem', file: 'drivers/pci/setup-bus.c', level: KERN_WARNING,
    modern: '%s %pR: disabling; bad alignment %#llx', args: (p) => [p.name as string, R(p), p.align as bigint] },
  bogus_alignment: { fn: 'pdev_sort_resources', file: 'drivers/pci/setup-bus.c', level: KERN_WARNING,
    modern: 'BAR %d: %pR has bogus alignment', args: (p) => [p.idx as number, R(p)] },
  relaxed_alignment: { fn: 'pbus_size_mem', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'bridge window %pR to %pR requires relaxed alignment rules', args: (p) => [R(p), p.res2 as Resource] },
  upstream_cannot_fit: { fn: 'pbus_upstream_space_available', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'Assigned bridge window %pR to %pR cannot fit 0x%llx required for %s bridging to %pR',
    args: (p) => [R(p), p.res2 as Resource, p.size as bigint, p.name as string, p.res3 as Resource] },
  optional_failure_ignored: { fn: 'reassign_resources_sorted', file: 'drivers/pci/setup-bus.c', level: KERN_DEBUG, dyndbg: true,
    modern: '%s %pR: ignoring failure in optional allocation', args: (p) => [p.name as string, R(p)] },
  failed_to_add_optional: { fn: 'reassign_resources_sorted', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: '%s %pR: failed to add optional %llx', args: (p) => [p.name as string, R(p), p.add as bigint] },
  releasing: { fn: 'pci_release_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: releasing', args: (p) => [p.name as string, R(p)] },
  releasing_dbg: { fn: '__assign_resources_sorted', file: 'drivers/pci/setup-bus.c', level: KERN_DEBUG, dyndbg: true,
    modern: '%s %pR: releasing', args: (p) => [p.name as string, R(p)] },
  failed_to_add: { fn: 'reassign_resources_sorted', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: '%s %pR: failed to add %llx', args: (p) => [p.name as string, R(p), p.add as bigint] },
  not_setting_up_bridge: { fn: '__pci_bus_assign_resources', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'not setting up bridge for bus %04x:%02x', args: (p) => [p.domain as number, p.bus as number] },
  resource_released: { fn: 'pci_bridge_release_resources', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'resource %d %pR released', args: (p) => [p.idx as number, R(p)] },
  release_child_resource: { fn: '__release_child_resources', file: 'kernel/resource.c', level: KERN_DEBUG,
    modern: 'release child resource %pR', args: (p) => [R(p)] },
  max_bus_depth: { fn: 'pci_assign_unassigned_root_bus_resources', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'max bus depth: %d pci_try_num: %d', args: (p) => [p.depth as number, p.num as number] },
  no_try: { fn: 'pci_assign_unassigned_root_bus_resources', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'No. %d try to assign unassigned res', args: (p) => [p.n as number] },
  auto_realloc: { fn: 'pci_assign_unassigned_root_bus_resources', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'Automatically enabled pci realloc, if you have problem, try booting with pci=realloc=off', args: () => [] },
  no_try_pci: { fn: 'pci_prepare_next_assign_round', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'PCI: No. %d try to assign unassigned res', args: (p) => [p.n as number] },
  try_realloc: { fn: 'pci_assign_unassigned_root_bus_resources', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'Some PCI device resources are unassigned, try booting with pci=realloc', args: () => [] },
  reassign_unassigned: { fn: 'pci_reassign_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: can\'t reassign; unassigned resource', args: (p) => [p.name as string, R(p)] },
  expand_failed: { fn: 'pci_reassign_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: failed to expand by %#llx', args: (p) => [p.name as string, R(p), p.add as bigint] },
  reassigned: { fn: 'pci_reassign_resource', file: 'drivers/pci/setup-res.c', level: KERN_INFO,
    modern: '%s %pR: reassigned; expanded by %#llx', args: (p) => [p.name as string, R(p), p.add as bigint] },
  bus_resource: { fn: 'pci_bus_dump_res', file: 'drivers/pci/setup-bus.c', level: KERN_INFO,
    modern: 'resource %d %pR', args: (p) => [p.idx as number, R(p)] },
  // drivers/pci/pci.c
  // arch/s390/pci, pr_fmt "zpci: "
  zpci_event_error: { fn: '__zpci_event_error', file: 'arch/s390/pci/pci_event.c', level: KERN_ERR,
    modern: 'zpci: %s: Event 0x%x reports an error for PCI function 0x%x', args: (p) => [p.name as string, p.pec as number, p.fid as number] },
  zpci_passthrough: { fn: 'zpci_event_attempt_error_recovery', file: 'arch/s390/pci/pci_event.c', level: KERN_INFO,
    modern: 'zpci: %s: Cannot be recovered in the host because it is a pass-through device', args: (p) => [p.name as string] },
  zpci_no_recovery: { fn: 'zpci_event_attempt_error_recovery', file: 'arch/s390/pci/pci_event.c', level: KERN_INFO,
    modern: 'zpci: %s: Cannot be recovered because no driver is bound to the device', args: (p) => [p.name as string] },
  zpci_reported_status: { fn: 'zpci_report_status', file: 'arch/s390/pci/pci_report.c', level: KERN_INFO,
    modern: 'zpci: Reported PCI device status', args: () => [] },
  // drivers/iommu/iommu.c iommu_group_add_device()
  iommu_group: { fn: 'iommu_group_add_device', file: 'drivers/iommu/iommu.c', level: KERN_INFO,
    modern: 'Adding to iommu group %d', args: (p) => [p.group as number] },
  // drivers/pci/pci.c pcie_flr(), pci_dev_wait()
  flr_pending_timeout: { fn: 'pcie_flr', file: 'drivers/pci/pci.c', level: KERN_ERR,
    modern: 'timed out waiting for pending transaction; performing function level reset anyway', args: () => [] },
  not_ready_waiting: { fn: 'pci_dev_wait', file: 'drivers/pci/pci.c', level: KERN_INFO,
    modern: 'not ready %dms after %s; waiting', args: (p) => [p.ms as number, p.what as string] },
  not_ready_giving_up: { fn: 'pci_dev_wait', file: 'drivers/pci/pci.c', level: KERN_WARNING,
    modern: 'not ready %dms after %s; giving up', args: (p) => [p.ms as number, p.what as string] },
  ready_after: { fn: 'pci_dev_wait', file: 'drivers/pci/pci.c', level: KERN_INFO,
    modern: 'ready %dms after %s', args: (p) => [p.ms as number, p.what as string] },
  ready_after_dbg: { fn: 'pci_dev_wait', file: 'drivers/pci/pci.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'ready %dms after %s', args: (p) => [p.ms as number, p.what as string] },
  // Farhan Ali's "PCI: Avoid saving error values for config space" (not merged)
  config_inaccessible: { fn: 'pci_save_state', file: 'drivers/pci/pci.c', level: KERN_WARNING,
    modern: 'Device config space inaccessible, will only be partially restored', args: () => [] },
  no_saved_config: { fn: 'pci_restore_config_space', file: 'drivers/pci/pci.c', level: KERN_WARNING,
    modern: 'No saved config space, restoring BARs', args: () => [] },
  save_config: { fn: 'pci_save_state', file: 'drivers/pci/pci.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'save config %#04x: %#010x', args: (p) => [p.off as number, p.val as number] },
  restore_config: { fn: 'pci_restore_config_dword', file: 'drivers/pci/pci.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'restore config %#04x: %#010x -> %#010x', legacy: 'restoring config space at offset %#x (was %#x, writing %#x)',
    args: (p) => [p.off as number, p.val as number, p.saved as number] },
  power_up_inaccessible: { fn: 'pci_power_up', file: 'drivers/pci/pci.c', level: KERN_ERR,
    modern: 'Unable to change power state from %s to D0, device inaccessible', args: (p) => [p.from as string] },
  power_refused_d0: { fn: 'pci_set_full_power_state', file: 'drivers/pci/pci.c', level: KERN_INFO,
    modern: 'Refused to change power state from %s to D0', args: (p) => [p.from as string] },
  power_refused: { fn: 'pci_set_low_power_state', file: 'drivers/pci/pci.c', level: KERN_INFO,
    modern: 'Refused to change power state from %s to %s', args: (p) => [p.from as string, p.to as string] },
  bus_master: { fn: '__pci_set_master', file: 'drivers/pci/pci.c', level: KERN_DEBUG, dyndbg: true,
    modern: '%s bus mastering', args: (p) => [p.what as string] },
  resetting: { fn: 'pci_dev_save_and_disable', file: 'drivers/pci/pci.c', level: KERN_WARNING,
    modern: 'resetting', args: () => [] },
  reset_done: { fn: 'pci_dev_restore', file: 'drivers/pci/pci.c', level: KERN_WARNING,
    modern: 'reset done', args: () => [] },
  reset_via: { fn: '__pci_reset_function_locked', file: 'drivers/pci/pci.c', level: KERN_DEBUG, dyndbg: true,
    modern: 'reset via %s', args: (p) => [p.method as string] },
  // Live Update (unmerged series, spec kernel-pci.md §H). pci_info() is dev_printk(): the
  // "PCI: liveupdate: " pr_fmt of drivers/pci/liveupdate.c does not apply to it.
  lu_will_preserve: { fn: 'pci_liveupdate_preserve_device', file: 'drivers/pci/liveupdate.c', level: KERN_INFO,
    modern: 'Device will be preserved across next Live Update', args: () => [] },
  // David Matlack's pci_assign_all_busses() (probe.c has no pr_fmt)
  lu_ignore_assign_busses: { fn: 'pci_assign_all_busses', file: 'drivers/pci/probe.c', level: KERN_INFO,
    modern: 'Ignoring pci=assign-busses and inheriting bus numbers during Live Update', args: () => [] },
  // kernel/kexec_core.c, pr_fmt KBUILD_MODNAME ": "
  kexec_starting: { fn: 'kernel_kexec', file: 'kernel/kexec_core.c', level: KERN_NOTICE,
    modern: 'kexec_core: Starting new kernel', args: () => [] },
  // drivers/media/pci/ddbridge/ddbridge-main.c
  ddb_detected: { fn: 'ddb_probe', file: 'drivers/media/pci/ddbridge/ddbridge-main.c', level: KERN_INFO,
    modern: 'detected %s', args: (p) => [p.what as string] },
  ddb_no_regmap: { fn: 'ddb_probe', file: 'drivers/media/pci/ddbridge/ddbridge-main.c', level: KERN_ERR,
    modern: 'not enough memory for register map', args: () => [] },
  ddb_cannot_read: { fn: 'ddb_probe', file: 'drivers/media/pci/ddbridge/ddbridge-main.c', level: KERN_ERR,
    modern: 'cannot read registers', args: () => [] },
  ddb_hw: { fn: 'ddb_probe', file: 'drivers/media/pci/ddbridge/ddbridge-main.c', level: KERN_INFO,
    modern: 'HW %08x REGMAP %08x', args: (p) => [p.hw as number, p.regmap as number] },
  ddb_fail: { fn: 'ddb_probe', file: 'drivers/media/pci/ddbridge/ddbridge-main.c', level: KERN_ERR,
    modern: 'fail', args: () => [] },
} satisfies Record<string, Message>;

export type MessageId = keyof typeof MESSAGES;
