// Plain-text and JSON renderings of a run. No colour here: the CLI adds it.
import { renderLog, RenderOptions } from '../printk/log';
import type { RunResult, Verdict } from '../scenario/run';
import { findScenario } from '../scenario/scenarios';
import { lspciXxxx } from './lspci';

export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

export interface RunJson {
  scenario: string;
  kernel: string;
  verdict: Verdict;
  reasons: string[];
  dmesg: string[];
  guest: string[];
  config: Record<string, string>;
  saved: Record<string, string[]>;
  findings: Array<{ after: string; kind: string; device: string; text: string }>;
}

/** Final config space of the scenario's watched devices, as `lspci -xxxx` text. */
export function watchedConfig(r: RunResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const bdf of findScenario(r.scenario).watch) out[bdf] = lspciXxxx(r.machine, bdf);
  return out;
}

export function savedStrings(r: RunResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [bdf, v] of Object.entries(r.saved)) out[bdf] = v.map(hex32);
  return out;
}

/** Findings as text, one per line, with the step after which each appeared. */
export function formatFindings(r: RunResult): string[] {
  return r.findings.map((f) => `after ${f.after}: ${f.text}`);
}

export function toJson(r: RunResult, o: RenderOptions = {}): RunJson {
  return {
    scenario: r.scenario,
    kernel: r.kernel,
    verdict: r.verdict,
    reasons: r.reasons,
    dmesg: renderLog(r.host, { dyndbg: o.dyndbg }),
    guest: renderLog(r.guest, { dyndbg: o.dyndbg }),
    config: watchedConfig(r),
    saved: savedStrings(r),
    findings: r.findings.map((f) => ({ after: f.after, kind: f.kind, device: f.device, text: f.text })),
  };
}
