// The modelled commits and patches. Every behaviour branch in kernel/ tests one of these constants
// (`k.has(A2F1E22390AC)`), so grepping a constant finds every place its commit changed behaviour.

export interface Commit {
  /** upstream id (12 hex digits) or, for unmerged series, a patch name */
  id: string;
  title: string;
  /** where the behaviour first shipped */
  mainline: string | null;
  /** stable backports: branch → backport commit id and first release */
  backports?: Record<string, { id: string; first: string }>;
  /** author and posting, for unmerged patches */
  posting?: string;
  /** modelled commits the patch's hunks apply on top of (its diff context) */
  requires?: string[];
}

export const C82F63E411F1 = 'c82f63e411f1';
export const COALESCE_7C3855C423B1 = '7c3855c423b1';
export const RESOURCE_NAMES_65F8E0BEAC5A = '65f8e0beac5a';
export const PORT_TYPE_35259FF188E0 = '35259ff188e0';
export const BATCH_BAR_SIZING_4453F360862E = '4453f360862e';
export const WINDOW_LOG_6F32099A9172 = '6f32099a9172';
export const D0_ON_INIT_4D4C10F763D7 = '4d4c10f763d7';
export const STATE_SAVED_BE9EDDE43D85 = 'be9edde43d85';
export const A2F1E22390AC = 'a2f1e22390ac';
export const FIX_909F7BF9B080 = '909f7bf9b080';
export const RELAXED_TAIL_566F1DD52816 = '566f1dd52816';
export const RELAXED_SIZE1_67F9085596EE = '67f9085596ee';
export const OPTIONAL_RES_2499F5348431 = '2499f5348431';
export const NEXT_ROUND_CA9097F9CE03 = 'ca9097f9ce03';
export const WINDOW_STATE_8278C6914306 = '8278c6914306';
export const RELEASE_3BAEAE36039A = '3baeae36039a';
export const SELECT_WINDOW_AE88D0B9C57F = 'ae88d0b9c57f';
export const FRESH_INFO_15C5867B0AE6 = '15c5867b0ae6';
export const RELAXED_MIN_6E460C3D6110 = '6e460c3d6110';
export const ENABLE_BRIDGE_1CDFFA51ECC4 = '1cdffa51ecc4';
export const UPSTREAM_SELECT_13016E15D595 = '13016e15d595';
export const AER_ROOT_ONLY_D8D2B65A940B = 'd8d2b65a940b';
export const BWCTRL_665745F27487 = '665745f27487';
export const AVOID_ERROR_SAVE = 'pci-avoid-saving-error-values';
export const LUO_NO_WRITES = 'pci-luo-no-writes';
export const LUO_INHERIT_BUSNR = 'pci-luo-inherit-busnr';
export const LUO_PRESERVE = 'pci-luo-preserve';

export const COMMITS: Record<string, Commit> = {
  [C82F63E411F1]: {
    id: C82F63E411F1,
    title: 'PCI: check saved state before restore',
    mainline: 'v2.6.31',
  },
  [COALESCE_7C3855C423B1]: {
    id: COALESCE_7C3855C423B1,
    title: 'PCI: Coalesce host bridge contiguous apertures',
    mainline: 'v5.16',
  },
  [AER_ROOT_ONLY_D8D2B65A940B]: {
    id: AER_ROOT_ONLY_D8D2B65A940B,
    title: 'PCI/portdrv: Allow AER service only for Root Ports & RCECs',
    mainline: 'v6.2',
  },
  [BWCTRL_665745F27487]: {
    id: BWCTRL_665745F27487,
    title: 'PCI/bwctrl: Re-add BW notification portdrv as PCIe BW controller',
    mainline: 'v6.13',
  },
  [RESOURCE_NAMES_65F8E0BEAC5A]: {
    id: RESOURCE_NAMES_65F8E0BEAC5A,
    title: 'PCI: Update BAR # and window messages',
    mainline: 'v6.8',
  },
  [PORT_TYPE_35259FF188E0]: {
    id: PORT_TYPE_35259FF188E0,
    title: 'PCI: Log device type during enumeration',
    mainline: 'v6.8',
  },
  [WINDOW_LOG_6F32099A9172]: {
    id: WINDOW_LOG_6F32099A9172,
    // with 281e1f137a97, 63c6ebb294b7, 95140c2fbfdf: the bridge window logging rework
    title: 'PCI: Log bridge windows conditionally',
    mainline: 'v6.8',
  },
  [RELAXED_TAIL_566F1DD52816]: {
    id: RELAXED_TAIL_566F1DD52816,
    // modelled with its v6.15 fixes 1f82b7e84a09 (size0 checked with min_align) and d06cc1e38090
    // (add_align left alone), which 6.12.y also received
    title: 'PCI: Relax bridge window tail sizing rules',
    mainline: 'v6.11',
  },
  [RELAXED_SIZE1_67F9085596EE]: {
    id: RELAXED_SIZE1_67F9085596EE,
    title: 'PCI: Allow relaxed bridge window tail sizing for optional resources',
    mainline: 'v6.15',
  },
  [OPTIONAL_RES_2499F5348431]: {
    id: OPTIONAL_RES_2499F5348431,
    // with 9caf4ea2fd02 (pci_resource_is_optional()), 96336ec70264 (reset and fail list in sync),
    // b3281eb5ded1 (always a realloc_head), 07854e08cdf3 ("failed to add optional"),
    // 4e362abe482d + a34d74877c66 (restore_dev_resource() after a release)
    title: 'PCI: Rework optional resource handling',
    mainline: 'v6.15',
  },
  [NEXT_ROUND_CA9097F9CE03]: {
    id: NEXT_ROUND_CA9097F9CE03,
    title: 'PCI: Consolidate assignment loop next round preparation',
    mainline: 'v6.15',
  },
  [WINDOW_STATE_8278C6914306]: {
    id: WINDOW_STATE_8278C6914306,
    // with b15f45ab65e2 "PCI: Disable non-claimed bridge window" (only claimed windows are
    // programmed) and the UNSET|DISABLED skip in pci_bus_alloc_from_region()
    title: 'PCI: Preserve bridge window resource type flags',
    mainline: 'v6.18',
  },
  [RELEASE_3BAEAE36039A]: {
    id: RELEASE_3BAEAE36039A,
    // with ebbebd8873c4 (pci_setup_one_bridge_window()) and 159fbfd0412b/43b4f7cd064b
    // (pci_bus_release_bridge_resources() takes the window)
    title: 'PCI: Use pci_release_resource() instead of release_resource()',
    mainline: 'v6.18',
  },
  [SELECT_WINDOW_AE88D0B9C57F]: {
    id: SELECT_WINDOW_AE88D0B9C57F,
    title: 'PCI: Use pbus_select_window_for_type() during mem window sizing',
    mainline: 'v6.18',
  },
  [FRESH_INFO_15C5867B0AE6]: {
    id: FRESH_INFO_15C5867B0AE6,
    title: "PCI: Don't print stale information about resource",
    mainline: 'v6.18',
  },
  [RELAXED_MIN_6E460C3D6110]: {
    id: RELAXED_MIN_6E460C3D6110,
    title: 'PCI: Ensure relaxed tail alignment does not increase min_align',
    mainline: 'v6.18',
  },
  [ENABLE_BRIDGE_1CDFFA51ECC4]: {
    id: ENABLE_BRIDGE_1CDFFA51ECC4,
    title: 'PCI: Enable bridge even if bridge window fails to assign',
    mainline: 'v6.18',
  },
  [UPSTREAM_SELECT_13016E15D595]: {
    id: UPSTREAM_SELECT_13016E15D595,
    title: 'PCI: Use pbus_select_window() in space available checker',
    mainline: 'v6.18',
  },
  [BATCH_BAR_SIZING_4453F360862E]: {
    id: BATCH_BAR_SIZING_4453F360862E,
    title: 'PCI: Batch BAR sizing operations',
    mainline: 'v6.14',
  },
  [D0_ON_INIT_4D4C10F763D7]: {
    id: D0_ON_INIT_4D4C10F763D7,
    title: 'PCI: Explicitly put devices into D0 when initializing',
    mainline: 'v6.16',
  },
  [STATE_SAVED_BE9EDDE43D85]: {
    id: STATE_SAVED_BE9EDDE43D85,
    title: 'PCI/PM: Stop needlessly clearing state_saved on enumeration and thaw',
    mainline: 'v6.19',
  },
  [A2F1E22390AC]: {
    id: A2F1E22390AC,
    title: 'PCI/ERR: Ensure error recoverability at all times',
    mainline: 'v6.19',
    backports: {
      'linux-6.12.y': { id: '58130e7ce6cb', first: 'v6.12.70' },
      'linux-6.18.y': { id: '71c50e60421b', first: 'v6.18.10' },
    },
  },
  [AVOID_ERROR_SAVE]: {
    id: AVOID_ERROR_SAVE,
    title: 'PCI: Avoid saving error values for config space',
    mainline: null,
    posting: 'Farhan Ali, "[PATCH v4 01/10]" 24 Sep 2025 (v5 3/9, 13 Nov 2025, same diff); not merged',
  },
  [LUO_NO_WRITES]: {
    id: LUO_NO_WRITES,
    title: 'PCI/LUO: Avoid write to liveupdate devices at boot',
    mainline: null,
    posting: 'Chris Li, "[PATCH RFC 20/25]" 28 Jul 2025 (Live Update Orchestrator PCI series); not merged',
    // its pci_read_bases() hunk guards __pci_size_stdbars()/__pci_size_rom(), the batch sizing
    requires: [BATCH_BAR_SIZING_4453F360862E],
  },
  [LUO_INHERIT_BUSNR]: {
    id: LUO_INHERIT_BUSNR,
    title: 'PCI: Inherit bus numbers from previous kernel during Live Update',
    mainline: null,
    posting: 'David Matlack, the revision after "[PATCH v2 03/22]" (29 Jan 2026) that logs "Ignoring pci=assign-busses …"; not merged',
  },
  [LUO_PRESERVE]: {
    id: LUO_PRESERVE,
    title: 'PCI: liveupdate: preserve a device with its upstream bridges, keep bus mastering across kexec',
    mainline: null,
    posting: 'David Matlack, "[PATCH v4 06/11] PCI: liveupdate: Auto-preserve upstream bridges across Live Update" and "[PATCH v4 10/11] PCI: liveupdate: Do not disable bus mastering on preserved devices during kexec" (23 Apr 2026); not merged',
  },
  [FIX_909F7BF9B080]: {
    id: FIX_909F7BF9B080,
    title: 'PCI: Update saved_config_space upon resource assignment',
    mainline: 'v7.1',
  },
};

/** Find a commit by a unique prefix of its id (at least 7 characters) or by a backport id. */
export function findCommit(ref: string): Commit | undefined {
  const r = ref.toLowerCase();
  if (COMMITS[r]) return COMMITS[r];
  const hits = Object.values(COMMITS).filter(
    (c) =>
      (r.length >= 7 && (c.id.startsWith(r) || r.startsWith(c.id))) ||
      Object.values(c.backports ?? {}).some((b) => r.length >= 7 && (b.id.startsWith(r) || r.startsWith(b.id))),
  );
  return hits.length === 1 ? hits[0] : undefined;
}
