// Named kernel releases: each is a set of modelled commits plus the log wording it prints.
// Composition: "v6.12.73+909f7bf9b080" applies a commit, "v7.0-4d4c10f763d7" reverts one.
import * as C from './commits';

export interface Release {
  name: string;
  description: string;
  branch: string;
  commits: string[];
}

const V516 = [C.C82F63E411F1, C.COALESCE_7C3855C423B1];
const V62 = [...V516, C.AER_ROOT_ONLY_D8D2B65A940B];
const V68 = [...V62, C.RESOURCE_NAMES_65F8E0BEAC5A, C.PORT_TYPE_35259FF188E0, C.WINDOW_LOG_6F32099A9172];
const V611 = [...V68, C.RELAXED_TAIL_566F1DD52816];
const V614 = [...V611, C.BWCTRL_665745F27487, C.BATCH_BAR_SIZING_4453F360862E];
const V615 = [...V614, C.RELAXED_SIZE1_67F9085596EE, C.OPTIONAL_RES_2499F5348431, C.NEXT_ROUND_CA9097F9CE03];
const V618 = [
  ...V615, C.WINDOW_STATE_8278C6914306, C.RELEASE_3BAEAE36039A, C.SELECT_WINDOW_AE88D0B9C57F, C.FRESH_INFO_15C5867B0AE6,
  C.RELAXED_MIN_6E460C3D6110, C.ENABLE_BRIDGE_1CDFFA51ECC4, C.UPSTREAM_SELECT_13016E15D595,
];

export const RELEASES: Release[] = [
  // Generic mainline releases, for replaying logs of machines from bug reports.
  { name: 'v5.15', branch: 'mainline', commits: [C.C82F63E411F1], description: 'mainline v5.10–v5.15: as v6.7, and contiguous host bridge windows are not yet merged' },
  { name: 'v6.7', branch: 'mainline', commits: [...V62], description: 'mainline before the v6.8 log rework ("reg 0x10:", "BAR 0: assigned [...]")' },
  { name: 'v6.8', branch: 'mainline', commits: [...V68], description: 'mainline v6.8: resource names, port type, bridge windows logged at enumeration' },
  { name: 'v6.9', branch: 'mainline', commits: [...V68], description: 'mainline v6.9' },
  { name: 'v6.12', branch: 'linux-6.12.y', commits: [...V611], description: 'v6.12 before the a2f1e22390ac backport (6.12.0–6.12.69)' },
  { name: 'v6.15', branch: 'mainline', commits: [...V615], description: 'mainline v6.15: batch BAR sizing, the optional-resource rework of setup-bus.c' },
  { name: 'v6.16', branch: 'mainline', commits: [...V615, C.D0_ON_INIT_4D4C10F763D7], description: 'mainline v6.16: devices put into D0 at enumeration' },
  { name: 'v6.18', branch: 'mainline', commits: [...V618, C.D0_ON_INIT_4D4C10F763D7], description: 'mainline v6.18' },
  { name: 'v6.12.63', branch: 'linux-6.12.y', commits: [...V611], description: "Bernd's last good host kernel: no enumeration-time pci_save_state()" },
  { name: 'v6.12.73', branch: 'linux-6.12.y', commits: [...V611, C.A2F1E22390AC], description: "Bernd's failing host: a2f1e22390ac backported (58130e7ce6cb) without 4d4c10f763d7" },
  { name: 'v6.17', branch: 'mainline', commits: [...V615, C.D0_ON_INIT_4D4C10F763D7], description: "mainline of Farhan Ali's s390x thread: D0 at init, no enumeration-time save" },
  { name: 'v6.18.9', branch: 'linux-6.18.y', commits: [...V618, C.D0_ON_INIT_4D4C10F763D7], description: "Alexandre's good kernel" },
  { name: 'v6.18.13', branch: 'linux-6.18.y', commits: [...V618, C.D0_ON_INIT_4D4C10F763D7, C.A2F1E22390AC], description: "Alexandre's bad kernel: a2f1e22390ac backported (71c50e60421b)" },
  { name: 'v6.19.11', branch: 'linux-6.19.y', commits: [...V618, C.D0_ON_INIT_4D4C10F763D7, C.STATE_SAVED_BE9EDDE43D85, C.A2F1E22390AC], description: "Alexandre's bad kernel (Bernd's 6.19.8 works: no host driver)" },
  { name: 'v7.0', branch: 'mainline', commits: [...V618, C.D0_ON_INIT_4D4C10F763D7, C.STATE_SAVED_BE9EDDE43D85, C.A2F1E22390AC], description: 'mainline before the fix' },
  {
    name: 'debian-6.1.192', branch: 'debian-6.1.y', commits: [...V516, C.RESOURCE_NAMES_65F8E0BEAC5A],
    description: "the QEMU oracle's kernel: v6.8 resource names backported; old discovery line and bridge window logging",
  },
  { name: 'v7.1', branch: 'mainline', commits: [...V618, C.D0_ON_INIT_4D4C10F763D7, C.STATE_SAVED_BE9EDDE43D85, C.A2F1E22390AC, C.FIX_909F7BF9B080], description: 'mainline with 909f7bf9b080' },
];

export class KernelSpecError extends Error {
  override name = 'KernelSpecError';
}

export interface KernelVariant {
  /** the name as given, e.g. "v6.12.73+909f7bf9b080" */
  name: string;
  release: Release;
  commits: ReadonlySet<string>;
}

export function releaseNames(): string[] {
  return RELEASES.map((r) => r.name);
}

/** Parse "release(+commit|-commit)*"; commits by id prefix (7+ hex digits) or patch name. */
export function parseKernel(spec: string): KernelVariant {
  const base = [...RELEASES]
    .sort((a, b) => b.name.length - a.name.length)
    .find((r) => spec.startsWith(r.name) && /^([+-]|$)/.test(spec.slice(r.name.length)));
  if (!base)
    throw new KernelSpecError(`Unknown kernel "${spec}": expected one of ${releaseNames().join(', ')}, optionally followed by +COMMIT or -COMMIT`);
  const commits = new Set(base.commits);
  const names = Object.keys(C.COMMITS).sort((a, b) => b.length - a.length);
  let rest = spec.slice(base.name.length);
  while (rest) {
    const sign = rest[0];
    const body = rest.slice(1);
    const named = names.find((n) => body.startsWith(n) && /^([+-]|$)/.test(body.slice(n.length)));
    const ref = named ?? /^[0-9a-f]{7,40}/i.exec(body)?.[0] ?? body.split(/[+]/)[0];
    const c = C.findCommit(ref);
    if (!c)
      throw new KernelSpecError(`Unknown commit "${ref}" in kernel "${spec}": expected one of ${Object.keys(C.COMMITS).join(', ')}`);
    if (sign === '+') commits.add(c.id);
    else commits.delete(c.id);
    rest = body.slice(ref.length);
  }
  for (const id of commits) {
    const missing = (C.COMMITS[id]?.requires ?? []).filter((r) => !commits.has(r));
    if (missing.length)
      throw new KernelSpecError(
        `Kernel "${spec}": ${id} applies on top of ${missing.map((r) => `${r} ("${C.COMMITS[r].title}", ${C.COMMITS[r].mainline})`).join(', ')}, which ${base.name} does not have`,
      );
  }
  return { name: spec, release: base, commits };
}

/** The modelled release closest to a kernel version string ("6.12.33", "6.16.0-rc4+"). */
export function kernelForVersion(version: string): string {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) throw new KernelSpecError(`Cannot tell the release of kernel version "${version}"`);
  const [maj, min, sub] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const v = maj * 1000 + min;
  if (v < 5016) return 'v5.15';
  if (v <= 6007) return 'v6.7';
  if (v === 6012) return sub >= 70 ? 'v6.12.73' : 'v6.12';
  if (v < 6012) return v >= 6009 ? 'v6.9' : 'v6.8';
  if (v < 6016) return 'v6.15';
  if (v === 6016) return 'v6.16';
  if (v === 6017) return 'v6.17';
  if (v === 6018) return sub >= 10 ? 'v6.18.13' : 'v6.18';
  if (v === 6019) return 'v6.19.11';
  return v >= 7001 ? 'v7.1' : 'v7.0';
}
