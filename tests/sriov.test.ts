// SR-IOV (drivers/pci/iov.c): VF BAR discovery in both wordings, sizing into the bridge window as
// an optional resource, the automatic pci=realloc, the VF BAR write-back, and the Kconfig
// switches an imported log can turn off.
import { parseMachine, FixtureError } from '../src/fixture/load';
import { buildMachine } from '../src/hw/build';
import { bootKernel } from '../src/fixture/boot';
import { do_initcalls } from '../src/kernel/init';
import { parseKernel } from '../src/kernel/releases';
import { renderLog } from '../src/printk/log';
import type { MachineFixture } from '../src/fixture/schema';

// A root port with a 1 MiB 64-bit prefetchable window that holds the PF's BAR 0, and a PF whose
// firmware left both VF BARs at 0: 4 VFs × 16 KiB (64-bit pref) and 4 VFs × 64 KiB (32-bit).
const YAML = `
machine: sriov-test
description: one SR-IOV PF behind a root port
arch: x86
pci_mem_start: 0x80000000
roots:
  - bus: [0x00, 0xff]
    windows:
      - { type: io, start: 0x0000, end: 0xffff }
      - { type: mem, start: 0x80000000, end: 0xbfffffff }
      - { type: mem, start: 0x4000000000, end: 0x7fffffffff }
devices:
  - bdf: 00:01.0
    id: 1022:1483
    class: 0x060400
    header: 1
    command: 0x0006
    pcie: { offset: 0x58, type: root-port, slot: true }
    bridge:
      primary: 0
      secondary: 1
      subordinate: 1
      mem: { base: 0x80000000, limit: 0x800fffff }
      pref: { base: 0x4000000000, limit: 0x40000fffff }
  - bdf: 01:00.0
    id: 8086:1521
    class: 0x020000
    header: 0
    command: 0x0006
    bars:
      - { index: 0, type: mem64, prefetch: true, size: 0x20000, value: 0x4000000000 }
    pcie: { offset: 0x70, type: endpoint }
    sriov:
      offset: 0x160
      total_vfs: 4
      vf_device: 0x1520
      bars:
        - { index: 0, type: mem64, prefetch: true, size: 0x4000 }
        - { index: 3, type: mem32, size: 0x10000 }
    ext_caps:
      - { offset: 0x100, id: 0x0001, size: 0x40 }
`;

function boot(kernel: string, extra: Partial<MachineFixture> = {}) {
  const m = { ...parseMachine(YAML, 'sriov.yaml'), ...extra };
  const machine = buildMachine(m);
  const k = bootKernel(parseKernel(kernel), m, machine, 'sriov.yaml');
  do_initcalls(k);
  return { k, machine, lines: renderLog(k.log.records) };
}

const PF = 'pci 0000:01:00.0: ';

describe('SR-IOV', () => {
  it('sriov_init() prints each VF BAR per VF, then stretched to TotalVFs (v6.8 wording)', () => {
    const { lines } = boot('v6.12');
    expect(lines).toContain(`${PF}VF BAR 0 [mem 0x00000000-0x00003fff 64bit pref]`);
    expect(lines).toContain(`${PF}VF BAR 0 [mem 0x00000000-0x0000ffff 64bit pref]: contains BAR 0 for 4 VFs`);
    expect(lines).toContain(`${PF}VF BAR 3 [mem 0x00000000-0x0000ffff]`);
    expect(lines).toContain(`${PF}VF BAR 3 [mem 0x00000000-0x0003ffff]: contains BAR 3 for 4 VFs`);
  });

  it('before v6.8: "reg 0x184:" then "VF(n) BAR0 space: … (contains BAR0 for 4 VFs)"', () => {
    const { lines } = boot('v6.7');
    expect(lines).toContain(`${PF}reg 0x184: [mem 0x00000000-0x00003fff 64bit pref]`);
    expect(lines).toContain(`${PF}VF(n) BAR0 space: [mem 0x00000000-0x0000ffff 64bit pref] (contains BAR0 for 4 VFs)`);
    expect(lines).toContain(`${PF}reg 0x190: [mem 0x00000000-0x0000ffff]`);
  });

  it('VF BARs at 0 turn realloc on by themselves, and the assignment is written to the VF BAR registers', () => {
    const { lines, machine } = boot('v6.12');
    expect(lines).toContain('pci_bus 0000:00: max bus depth: 1 pci_try_num: 2');
    const assigned = lines.filter((l) => l.startsWith(`${PF}VF BAR`) && l.endsWith(': assigned'));
    expect(assigned).toHaveLength(2);
    const fn = machine.locate(0, 1, 0)!;
    const vf0 = /\[mem 0x([0-9a-f]+)-/.exec(assigned.find((l) => l.includes('VF BAR 0'))!)![1];
    // VF BAR 0 at 0x160 + 0x24: the address plus the 64-bit prefetchable type bits, high dword at 0x188
    const lo = fn.readConfig(0x184, 4), hi = fn.readConfig(0x188, 4);
    expect(((BigInt(hi) << 32n) | BigInt(lo & ~0xf)).toString(16)).toBe(BigInt('0x' + vf0).toString(16));
    expect(lo & 0xf).toBe(0xc);
    // NumVFs is back at 0 after compute_max_vf_buses(), System Page Size is 4 KiB
    expect(fn.readConfig(0x170, 2)).toBe(0);
    expect(fn.readConfig(0x180, 4)).toBe(1);
  });

  it('pci=realloc=off keeps the single try (the VF BARs still fit the windows firmware left)', () => {
    const { lines } = boot('v6.12', { cmdline: 'pci=realloc=off' });
    expect(lines.some((l) => l.includes('max bus depth'))).toBe(false);
    expect(lines).toContain(`${PF}VF BAR 0 [mem 0x4000020000-0x400002ffff 64bit pref]: assigned`);
    expect(lines.some((l) => l.includes('Automatically enabled pci realloc'))).toBe(false);
  });

  it('without CONFIG_PCI_REALLOC_ENABLE_AUTO there is no automatic realloc', () => {
    const { lines } = boot('v6.12', { kconfig: { PCI_REALLOC_ENABLE_AUTO: false } });
    expect(lines.some((l) => l.includes('max bus depth'))).toBe(false);
  });

  it('without CONFIG_PCI_IOV the capability is ignored and bridge windows are numbered 7..10', () => {
    const { lines } = boot('v6.7', { kconfig: { PCI_IOV: false } });
    expect(lines.some((l) => /VF|reg 0x18[48]/.test(l))).toBe(false);
    expect(lines.every((l) => !/^pci 0000:00:01\.0: BAR 1[3-6]/.test(l))).toBe(true);
  });

  it('batch sizing (4453f360862e, v6.14) sizes the six VF BARs in one pass, outside __pci_read_base()', () => {
    const old = boot('v6.12').k.trace!.filter((e) => e.kind === 'cfg-write' && e.offset === 0x184 && e.value === 0xffffffff);
    const batch = boot('v6.15').k.trace!.filter((e) => e.kind === 'cfg-write' && e.offset === 0x184 && e.value === 0xffffffff);
    expect(old.map((e) => e.chain.split(' > ').slice(-2).join(' > '))).toEqual(['sriov_init > __pci_read_base']);
    expect(batch.map((e) => e.chain.split(' > ').pop())).toEqual(['sriov_init']);
  });

  it('refuses an SR-IOV capability without PCIe, or an extended capability list that does not start at 0x100', () => {
    expect(() => parseMachine(YAML.replace('    pcie: { offset: 0x70, type: endpoint }\n', ''), 'x.yaml')).toThrow(FixtureError);
    expect(() => parseMachine(YAML.replace('{ offset: 0x100, id: 0x0001, size: 0x40 }', '{ offset: 0x200, id: 0x0001, size: 0x40 }'), 'x.yaml'))
      .toThrow('Cannot load fixture x.yaml: devices[1] (01:00.0) has extended capabilities but none at 0x100, where the list starts (lowest at 0x160)');
    expect(() => parseMachine(YAML.replace('size: 0x4000 }', 'size: 0x800 }'), 'x.yaml')).toThrow(/size must be a power of two of at least 0x1000/);
  });
});
