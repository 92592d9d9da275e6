// Scenarios 1 and 2 (spec/scenarios.md): Bernd's and Alexandre's reports, on every kernel of
// the table. Explicit assertions of the reported facts, then snapshots of everything produced.
import { runScenario } from '../src/scenario/run';
import { renderLog } from '../src/printk/log';
import { savedStrings, watchedConfig } from '../src/report/result';
import { raw } from './raw-text';

const S1 = 'x570s-cine-s2-passthrough';
const S2 = 'x570s-cine-s2-passthrough-after-unbind';
const KERNELS = ['v6.12.63', 'v6.12.73', 'v6.18.9', 'v6.18.13', 'v6.19.11', 'v7.0', 'v7.1', 'v6.12.73+909f7bf9b080'];

// The expected verdicts of spec/scenarios.md, written out here and nowhere in src/.
const EXPECTED: Record<string, Record<string, 'broken' | 'working'>> = {
  [S1]: { 'v6.12.63': 'working', 'v6.12.73': 'broken', 'v6.18.9': 'working', 'v6.18.13': 'working', 'v6.19.11': 'working', 'v7.0': 'working', 'v7.1': 'working', 'v6.12.73+909f7bf9b080': 'working' },
  [S2]: { 'v6.12.63': 'working', 'v6.12.73': 'broken', 'v6.18.9': 'working', 'v6.18.13': 'broken', 'v6.19.11': 'broken', 'v7.0': 'broken', 'v7.1': 'working', 'v6.12.73+909f7bf9b080': 'working' },
};

describe('scenario 1 on v6.12.73: the reported lines', () => {
  const r = runScenario(S1, 'v6.12.73');
  const host = renderLog(r.host);
  const dbg = renderLog(r.host, { dyndbg: true });

  it('prints the firmware BAR, the failed claim and the late assignment [real]', () => {
    const lines = [
      'pci 0000:02:03.0: [1022:57a3] type 01 class 0x060400 PCIe Switch Downstream Port',
      'pci 0000:02:03.0: PCI bridge to [bus 07]',
      'pci 0000:02:03.0:   bridge window [mem 0xfc500000-0xfc5fffff]',
      'pci 0000:07:00.0: [dd01:0003] type 00 class 0x048000 PCIe Endpoint',
      'pci 0000:07:00.0: BAR 0 [mem 0xfffffffffc500000-0xfffffffffc50ffff 64bit]',
      'pci 0000:07:00.0: BAR 0 [mem 0xfffffffffc500000-0xfffffffffc50ffff 64bit]: can\'t claim; no compatible bridge window',
      'pci 0000:07:00.0: BAR 0 [mem 0xfc500000-0xfc50ffff 64bit]: assigned',
    ];
    let at = -1;
    for (const l of lines) {
      const i = host.indexOf(l, at + 1);
      expect({ line: l, found: i > at }).toEqual({ line: l, found: true });
      at = i;
    }
  });

  it('prints the guest failure [real]', () => {
    expect(renderLog(r.guest)).toEqual([
      'ddbridge 0000:05:00.0: detected Digital Devices Cine S2 V6 DVB adapter',
      'ddbridge 0000:05:00.0: cannot read registers',
      'ddbridge 0000:05:00.0: fail',
    ]);
  });

  it('with dyndbg, vfio-pci bind restores the stale upper BAR dword', () => {
    expect(dbg).toContain('vfio-pci 0000:07:00.0: restore config 0x14: 0x00000000 -> 0xffffffff');
    expect(host).not.toContain('vfio-pci 0000:07:00.0: restore config 0x14: 0x00000000 -> 0xffffffff');
  });

  it('saves the 16 header dwords of the table at enumeration', () => {
    const saves = dbg.filter((l) => l.startsWith('pci 0000:07:00.0: save config '));
    expect(saves.slice(0, 16)).toEqual(
      [0x0003dd01, 0x00100000, 0x04800000, 0x00000010, 0xfc500004, 0xffffffff, 0, 0, 0, 0, 0, 0x0020dd01, 0, 0x00000050, 0, 0x000001ff].map(
        (v, i) => `pci 0000:07:00.0: save config 0x${(i * 4).toString(16).padStart(2, '0')}: 0x${v.toString(16).padStart(8, '0')}`,
      ),
    );
  });

  it('leaves the card decoding at 0xfffffffffc500000 while the kernel believes 0xfc500000', () => {
    const cfg = watchedConfig(r)['0000:07:00.0'].split('\n');
    expect(cfg[0]).toBe('07:00.0 Multimedia controller: Digital Devices GmbH Cine S2 V6 DVB adapter');
    expect(cfg[2]).toBe('10: 04 00 50 fc ff ff ff ff 00 00 00 00 00 00 00 00');
    expect(r.reasons.join('\n')).toMatch(/decodes at 0xfffffffffc500000, but the kernel's resource is \[mem 0xfc500000-0xfc50ffff 64bit\]/);
  });
});

describe('v6.12.63 never saves the firmware value', () => {
  it('its first pci_save_state() of 07:00.0 records 0x00000000 at 0x14', () => {
    const r = runScenario(S1, 'v6.12.63');
    const first14 = renderLog(r.host, { dyndbg: true }).find((l) => l.startsWith('vfio-pci 0000:07:00.0: save config 0x14:'));
    expect(first14).toBe('vfio-pci 0000:07:00.0: save config 0x14: 0x00000000');
    expect(renderLog(r.host, { dyndbg: true }).some((l) => /restore config 0x14/.test(l))).toBe(false);
  });
});

describe('909f7bf9b080 updates saved_config_space on assignment', () => {
  it.each(['v6.12.73+909f7bf9b080', 'v7.1'])('%s: right after boot, saved 0x10/0x14 = 0xfc500004/0x00000000, as the hardware', (kernel) => {
    const boot = runScenario(S1, kernel, { stopAfter: 1 });
    expect(boot.verdict).toBe('incomplete');
    expect(savedStrings(boot)['0000:07:00.0'].slice(4, 6)).toEqual(['0xfc500004', '0x00000000']);
    expect(runScenario(S1, kernel).saved['0000:07:00.0'].slice(4, 6)).toEqual([0xfc500004, 0]);
  });

  it('v6.12.73: right after boot, saved 0x14 still holds the firmware 0xffffffff while the BAR holds 0', () => {
    const boot = runScenario(S1, 'v6.12.73', { stopAfter: 1 });
    expect(savedStrings(boot)['0000:07:00.0'].slice(4, 6)).toEqual(['0xfc500004', '0xffffffff']);
    expect(watchedConfig(boot)['0000:07:00.0'].split('\n')[2]).toBe('10: 04 00 50 fc 00 00 00 00 00 00 00 00 00 00 00 00');
  });
});

describe.each([S1, S2])('%s', (scenario) => {
  it.each(KERNELS)('verdict on %s follows from the hardware', (kernel) => {
    expect(runScenario(scenario, kernel, { tracing: false }).verdict).toBe(EXPECTED[scenario][kernel]);
  });

  describe.each(KERNELS)('on %s', (kernel) => {
    const r = runScenario(scenario, kernel, { tracing: false });
    it('host log', () => expect(raw(renderLog(r.host))).toMatchSnapshot());
    it('guest log', () => expect(raw(renderLog(r.guest))).toMatchSnapshot());
    it('final config space (lspci -xxxx)', () => expect(raw(Object.values(watchedConfig(r)))).toMatchSnapshot());
    it('saved_config_space', () =>
      expect(raw(Object.entries(savedStrings(r)).map(([bdf, v]) => `${bdf}: ${v.join(' ')}`))).toMatchSnapshot());
  });
});
