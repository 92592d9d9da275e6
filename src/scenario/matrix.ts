// Scenarios × kernels, each cell a verdict computed by running the scenario.
import { findScenario } from './scenarios';
import { runScenario, Verdict } from './run';

export interface MatrixCell {
  scenario: string;
  kernel: string;
  verdict: Verdict;
}

export function runMatrix(scenarios: string[], kernels?: string[]): MatrixCell[] {
  const cells: MatrixCell[] = [];
  for (const name of scenarios) {
    const s = findScenario(name);
    for (const kernel of kernels ?? s.kernels) cells.push({ scenario: name, kernel, verdict: runScenario(name, kernel, { tracing: false }).verdict });
  }
  return cells;
}

/** Kernels down, scenarios across, in first-seen order. */
export function formatMatrix(cells: MatrixCell[]): string {
  const scen = [...new Set(cells.map((c) => c.scenario))];
  const kern = [...new Set(cells.map((c) => c.kernel))];
  const w0 = Math.max('kernel'.length, ...kern.map((k) => k.length));
  const ws = scen.map((s) => Math.max(s.length, 'working'.length));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(i === 0 ? w0 : ws[i - 1])).join('  ').trimEnd();
  const out = [line(['kernel', ...scen])];
  for (const k of kern) out.push(line([k, ...scen.map((s) => cells.find((c) => c.kernel === k && c.scenario === s)?.verdict ?? '-')]));
  return out.join('\n');
}
