// Bad fixtures get one clear error naming the file, the line and the field.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FixtureError, loadMachine, parseMachine, listMachines } from '../src/fixture/load';
import { buildMachine } from '../src/hw/build';

const base = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'machines', 'asrock-x570s-pg-riptide.yaml'), 'utf8');

function mutate(from: string, to: string): string {
  expect(base).toContain(from);
  return base.replace(from, to);
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FixtureError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('fixture validation', () => {
  it('lists the machines', () => expect(listMachines()).toContain('asrock-x570s-pg-riptide'));

  it('names file, line and field for a BAR size that is not a power of two', () => {
    const text = mutate('{ index: 0, type: mem64, size: 0x10000, value: 0xfffffffffc500000 }', '{ index: 0, type: mem64, size: 0x3000, value: 0xfffffffffc500000 }');
    const line = text.split('\n').findIndex((l) => l.includes('size: 0x3000')) + 1;
    expect(errorOf(() => parseMachine(text, 'fixtures/machines/x.yaml'))).toBe(
      `Cannot load fixture fixtures/machines/x.yaml:${line}: devices[34].bars[0].size must be a power of two, got 0x3000`,
    );
  });

  it('names the MSI vector count and the _OSC grant that are not valid', () => {
    const lu = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'machines', 'r6515-live-update.yaml'), 'utf8');
    const bad = lu.replace('msi: { offset: 0x50, maskable: true, vectors: 1 }', 'msi: { offset: 0x50, maskable: true, vectors: 3 }');
    expect(errorOf(() => parseMachine(bad, 'y.yaml'))).toMatch(/^Cannot load fixture y\.yaml:\d+: devices\[\d+\]\.msi\.vectors must be 1, 2, 4, 8, 16 or 32 \(Multiple Message Capable\), got 0x3$/);
    const osc = lu.replace('osc: [PCIeHotplug, PME, PCIeCapability, LTR]', 'osc: [PCIeHotplug, Bogus]');
    expect(errorOf(() => parseMachine(osc, 'y.yaml'))).toMatch(/roots\[0\]\.osc\[1\] Invalid option: expected one of "PCIeHotplug"\|.*, got "Bogus"$/);
  });

  it('rejects unknown fields', () => {
    const text = mutate('    id: dd01:0003               # [real]', '    id: dd01:0003\n    colour: blue');
    expect(errorOf(() => parseMachine(text, 'x.yaml'))).toMatch(/^Cannot load fixture x\.yaml:\d+: devices\[34\] has unknown field "colour"$/);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(errorOf(() => parseMachine('machine: [unclosed\n', 'bad.yaml'))).toMatch(/^Cannot load fixture bad\.yaml:\d+:\d+: /);
  });

  it('rejects a device on a bus nothing leads to', () => {
    const text = mutate('  - bdf: 07:00.0', '  - bdf: 2f:00.0');
    expect(errorOf(() => parseMachine(text, 'x.yaml'))).toBe('Cannot load fixture x.yaml: devices[34] (2f:00.0) is on bus 2f, which no root or bridge leads to');
  });

  it('rejects header dwords that contradict read-only registers', () => {
    const text = mutate('      0x00: 0x0003dd01', '      0x00: 0x0004dd01');
    expect(errorOf(() => buildMachine(parseMachine(text, 'x.yaml')))).toBe(
      'Cannot build machine asrock-x570s-pg-riptide: 07:00.0 header_dwords 0x00000000 = 0x0004dd01 disagrees with the read-only bits derived from the other fields (0x0003dd01)',
    );
  });

  it('rejects a misaligned BAR', () => {
    const text = mutate('value: 0xfffffffffc500000 }', 'value: 0xfffffffffc508000 }');
    expect(errorOf(() => buildMachine(parseMachine(text, 'x.yaml')))).toMatch(/07:00\.0 BAR 0 value 0xfffffffffc508000 is not aligned to its size 0x10000/);
  });

  it('names a missing file', () => {
    const p = path.join(os.tmpdir(), 'pcirepro-missing.yaml');
    expect(errorOf(() => loadMachine(p))).toMatch(/^Cannot load fixture .*pcirepro-missing\.yaml: ENOENT/);
  });
});
