import { parseKernel, KernelSpecError } from '../src/kernel/releases';
import { A2F1E22390AC, D0_ON_INIT_4D4C10F763D7, FIX_909F7BF9B080 } from '../src/kernel/commits';
import { IORESOURCE_MEM, Resource, insert_resource_conflict, request_resource_conflict } from '../src/kernel/resource';

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

describe('kernel/resource.c insert_resource_conflict()', () => {
  const mk = () => {
    const root = new Resource('PCI mem', 0n, 0xffffffffn, IORESOURCE_MEM);
    const win = new Resource('PCI Bus 0000:00', 0xa0000000n, 0xdfffffffn, IORESOURCE_MEM);
    expect(request_resource_conflict(root, win)).toBeNull();
    return { root, win };
  };
  it('nests a device resource inside the host bridge window that contains it', () => {
    const { root, win } = mk();
    const gpio = new Resource('AMDIF031:00', 0xdd400000n, 0xdd400fffn, IORESOURCE_MEM);
    expect(insert_resource_conflict(root, gpio)).toBeNull();
    expect(gpio.parent).toBe(win);
    // a bridge window claimed across it now conflicts with it, by name
    const bw = new Resource('0000:00:02.1', 0xd8000000n, 0xde1fffffn, IORESOURCE_MEM);
    expect(request_resource_conflict(win, bw)).toBe(gpio);
  });
  it('becomes the parent of what it contains, and reports a partial overlap', () => {
    const { root, win } = mk();
    const a = new Resource('a', 0xb0000000n, 0xb00fffffn, IORESOURCE_MEM);
    expect(request_resource_conflict(win, a)).toBeNull();
    const big = new Resource('big', 0xa8000000n, 0xbfffffffn, IORESOURCE_MEM);
    expect(insert_resource_conflict(root, big)).toBeNull();
    expect(a.parent).toBe(big);
    expect(big.parent).toBe(win);
    const partial = new Resource('partial', 0xbff00000n, 0xc00fffffn, IORESOURCE_MEM);
    expect(insert_resource_conflict(root, partial)).toBe(big);
    expect(partial.parent).toBeNull();
  });
});
