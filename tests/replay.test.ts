// Issue 4: a replay of a real kernel's boot (Debian 6.1.192 under QEMU) reproduces its PCI-core
// lines and the PCI-core-owned registers exactly. Each capture under fixtures/captures/ is a test.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareReplay, replayCapture } from '../src/replay/replay';
import { DumpError, parseLspciDump } from '../src/replay/dump';
import { LINE_EXCLUSIONS, REGISTER_EXCLUSIONS } from '../src/replay/exclusions';
import { main, Io } from '../src/cli/main';

const CAPTURES = path.join(__dirname, '..', 'fixtures', 'captures');
const names = fs.readdirSync(CAPTURES).filter((n) => fs.statSync(path.join(CAPTURES, n)).isDirectory()).sort();
// Figures computed once, so that the test names carry them.
const results = new Map(names.map((n) => [n, compareReplay(replayCapture(path.join(CAPTURES, n, 'input')), path.join(CAPTURES, n, 'expected'))]));

describe('oracle captures replay exactly on debian-6.1.192', () => {
  it('has the six public captures and at least two of its own', () => {
    for (const n of ['amd-chipset', 'amd-chipset-bigbar', 'amd-chipset-bigbar.realloc', 'amd-chipset.assign-busses', 'amd-chipset.nocrs', 'amd-chipset.realloc'])
      expect(names).toContain(n);
    expect(names.filter((n) => !n.startsWith('amd-chipset')).length).toBeGreaterThanOrEqual(2);
  });

  for (const n of names) {
    const r = results.get(n)!;
    it(`${n}: lines ${r.lines.matched}/${r.lines.total} (+${r.lines.extra} extra), registers ${r.registers.matched}/${r.registers.total}`, () => {
      if (r.lines.matched !== r.lines.total || r.lines.extra) throw new Error(`line diff:\n${r.diff}`);
      expect(r.registerDiffs).toEqual([]);
      expect(r.lines.total).toBeGreaterThan(100);
      expect(r.registers.total).toBeGreaterThan(100);
    });
  }
});

describe('what a replay shows', () => {
  it('realloc: the release and retry lines are the kernel\'s', () => {
    const run = replayCapture(path.join(CAPTURES, 'amd-chipset.realloc', 'input'));
    expect(run.lines).toContain('pci_bus 0000:00: max bus depth: 4 pci_try_num: 5');
    expect(run.lines).toContain('pci_bus 0000:00: No. 4 try to assign unassigned res');
    expect(run.lines).toContain('pci 0000:00:01.2: resource 13 [io  0xc000-0xdfff] released');
    expect(run.lines).toContain('pci 0000:00:01.2: bridge window [io  0x4000-0x9fff]: assigned');
  });

  it('assign-busses: bus numbers rewritten from the bottom up', () => {
    const run = replayCapture(path.join(CAPTURES, 'amd-chipset.assign-busses', 'input'));
    expect(run.lines).toContain('pci 0000:00:01.1: PCI bridge to [bus 01-ff]');
    expect(run.lines).toContain('pci_bus 0000:02: busn_res: [bus 02-ff] end is updated to 08');
  });

  it('the exclusions are written down with a reason each', () => {
    for (const e of LINE_EXCLUSIONS) expect(e.reason.length).toBeGreaterThan(20);
    for (const e of REGISTER_EXCLUSIONS) expect(e.reason.length).toBeGreaterThan(20);
  });

  it('CLI: summary line and --json', () => {
    const out: string[] = [];
    const io: Io = { out: (s) => out.push(s), err: (s) => out.push(s), isTty: false };
    const dir = path.join(CAPTURES, 'amd-chipset');
    expect(main(['replay', path.join(dir, 'input'), '--expected', path.join(dir, 'expected')], io)).toBe(0);
    expect(out[out.length - 1]).toBe('lines: 197/197 match, registers: 294/294 match');
    out.length = 0;
    main(['replay', path.join(dir, 'input'), '--expected', path.join(dir, 'expected'), '--json'], io);
    const j = JSON.parse(out.join('\n'));
    expect(Object.keys(j)).toEqual(['lines', 'registers', 'diff']);
    expect(j.lines).toEqual({ matched: 197, total: 197, extra: 0 });
  });
});

describe('bad input', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pcirepro-'));
  const copyInput = (): string => {
    const d = tmp();
    for (const f of fs.readdirSync(path.join(CAPTURES, 'amd-chipset', 'input'))) fs.copyFileSync(path.join(CAPTURES, 'amd-chipset', 'input', f), path.join(d, f));
    return d;
  };

  it.each([
    ['00:00.0 x\n00: 86 80 c0 29 00 00 00 00 00 00 00 06 00 00 00 00  ................\n', 2, 'dump: Malformed line'],
    ['00:00.0 x\n00: 86 80 c0 29\n' + 'x'.repeat(300) + '\n', 3, 'dump: line too long or unterminated'],
    ['00:00.0 x\n00: 86 80 c0 29', 2, 'dump: line too long or unterminated'],
    ['00:00.0 x\n1000: 00\n', 2, 'dump: At most 4096 bytes of config space are supported'],
    ['00:00.0 x\n00: 866 80\n', 2, 'dump: Malformed line'],
  ])('rejects what pciutils rejects: %j', (text, line, msg) => {
    expect(() => parseLspciDump(text, 'x.lspci')).toThrow(new DumpError(`Cannot read dump x.lspci:${line}: ${msg}`));
  });

  it('accepts what pciutils accepts: CRLF, upper case, one trailing space, ignored lines, short rows', () => {
    const d = parseLspciDump('# comment\r\n07:00.0 X\r\n00: 01 DD 03 00 \r\n\tRegion 0: Memory\r\n08: 00\r\n\n07:00.0\n00: ff\n', 'x');
    expect(d).toHaveLength(1);
    expect([...d[0].bytes.slice(0, 4)]).toEqual([0x01, 0xdd, 0x03, 0x00]);
    expect(d[0].len).toBe(9);
    expect(d[0].bytes[4]).toBe(0xff);
  });

  it('names a missing input file', () => {
    const d = copyInput();
    fs.unlinkSync(path.join(d, 'bar-sizes.txt'));
    expect(() => replayCapture(d)).toThrow(new DumpError(`Cannot read capture input ${path.join(d, 'bar-sizes.txt')}: no such file`));
  });

  it('names a BAR-sizes device that is not in the dump, with its line', () => {
    const d = copyInput();
    fs.appendFileSync(path.join(d, 'bar-sizes.txt'), '### 0000:0f:00.0 header_type=0\nBAR 0 mem32 - 0x1000 fffff000\n');
    const line = fs.readFileSync(path.join(d, 'bar-sizes.txt'), 'utf8').split('\n').indexOf('### 0000:0f:00.0 header_type=0') + 1;
    expect(() => replayCapture(d)).toThrow(`Cannot replay ${path.join(d, 'bar-sizes.txt')}:${line}: 0000:0f:00.0 is not in the dump`);
  });

  it('names a bad BAR-sizes line and an unknown pci= option', () => {
    const d = copyInput();
    fs.appendFileSync(path.join(d, 'bar-sizes.txt'), 'BAR 0 mem32 - 0x3000 fffff000\n');
    expect(() => replayCapture(d)).toThrow(/bar-sizes\.txt:\d+: size must be a power of two, got 0x3000$/);
    const e = copyInput();
    fs.writeFileSync(path.join(e, 'cmdline.txt'), 'pci=hpiosize=8K\n');
    expect(() => replayCapture(e)).toThrow(/cmdline\.txt: pci=hpiosize=8K is not modelled/);
  });

  it('CLI: exit 2 and one line', () => {
    const err: string[] = [];
    const io: Io = { out: () => undefined, err: (s) => err.push(s), isTty: false };
    expect(main(['replay', '/nonexistent/input'], io)).toBe(2);
    expect(err).toEqual(['pcirepro: Cannot read capture input /nonexistent/input/earlydump.lspci: no such file']);
  });
});
