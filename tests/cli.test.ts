// The command line, in process (fast) and once through the real bin script.
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { main, Io } from '../src/cli/main';

function run(args: string[], isTty = false): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), isTty };
  const code = main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const ESC = '\u001b[';

describe('pcirepro', () => {
  it('list names every scenario and kernel', () => {
    const r = run(['list']);
    expect(r.code).toBe(0);
    for (const s of ['x570s-cine-s2-passthrough', 'x570s-cine-s2-passthrough-after-unbind', 'v6.12.63', 'v7.1', '909f7bf9b080']) expect(r.out).toContain(s);
  });

  it('run --json gives the documented object', () => {
    const r = run(['run', 'x570s-cine-s2-passthrough', '--kernel', 'v6.12.73', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['scenario', 'kernel', 'verdict', 'reasons', 'dmesg', 'guest', 'config', 'saved', 'findings']);
    expect(j.verdict).toBe('broken');
    expect(j.reasons.length).toBeGreaterThan(0);
    expect(j.dmesg).toContain("pci 0000:07:00.0: BAR 0 [mem 0xfc500000-0xfc50ffff 64bit]: assigned");
    expect(j.dmesg.some((l: string) => l.startsWith('['))).toBe(false);
    expect(j.guest).toContain('ddbridge 0000:05:00.0: cannot read registers');
    expect(Object.keys(j.config)).toEqual(['0000:02:03.0', '0000:07:00.0']);
    expect(j.saved['0000:07:00.0']).toHaveLength(16);
    expect(j.saved['0000:07:00.0'][5]).toBe('0xffffffff');
  });

  it('run prints host then guest log under headings; colour only when asked or on a terminal', () => {
    const plain = run(['run', 'x570s-cine-s2-passthrough', '--kernel', 'v7.1']);
    expect(plain.out).not.toContain(ESC);
    expect(plain.out.split('\n')[0]).toBe('== host kernel log: x570s-cine-s2-passthrough on v7.1 ==');
    expect(plain.out).toContain('== guest kernel log ==\nddbridge 0000:05:00.0: detected Digital Devices Cine S2 V6 DVB adapter\nddbridge 0000:05:00.0: HW 0001000a REGMAP 00010004');
    expect(run(['run', 'x570s-cine-s2-passthrough', '--color', 'always']).out).toContain(ESC);
    expect(run(['run', 'x570s-cine-s2-passthrough'], true).out).toContain(ESC);
    expect(run(['run', 'x570s-cine-s2-passthrough', '--color', 'never'], true).out).not.toContain(ESC);
  });

  it('--timestamps and --dyndbg', () => {
    const r = run(['run', 'x570s-cine-s2-passthrough', '--kernel', 'v6.12.73', '--timestamps', '--dyndbg']);
    expect(r.out).toMatch(/^\[ {4}0\.\d{6}\] pci 0000:07:00\.0: BAR 0 \[mem 0xfffffffffc500000-0xfffffffffc50ffff 64bit\]$/m);
    expect(r.out).toMatch(/\] vfio-pci 0000:07:00\.0: restore config 0x14: 0x00000000 -> 0xffffffff$/m);
  });

  it('matrix --json lists scenario × kernel verdicts', () => {
    const r = run(['matrix', 'x570s-cine-s2-passthrough', '--json']);
    const cells = JSON.parse(r.out) as Array<{ scenario: string; kernel: string; verdict: string }>;
    expect(cells.find((c) => c.kernel === 'v6.12.73')).toEqual({ scenario: 'x570s-cine-s2-passthrough', kernel: 'v6.12.73', verdict: 'broken' });
    expect(cells.every((c) => Object.keys(c).join() === 'scenario,kernel,verdict')).toBe(true);
  });

  it.each([
    [['run', 'nope'], /^pcirepro: Unknown scenario "nope": expected one of x570s-cine-s2-passthrough, x570s-cine-s2-passthrough-after-unbind, s390x-error-reset, s390x-error-reset-no-driver, live-update, live-update-assign-busses, live-update-pref64$/],
    [['run', 'x570s-cine-s2-passthrough', '--kernel', 'v9'], /^pcirepro: Unknown kernel "v9": expected one of v5\.15, v6\.7, v6\.8, .*v6\.12\.63, v6\.12\.73, /],
    [['matrix', 'nope'], /^pcirepro: Unknown scenario "nope"/],
    [['run', 'x570s-cine-s2-passthrough', '--bogus'], /^pcirepro: Unknown option '--bogus'/],
    [['frobnicate'], /^pcirepro: unknown command "frobnicate"/],
  ])('user error %j: one line, exit 2', (args, msg) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  it('works as the package bin', () => {
    const bin = path.join(__dirname, '..', 'bin', 'pcirepro.js');
    expect(execFileSync(process.execPath, [bin, 'list'], { encoding: 'utf8' })).toContain('x570s-cine-s2-passthrough');
    const bad = spawnSync(process.execPath, [bin, 'run', 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
