// `pcirepro bisect`: git bisect over the modelled history of a branch, running the scenario at
// each step and judging it from the hardware, as Bernd did by hand on real machines.
import { commitsAt, HISTORY, HistoryPoint, locate } from '../kernel/history';
import { RELEASES, KernelVariant } from '../kernel/releases';
import { isBad, runScenario, Verdict } from './run';
import { findScenario, ScenarioError } from './scenarios';

export class BisectError extends Error {
  override name = 'BisectError';
}

export interface BisectStep {
  point: HistoryPoint;
  verdict: Verdict;
}

export interface BisectResult {
  scenario: string;
  branch: string;
  good: HistoryPoint;
  bad: HistoryPoint;
  steps: BisectStep[];
  first: HistoryPoint;
  /** git bisect log */
  log: string[];
}

function variantAt(branch: string, index: number): KernelVariant {
  const p = HISTORY[branch][index];
  const commits = commitsAt(branch, index);
  // The release the tree descends from names the wording and description.
  const base = [...HISTORY[branch].slice(0, index + 1)].reverse().find((x) => RELEASES.some((r) => r.name === x.id))!;
  return { name: p.kind === 'release' ? p.id : `${base.id}+${p.id}`, release: RELEASES.find((r) => r.name === base.id)!, commits };
}

const good = (v: Verdict) => !isBad(v);

export function bisect(scenario: string, goodRef: string, badRef: string): BisectResult {
  findScenario(scenario);
  const g = locate(goodRef);
  const b = locate(badRef);
  const known = Object.entries(HISTORY).map(([br, pts]) => `${br}: ${pts[0].id}..${pts[pts.length - 1].id}`).join('; ');
  if (!g) throw new BisectError(`Unknown good revision "${goodRef}": expected a tag or commit of the modelled history (${known})`);
  if (!b) throw new BisectError(`Unknown bad revision "${badRef}": expected a tag or commit of the modelled history (${known})`);
  if (g.branch !== b.branch || g.index >= b.index)
    throw new BisectError(`Cannot bisect: good ${goodRef} is not an ancestor of bad ${badRef} in the modelled history (${known})`);
  const points = HISTORY[g.branch];
  const run = (i: number): Verdict => runScenario(scenario, variantAt(g.branch, i), { tracing: false }).verdict;
  const vg = run(g.index);
  if (!good(vg)) throw new BisectError(`Cannot bisect: ${scenario} is already broken on the good revision ${goodRef}`);
  const vb = run(b.index);
  if (good(vb)) throw new BisectError(`Cannot bisect: ${scenario} works on the bad revision ${badRef}`);

  const line = (p: HistoryPoint) => `[${p.id}] ${p.title}`;
  const log = [`git bisect start '${points[b.index].id}' '${points[g.index].id}'`, `# bad: ${line(points[b.index])}`, `git bisect bad ${points[b.index].id}`, `# good: ${line(points[g.index])}`, `git bisect good ${points[g.index].id}`];
  const steps: BisectStep[] = [];
  let lo = g.index;
  let hi = b.index;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const v = run(mid);
    steps.push({ point: points[mid], verdict: v });
    const word = good(v) ? 'good' : 'bad';
    log.push(`# ${word}: ${line(points[mid])}`, `git bisect ${word} ${points[mid].id}`);
    if (good(v)) lo = mid;
    else hi = mid;
  }
  const first = points[hi];
  log.push(`# first bad commit: ${line(first)}`);
  return { scenario, branch: g.branch, good: points[g.index], bad: points[b.index], steps, first, log };
}

/** The text `pcirepro bisect` prints: the bisect log, then git's verdict on the culprit. */
export function formatBisect(r: BisectResult): string[] {
  const out = [...r.log, ''];
  out.push(`${r.first.id} is the first bad commit`);
  out.push(`commit ${r.first.id}`);
  out.push('');
  out.push(`    ${r.first.title}`);
  if (r.first.upstream) {
    out.push('');
    out.push(`    [ Upstream commit ${r.first.upstream} ]`);
  }
  if (r.first.kind === 'release') {
    out.push('');
    out.push(`    (a release point: the model knows no commit between it and the last good revision that changes ${r.scenario})`);
  }
  return out;
}

export { ScenarioError };
