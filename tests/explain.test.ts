// Issue 3: which write broke it, what the kernel believed, what changed between kernels, and
// which commit did it — trace, explain, findings, diff and bisect.
import { runScenario } from '../src/scenario/run';
import { formatTrace, filterTrace } from '../src/report/trace';
import { explainRegister } from '../src/report/explain';
import { diffRuns } from '../src/report/diff';
import { bisect, formatBisect, BisectError } from '../src/scenario/bisect';
import { commitsAt, HISTORY } from '../src/kernel/history';
import { RELEASES } from '../src/kernel/releases';
import { main, Io } from '../src/cli/main';
import { raw } from './raw-text';

const S1 = 'x570s-cine-s2-passthrough';
const S2 = 'x570s-cine-s2-passthrough-after-unbind';
const CINE = '0000:07:00.0';

function cli(args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false };
  return { code: main(args, io), out: out.join('\n'), err: err.join('\n') };
}

describe('trace', () => {
  const r = runScenario(S1, 'v6.12.73');
  const writes = filterTrace(r.trace!, { device: CINE, offset: 0x14, writes: true });

  it('shows the stale restore with its full call chain', () => {
    const restore = writes.find((t) => t.kind === 'cfg-write' && t.phase === `drivers_probe ${CINE}` && t.after === 0xffffffff);
    expect(restore).toBeDefined();
    expect(restore!.chain).toContain('vfio_pci_core_register_device > vfio_pci_set_power_state > pci_restore_state > pci_restore_config_space > pci_restore_config_dword');
    expect([restore!.before, restore!.after, restore!.width]).toEqual([0, 0xffffffff, 4]);
  });

  it('filters combine (device, offset, writes)', () => {
    expect(writes.every((t) => t.target === CINE && (t.kind === 'cfg-write' || t.kind === 'saved') && t.offset <= 0x14 && t.offset + t.width > 0x14)).toBe(true);
    expect(filterTrace(r.trace!, { device: CINE }).some((t) => t.kind === 'mmio-read' && t.device === CINE && t.decoder === null)).toBe(true);
  });

  it('snapshot: writes to 07:00.0 0x14', () => expect(raw(formatTrace(r.trace!, { device: CINE, offset: 0x14, writes: true }))).toMatchSnapshot());

  it('--json', () => {
    const j = JSON.parse(cli(['trace', S1, '--kernel', 'v6.12.73', '--device', '07:00.0', '--offset', '0x14', '--writes', '--json']).out);
    expect(j.length).toBe(writes.length);
    expect(Object.keys(j[0])).toEqual(expect.arrayContaining(['usec', 'phase', 'chain', 'target', 'kind', 'offset', 'width', 'value']));
  });
});

describe('explain 07:00.0 0x14 on v6.12.73', () => {
  const r = runScenario(S1, 'v6.12.73');
  const lines = explainRegister(r, { device: CINE, offset: 0x14 });
  const text = lines.join('\n');

  it('tells the story: firmware value, enumeration save, assignment, stale restore', () => {
    expect(lines[0]).toBe(`${CINE} 0x14 (BAR 0, upper dword of a 64-bit BAR) on v6.12.73, scenario ${S1}`);
    const steps = [
      /firmware left 0xffffffff/,
      /acpi_init: saved_config_space\[0x14\] = 0xffffffff: pci_save_state\(\)[^\n]*\n {6}[^\n]*pci_bus_add_device > pci_save_state/,
      /pcibios_assign_resources: 0xffffffff -> 0x00000000: the kernel programs the address[^\n]*\n {6}[^\n]*pci_assign_resource > pci_update_resource > pci_std_update_resource/,
      /drivers_probe 0000:07:00\.0: 0x00000000 -> 0xffffffff: pci_restore_state\(\) writes saved_config_space back[^\n]*\n {6}[^\n]*vfio_pci_core_register_device > vfio_pci_set_power_state > pci_restore_state > pci_restore_config_space > pci_restore_config_dword/,
    ];
    let at = 0;
    for (const re of steps) {
      const m = re.exec(text.slice(at));
      expect({ re: String(re), found: !!m }).toEqual({ re: String(re), found: true });
      at += m!.index + m![0].length;
    }
  });

  it('ends with hardware versus kernel', () => {
    expect(lines[lines.length - 1]).toBe(
      "the hardware decodes BAR 0 at 0xfffffffffc500000; the kernel's resource is [mem 0xfc500000-0xfc50ffff 64bit]: they disagree, accesses through the resource do not reach the device",
    );
  });

  it('snapshot', () => expect(raw(lines)).toMatchSnapshot());

  it('with the fix the assignment also updates saved_config_space', () => {
    const fixed = explainRegister(runScenario(S1, 'v6.12.73+909f7bf9b080'), { device: CINE, offset: 0x14 }).join('\n');
    expect(fixed).toMatch(/pcibios_assign_resources: saved_config_space\[0x14\] = 0x00000000: 909f7bf9b080/);
    expect(fixed).not.toMatch(/-> 0xffffffff: pci_restore_state/);
  });

  it('--json and bad arguments', () => {
    expect(JSON.parse(cli(['explain', S1, '--kernel', 'v6.12.73', '--device', CINE, '--offset', '0x14', '--json']).out).lines).toEqual(lines);
    expect(cli(['explain', S1, '--device', '0000:99:00.0', '--offset', '0x14']).err).toMatch(/^pcirepro: no device 0000:99:00\.0 in x570s-cine-s2-passthrough: expected one of /);
    expect(cli(['explain', S1, '--device', CINE, '--offset', 'x']).code).toBe(2);
  });
});

describe('findings', () => {
  it('v6.12.73: saved_config_space diverges right after the fs_initcall assignment, before anything breaks', () => {
    const r = runScenario(S1, 'v6.12.73');
    expect(r.findings[0]).toMatchObject({ after: 'fs_initcall pcibios_assign_resources', kind: 'saved-diverges', device: CINE, offset: 0x14 });
    expect(r.findings.map((f) => f.kind)).toEqual(['saved-diverges', 'bar-not-decoding', 'all-ones-read']);
    expect(r.reasons.some((x) => x.includes(r.findings[0].text))).toBe(true);
  });

  it.each(['v7.1', 'v6.12.73+909f7bf9b080', 'v6.12.63'])('%s: none', (kernel) => {
    expect(runScenario(S1, kernel).findings).toEqual([]);
  });

  it('scenario 2 on v7.0: the same divergence, then the unbind/bind path restores it', () => {
    const r = runScenario(S2, 'v7.0', { tracing: false });
    expect(r.findings[0]).toMatchObject({ after: 'fs_initcall pcibios_assign_resources', kind: 'saved-diverges' });
    expect(r.findings.find((f) => f.kind === 'bar-not-decoding')?.after).toBe(`drivers_probe ${CINE}`);
  });

  it('run prints them after the log, and --json carries them', () => {
    const out = cli(['run', S1, '--kernel', 'v6.12.73']).out;
    expect(out).toMatch(/== findings \(the simulator's observations, not kernel output\) ==\n {2}after fs_initcall pcibios_assign_resources: 0000:07:00\.0 saved_config_space 0x14 = 0xffffffff, but the register holds 0x00000000/);
    expect(JSON.parse(cli(['run', S1, '--kernel', 'v6.12.73', '--json']).out).findings[0].kind).toBe('saved-diverges');
  });
});

describe('diff', () => {
  it('scenario 1: v6.12.73 vs v6.12.73+909f7bf9b080', () => {
    const d = diffRuns(runScenario(S1, 'v6.12.73'), runScenario(S1, 'v6.12.73+909f7bf9b080'), 'log');
    expect(d).toContain('-ddbridge 0000:05:00.0: cannot read registers');
    expect(d).toContain('+ddbridge 0000:05:00.0: HW 0001000a REGMAP 00010004');
    expect(raw(d)).toMatchSnapshot();
  });

  it('scenario 2: v7.0 vs v7.1', () => {
    expect(raw(diffRuns(runScenario(S2, 'v7.0'), runScenario(S2, 'v7.1'), 'log'))).toMatchSnapshot();
  });

  it('config shows the upper BAR dword', () => {
    const d = diffRuns(runScenario(S1, 'v6.12.73'), runScenario(S1, 'v6.12.73+909f7bf9b080'), 'config');
    expect(d).toContain('-10: 04 00 50 fc ff ff ff ff 00 00 00 00 00 00 00 00');
    expect(d).toContain('+10: 04 00 50 fc 00 00 00 00 00 00 00 00 00 00 00 00');
  });

  it('trace shows the restore write disappear', () => {
    const d = diffRuns(runScenario(S1, 'v6.12.73'), runScenario(S1, 'v6.12.73+909f7bf9b080'), 'trace');
    expect(d).toMatch(/^-drivers_probe 0000:07:00\.0 +0000:07:00\.0 write 0x14\/4 0x00000000 -> 0xffffffff {2}<- .*pci_restore_config_dword$/m);
  });

  it('CLI: plain, and --json', () => {
    const r = cli(['diff', S1, '--kernel', 'v6.12.73', '--kernel', 'v6.12.73+909f7bf9b080']);
    expect(r.out).not.toContain('\u001b[');
    const j = JSON.parse(cli(['diff', S2, '--kernel', 'v7.0', '--kernel', 'v7.1', '--json']).out);
    expect([j.a.verdict, j.b.verdict]).toEqual(['broken', 'working']);
    expect(cli(['diff', S1, '--kernel', 'v7.0']).code).toBe(2);
  });
});

describe('bisect', () => {
  it('the modelled history agrees with the named releases', () => {
    for (const [branch, points] of Object.entries(HISTORY)) {
      points.forEach((p, i) => {
        const rel = RELEASES.find((r) => r.name === p.id);
        if (!rel || i === 0) return;
        // the release's commits = the previous named release's + the effects in between
        let prev = i - 1;
        while (!RELEASES.some((r) => r.name === points[prev].id)) prev--;
        const computed = new Set(RELEASES.find((r) => r.name === points[prev].id)!.commits);
        for (let j = prev + 1; j <= i; j++) if (points[j].effect) computed.add(points[j].effect!);
        expect({ branch, at: p.id, commits: [...computed].sort() }).toEqual({ branch, at: p.id, commits: [...rel.commits].sort() });
        expect([...commitsAt(branch, i)].sort()).toEqual([...rel.commits].sort());
      });
    }
  });

  it('scenario 1, v6.12.63..v6.12.73: 58130e7ce6cb (upstream a2f1e22390ac), in real steps', () => {
    const r = bisect(S1, 'v6.12.63', 'v6.12.73');
    expect(r.first.id).toBe('58130e7ce6cb');
    expect(r.first.upstream).toBe('a2f1e22390ac');
    expect(r.steps.length).toBeGreaterThanOrEqual(3);
    expect(r.steps.some((s) => s.verdict === 'working') && r.steps.some((s) => s.verdict === 'broken')).toBe(true);
    const text = formatBisect(r);
    expect(text).toContain('58130e7ce6cb is the first bad commit');
    expect(text).toContain('    PCI/ERR: Ensure error recoverability at all times');
    expect(text).toContain('    [ Upstream commit a2f1e22390ac ]');
    expect(raw(text)).toMatchSnapshot();
  });

  it('scenario 2, v6.18.9..v6.18.13: 71c50e60421b', () => {
    const r = bisect(S2, 'v6.18.9', 'v6.18.13');
    expect(r.first.id).toBe('71c50e60421b');
    expect(raw(formatBisect(r))).toMatchSnapshot();
  });

  it('scenario 2 on mainline, v6.17..v7.0: a2f1e22390ac itself, past commits that change nothing', () => {
    const r = bisect(S2, 'v6.17', 'v7.0');
    expect(r.first.id).toBe('a2f1e22390ac');
    expect(r.steps.some((s) => s.point.effect === null && s.point.kind === 'commit')).toBe(true);
  });

  it.each([
    [S1, 'v6.12.73', 'v6.12.63', /^Cannot bisect: good v6\.12\.73 is not an ancestor of bad v6\.12\.63/],
    [S1, 'v6.12.63', 'v6.18.13', /is not an ancestor/],
    [S1, 'v6.18.9', 'v6.18.13', /^Cannot bisect: x570s-cine-s2-passthrough works on the bad revision v6\.18\.13$/],
    [S2, 'v6.18.13', 'v7.1', /not an ancestor/],
    [S2, 'v7.0', 'v7.1', /^Cannot bisect: x570s-cine-s2-passthrough-after-unbind is already broken on the good revision v7\.0$/],
    [S1, 'v5.4', 'v6.12.73', /^Unknown good revision "v5\.4"/],
  ])('%s %s..%s refused', (s, good, bad, msg) => {
    expect(() => bisect(s, good, bad)).toThrow(BisectError);
    expect(() => bisect(s, good, bad)).toThrow(msg);
  });

  it('CLI --json, and errors exit 2', () => {
    const j = JSON.parse(cli(['bisect', S1, '--good', 'v6.12.63', '--bad', 'v6.12.73', '--json']).out);
    expect(j.first).toEqual({ id: '58130e7ce6cb', title: 'PCI/ERR: Ensure error recoverability at all times', upstream: 'a2f1e22390ac' });
    const bad = cli(['bisect', S1, '--good', 'v6.12.73', '--bad', 'v6.12.63']);
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')).toHaveLength(1);
  });
});
