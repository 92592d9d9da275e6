// The machine generator: what the knobs give, that the same seed gives the same bytes, and that
// `pcirepro generate` writes a fixture `pcirepro replay --machine` boots.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_SPEC, generateMachine, generateRaw, GenerateSpec } from '../src/fixture/generate';
import { fixtureYaml } from '../src/import/fixture';
import { bootFixture } from '../src/replay/replay';
import { main } from '../src/cli/main';

const spec = (o: Partial<GenerateSpec>): GenerateSpec => ({ ...DEFAULT_SPEC, ...o });
const cli = (args: string[]) => {
  const out: string[] = [], err: string[] = [];
  const code = main(args, { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('pcirepro generate', () => {
  it.each([10, 100, 1000, 10000])('about %i functions', (n) => {
    const m = generateMachine(spec({ functions: n }));
    expect(Math.abs(m.devices.length - n)).toBeLessThanOrEqual(DEFAULT_SPEC.endpointFunctions);
  });

  it('segments: a new host bridge and domain once a bus range is full', () => {
    const m = generateMachine(spec({ functions: 10000 }));
    expect(m.roots.length).toBeGreaterThan(1);
    expect(new Set(m.roots.map((r) => r.domain)).size).toBe(m.roots.length);
    for (const d of m.devices) if (d.bridge) expect(d.bridge.subordinate).toBeLessThanOrEqual(0xff);
  });

  it('the knobs: fan-out, functions per endpoint, SR-IOV VFs', () => {
    const m = generateMachine(spec({ functions: 200, fanout: 3, endpointFunctions: 2, sriovVfs: 8 }));
    const up = m.devices.filter((d) => d.pcie?.type === 'switch-upstream');
    const down = m.devices.filter((d) => d.pcie?.type === 'switch-downstream');
    expect(down.length).toBe(3 * up.length);
    expect(m.devices.filter((d) => d.bdf.endsWith(':00.1') && d.pcie?.type === 'endpoint').length).toBeGreaterThan(0);
    expect(m.devices.filter((d) => d.bdf.endsWith(':00.2') && d.pcie?.type === 'endpoint')).toEqual([]);
    const pfs = m.devices.filter((d) => d.sriov);
    expect(pfs.length).toBeGreaterThan(0);
    for (const pf of pfs) expect(pf.sriov!.total_vfs).toBe(8);
  });

  it('the same seed gives the same bytes; another seed another machine', () => {
    const a = fixtureYaml(generateRaw(spec({ functions: 300, seed: 7 })), []);
    expect(fixtureYaml(generateRaw(spec({ functions: 300, seed: 7 })), [])).toBe(a);
    expect(fixtureYaml(generateRaw(spec({ functions: 300, seed: 8 })), [])).not.toBe(a);
  });

  it('firmware mistakes are recorded in the fixture and corrected by the kernel', () => {
    const m = generateMachine(spec({ functions: 120, mistakes: 3, seed: 11 }));
    const mistakes = m.notes.filter((n) => n.startsWith('firmware mistake'));
    expect(mistakes).toHaveLength(3);
    const lines = bootFixture(m, m.machine, 'v6.17').lines;
    expect(lines.some((l) => / assigned$/.test(l))).toBe(true);
    expect(lines.some((l) => /failed to assign/.test(l))).toBe(false);
  });

  it('writes a fixture that replay --machine boots', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcirepro-gen-'));
    const file = path.join(dir, 'g.yaml');
    const g = cli(['generate', '--functions', '60', '--seed', '3', '--sriov-vfs', '4', '--mistakes', '1', '-o', file]);
    expect(g.code).toBe(0);
    expect(g.err).toMatch(/^pcirepro: wrote .*g\.yaml: \d+ functions, 1 host bridge\(s\)$/);
    const r = cli(['replay', '--machine', file, '--kernel', 'v6.18']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^pci 0000:00:01\.0: \[1b36:000c\] type 01 class 0x060400 PCIe Root Port$/m);
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses knobs out of range, naming them', () => {
    expect(cli(['generate', '--functions', '1'])).toMatchObject({ code: 2, err: 'pcirepro: functions must be an integer from 2 to 100000, got 1' });
    expect(cli(['generate', '--functions', '50', '--fanout', '40'])).toMatchObject({ code: 2, err: 'pcirepro: fanout must be an integer from 1 to 32, got 40' });
    expect(cli(['generate', '--functions', 'many'])).toMatchObject({ code: 2, err: 'pcirepro: --functions must be a non-negative integer, got "many"' });
    expect(cli(['generate'])).toMatchObject({ code: 2, err: 'pcirepro: generate needs --functions N' });
  });
});
