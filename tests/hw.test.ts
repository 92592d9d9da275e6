// The simulated hardware: masks decide everything (no write pattern is special), routing follows
// the bridges' registers, and unclaimed cycles read all-ones.
import { ConfigSpace } from '../src/hw/config-space';
import { buildFunction, buildMachine } from '../src/hw/build';
import { loadMachine, parseMachine } from '../src/fixture/load';
import * as R from '../src/hw/regs';

const fixtureText = (extra = '') => `
machine: tiny
description: one bridge, one endpoint
arch: x86
pci_mem_start: 0x80000000
roots:
  - bus: [0x00, 0xff]
    windows:
      - { type: mem, start: 0x80000000, end: 0xfebfffff }
devices:
  - bdf: 00:01.0
    id: 1022:1483
    class: 0x060400
    header: 1
    command: 0x0006
    bridge: { primary: 0, secondary: 1, subordinate: 1, pref_window: none, io_window: false, mem: { base: 0x90000000, limit: 0x900fffff } }
    pcie: { offset: 0x58, type: root-port }
  - bdf: 01:00.0
    id: dd01:0003
    class: 0x048000
    header: 0
    command: 0x0002
    bars:
      - { index: 0, type: mem64, size: 0x10000, value: 0x90000000 }
      - { index: 2, type: io, size: 0x20, value: 0x1000 }
    pm: { offset: 0x40, no_soft_reset: false }
    pcie: { offset: 0x50, type: endpoint }
    mmio: { bar: 0, registers: { 0x0: 0x12345678 } }
${extra}`;

const tiny = () => buildMachine(parseMachine(fixtureText(), 'tiny.yaml'));

describe('ConfigSpace masks', () => {
  function bar64k(): ConfigSpace {
    const cs = new ConfigSpace(256);
    cs.setRw(0x10, 4, 0xffff0000);
    cs.poke(0x10, 4, 0x4); // 64-bit memory
    cs.setRw(0x14, 4, 0xffffffff);
    return cs;
  }

  it.each([0xffffffff, 0xfffffff0, 0xffff0000, 0x12345678])('sizes a BAR from the mask whatever is written (0x%s)', (pattern) => {
    const cs = bar64k();
    cs.write(0x10, 4, pattern);
    expect(cs.read(0x10, 4)).toBe(((pattern & 0xffff0000) | 0x4) >>> 0);
  });

  it('keeps type bits read-only and reads reserved bits as zero', () => {
    const cs = bar64k();
    cs.write(0x10, 4, 0);
    expect(cs.read(0x10, 4)).toBe(0x4);
    cs.write(0x40, 4, 0xffffffff);
    expect(cs.read(0x40, 4)).toBe(0);
  });

  it('write-1-to-clear bits clear only where 1 is written, and a dword write to COMMAND leaves STATUS alone', () => {
    const cs = new ConfigSpace(256);
    cs.setRw(R.PCI_COMMAND, 2, 0x0547);
    cs.setW1c(R.PCI_STATUS, 2, R.PCI_STATUS_ERROR_BITS);
    cs.poke(R.PCI_STATUS, 2, 0x2010); // received master abort + cap list
    cs.write(R.PCI_COMMAND, 4, 0x00000006);
    expect(cs.read(R.PCI_STATUS, 2)).toBe(0x2010);
    expect(cs.read(R.PCI_COMMAND, 2)).toBe(0x0006);
    cs.write(R.PCI_STATUS, 2, 0x2000);
    expect(cs.read(R.PCI_STATUS, 2)).toBe(0x0010);
  });
});

describe('Machine routing', () => {
  it('reads all-ones where no function answers', () => {
    const m = tiny();
    expect(m.configRead(0, 0, 0x10, 0, 4)).toBe(0xffffffff);
    expect(m.configRead(0, 2, 0, 0, 4)).toBe(0xffffffff);
    expect(m.configRead(0, 1, 0, 0, 4)).toBe(0x0003dd01);
  });

  it('follows the bridge when its bus numbers change', () => {
    const m = tiny();
    m.configWrite(0, 0, 0x08, R.PCI_SECONDARY_BUS, 1, 5);
    m.configWrite(0, 0, 0x08, R.PCI_SUBORDINATE_BUS, 1, 5);
    expect(m.configRead(0, 1, 0, 0, 4)).toBe(0xffffffff);
    expect(m.configRead(0, 5, 0, 0, 4)).toBe(0x0003dd01);
  });

  it('a root port forwards type 0 cycles to device 0 only', () => {
    expect(tiny().configRead(0, 1, 0x08, 0, 4)).toBe(0xffffffff);
  });

  it('decodes MMIO only at the BAR address, with decode on, inside the windows', () => {
    const m = tiny();
    expect(m.memRead32(0x90000000n)).toBe(0x12345678);
    m.configWrite(0, 1, 0, R.PCI_COMMAND, 2, 0);
    expect(m.memRead32(0x90000000n)).toBe(0xffffffff);
    m.configWrite(0, 1, 0, R.PCI_COMMAND, 2, R.PCI_COMMAND_MEMORY);
    m.configWrite(0, 1, 0, 0x14, 4, 0xffffffff); // upper dword: the BAR now decodes above 4 GiB
    expect(m.memRead32(0x90000000n)).toBe(0xffffffff);
  });

  it('a D3hot → D0 transition with No_Soft_Reset clear resets the function (BARs to 0)', () => {
    const m = tiny();
    const pmcsr = 0x40 + R.PCI_PM_CTRL;
    m.configWrite(0, 1, 0, pmcsr, 2, 3);
    expect(m.memRead32(0x90000000n)).toBe(0xffffffff); // no decode in D3hot
    m.configWrite(0, 1, 0, pmcsr, 2, 0);
    expect(m.configRead(0, 1, 0, 0x10, 4)).toBe(0x4);
    expect(m.configRead(0, 1, 0, R.PCI_COMMAND, 2)).toBe(0);
  });

  it('an unimplemented prefetchable window is read-only zero', () => {
    const m = tiny();
    m.configWrite(0, 0, 0x08, R.PCI_PREF_MEMORY_BASE, 4, 0xffe0fff0);
    expect(m.configRead(0, 0, 0x08, R.PCI_PREF_MEMORY_BASE, 4)).toBe(0);
  });
});

describe('the X570S fixture', () => {
  const m = buildMachine(loadMachine('asrock-x570s-pg-riptide'));
  it('holds the Cine S2 V6 as firmware left it [real]', () => {
    const words = Array.from({ length: 16 }, (_, i) => m.configRead(0, 7, 0, i * 4, 4));
    expect(words).toEqual([0x0003dd01, 0x00100000, 0x04800000, 0x00000010, 0xfc500004, 0xffffffff, 0, 0, 0, 0, 0, 0x0020dd01, 0, 0x50, 0, 0x1ff]);
  });
  it('has a BAR 0 of 64 KiB', () => {
    const fn = m.locate(0, 7, 0)!;
    expect(fn.config.mask(0x10, 4)).toBe(0xffff0000);
    expect(fn.config.mask(0x14, 4)).toBe(0xffffffff);
  });
  it('builds a function standalone', () => {
    const d = parseMachine(fixtureText(), 'tiny.yaml').devices[1];
    expect(buildFunction(d, 'tiny').config.read(0x18, 4)).toBe(0x1001);
  });
});
