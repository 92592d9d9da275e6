import { runScenario } from '../src/scenario/run';
import { toJson } from '../src/report/result';
import { renderLog } from '../src/printk/log';

describe('determinism', () => {
  it('the same run twice gives the same bytes: log with timestamps, trace, registers', () => {
    const a = runScenario('x570s-cine-s2-passthrough-after-unbind', 'v7.0');
    const b = runScenario('x570s-cine-s2-passthrough-after-unbind', 'v7.0');
    expect(renderLog(b.host, { dyndbg: true, timestamps: true })).toEqual(renderLog(a.host, { dyndbg: true, timestamps: true }));
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
    expect(JSON.stringify(toJson(b))).toBe(JSON.stringify(toJson(a)));
  });
});
