// The modelled history of the branches the scenarios' kernels come from, for `pcirepro bisect`.
//
// Each branch is an ordered list of points: release tags and modelled commits. Release points
// stand for "Linux 6.12.64"-style release commits and are named by their tag: the model carries
// their place in history, not their SHA. A commit point names its id and title and, for a
// stable backport, the upstream id; `effect` is the modelled behaviour it brings (a constant of
// commits.ts) or null for commits the model carries but that change nothing it simulates.
// Only commits the model knows are listed: a real bisect between two stable tags walks through
// hundreds of unrelated commits, which would all test like their neighbours here.
import * as C from './commits';
import { RELEASES } from './releases';

export interface HistoryPoint {
  /** tag name for releases, 12-digit id for commits */
  id: string;
  title: string;
  kind: 'release' | 'commit';
  upstream?: string;
  effect: string | null;
}

const rel = (tag: string): HistoryPoint => ({ id: tag, title: `Linux ${tag.slice(1)}`, kind: 'release', effect: null });
const commit = (id: string, title: string, effect: string | null, upstream?: string): HistoryPoint => ({ id, title, kind: 'commit', effect, ...(upstream ? { upstream } : {}) });

const A2F1_TITLE = C.COMMITS[C.A2F1E22390AC].title;

export const HISTORY: Record<string, HistoryPoint[]> = {
  'linux-6.12.y': [
    rel('v6.12.63'), rel('v6.12.64'), rel('v6.12.65'), rel('v6.12.66'), rel('v6.12.67'), rel('v6.12.68'), rel('v6.12.69'),
    // first in v6.12.70 (the regression thread); without 4d4c10f763d7, which 6.12.y does not have
    commit('58130e7ce6cb', A2F1_TITLE, C.A2F1E22390AC, C.A2F1E22390AC),
    rel('v6.12.70'), rel('v6.12.71'), rel('v6.12.72'), rel('v6.12.73'),
  ],
  'linux-6.18.y': [
    rel('v6.18.9'),
    // first in v6.18.10
    commit('71c50e60421b', A2F1_TITLE, C.A2F1E22390AC, C.A2F1E22390AC),
    rel('v6.18.10'), rel('v6.18.11'), rel('v6.18.12'), rel('v6.18.13'),
  ],
  mainline: [
    rel('v6.17'),
    // the setup-bus.c part of the v6.18 PCI merge (pci-v6.18-changes), in the pull request's order
    ...[C.RELAXED_MIN_6E460C3D6110, C.RELEASE_3BAEAE36039A, C.ENABLE_BRIDGE_1CDFFA51ECC4, C.WINDOW_STATE_8278C6914306,
      C.UPSTREAM_SELECT_13016E15D595, C.SELECT_WINDOW_AE88D0B9C57F, C.FRESH_INFO_15C5867B0AE6].map((id) => commit(id, C.COMMITS[id].title, id)),
    rel('v6.18'),
    commit('be9edde43d85', C.COMMITS[C.STATE_SAVED_BE9EDDE43D85].title, C.STATE_SAVED_BE9EDDE43D85),
    commit('894f475f88e0', 'PCI/PM: Reinstate clearing state_saved in legacy and !PM codepaths', null),
    commit(C.A2F1E22390AC, A2F1_TITLE, C.A2F1E22390AC),
    commit('383d89699c50', 'treewide: Drop pci_save_state() after pci_restore_state()', null),
    rel('v6.19'),
    rel('v7.0'),
    commit(C.FIX_909F7BF9B080, C.COMMITS[C.FIX_909F7BF9B080].title, C.FIX_909F7BF9B080),
    rel('v7.1'),
  ],
};

/** The branch and index of a named point (tag or commit id prefix). */
export function locate(ref: string): { branch: string; index: number } | null {
  for (const [branch, points] of Object.entries(HISTORY)) {
    const index = points.findIndex((p) => p.id === ref || (p.kind === 'commit' && ref.length >= 7 && p.id.startsWith(ref)));
    if (index >= 0) return { branch, index };
  }
  return null;
}

/**
 * The modelled commits of the tree at `index` of `branch`: those of the first named release at
 * or before it, plus the effects of the commits after that release up to `index`.
 */
export function commitsAt(branch: string, index: number): Set<string> {
  const points = HISTORY[branch];
  let base = -1;
  for (let i = index; i >= 0; i--) {
    if (points[i].kind === 'release' && RELEASES.some((r) => r.name === points[i].id)) { base = i; break; }
  }
  if (base < 0) throw new Error(`no named release at or before ${points[index].id} on ${branch}`);
  const set = new Set(RELEASES.find((r) => r.name === points[base].id)!.commits);
  for (let i = base + 1; i <= index; i++) if (points[i].effect) set.add(points[i].effect!);
  return set;
}
