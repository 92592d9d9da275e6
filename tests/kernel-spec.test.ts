import { parseKernel, KernelSpecError } from '../src/kernel/releases';
import { A2F1E22390AC, D0_ON_INIT_4D4C10F763D7, FIX_909F7BF9B080 } from '../src/kernel/commits';

describe('kernel names', () => {
  it('a named release carries its commits', () => {
    const k = parseKernel('v6.12.73');
    expect(k.commits.has(A2F1E22390AC)).toBe(true);
    expect(k.commits.has(D0_ON_INIT_4D4C10F763D7)).toBe(false);
    expect(k.commits.has(FIX_909F7BF9B080)).toBe(false);
  });
  it('composes +commit and -commit, by prefix or by backport id', () => {
    expect(parseKernel('v6.12.73+909f7bf9b080').commits.has(FIX_909F7BF9B080)).toBe(true);
    expect(parseKernel('v7.0-4d4c10f763d7').commits.has(D0_ON_INIT_4D4C10F763D7)).toBe(false);
    expect(parseKernel('v6.12.63+58130e7ce6cb').commits.has(A2F1E22390AC)).toBe(true);
    const k = parseKernel('v7.0-a2f1e22-4d4c10f+909f7bf9b08');
    expect([k.commits.has(A2F1E22390AC), k.commits.has(D0_ON_INIT_4D4C10F763D7), k.commits.has(FIX_909F7BF9B080)]).toEqual([false, false, true]);
  });
  it('refuses unknown releases and commits with the valid names', () => {
    expect(() => parseKernel('v5.4')).toThrow(KernelSpecError);
    expect(() => parseKernel('v5.4')).toThrow(/expected one of .*v6\.12\.63, v6\.12\.73/);
    expect(() => parseKernel('v7.0+deadbeef')).toThrow(/Unknown commit "deadbeef" in kernel "v7\.0\+deadbeef"/);
  });
});
