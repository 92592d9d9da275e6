// `pcirepro diff`: a unified diff (jsdiff) of two runs of one scenario.
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { renderLog } from '../printk/log';
import type { RunResult } from '../scenario/run';
import { formatTraceEntry } from './trace';
import { watchedConfig } from './result';
import { lspciXxxx } from './lspci';

export type DiffWhat = 'log' | 'config' | 'trace';

/** The text of one run that `diff` compares; timestamps left out so that only content differs. */
export function diffText(r: RunResult, what: DiffWhat): string {
  switch (what) {
    case 'log':
      return [...renderLog(r.host), '--- guest ---', ...renderLog(r.guest)].join('\n') + '\n';
    case 'config': {
      // every function the scenario watches, then every other function of the machine
      const watched = watchedConfig(r);
      const rest = [...r.machine.walk()]
        .map((l) => `${l.host.domain.toString(16).padStart(4, '0')}:${l.bus.toString(16).padStart(2, '0')}:${(l.devfn >> 3).toString(16).padStart(2, '0')}.${l.devfn & 7}`)
        .filter((bdf) => !(bdf in watched))
        .map((bdf) => lspciXxxx(r.machine, bdf));
      return [...Object.values(watched), ...rest].join('\n\n') + '\n';
    }
    case 'trace':
      if (!r.trace) throw new Error('diff --what trace needs traced runs');
      return r.trace.map((t) => formatTraceEntry(t, false)).join('\n') + '\n';
  }
}

export function diffRuns(a: RunResult, b: RunResult, what: DiffWhat): string {
  const patch = createTwoFilesPatch(`${a.scenario} on ${a.kernel} (${what})`, `${b.scenario} on ${b.kernel} (${what})`, diffText(a, what), diffText(b, what), undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
  return patch;
}
