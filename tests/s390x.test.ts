// Scenario 4 (spec/scenarios.md) and its companion: s390x zPCI, a function in the error state,
// and whether the reset writes the error values back — Farhan Ali's argument against Lukas
// Wunner's (seeds/001), run on the kernels of the thread with and without the patch.
import { runScenario } from '../src/scenario/run';
import { renderLog } from '../src/printk/log';
import { savedStrings, watchedConfig } from '../src/report/result';
import { explainRegister } from '../src/report/explain';
import { formatTrace } from '../src/report/trace';
import { parseMachine } from '../src/fixture/load';
import { raw } from './raw-text';
import * as fs from 'fs';
import * as path from 'path';

const S4 = 's390x-error-reset';
const S4B = 's390x-error-reset-no-driver';
const VF = '0001:00:00.0';
const PATCH = '+pci-avoid-saving-error-values';
const KERNELS = ['v6.17', 'v6.19.11', 'v7.0', `v6.17${PATCH}`, `v6.19.11${PATCH}`, `v7.0${PATCH}`];

// Expected verdicts, written out here and nowhere in src/.
const EXPECTED: Record<string, Record<string, 'broken' | 'working'>> = {
  // vfio-pci: the reset-time save overwrites whatever was saved before, with or without a2f1e22390ac
  [S4]: { 'v6.17': 'broken', 'v6.19.11': 'broken', 'v7.0': 'broken', [`v6.17${PATCH}`]: 'working', [`v6.19.11${PATCH}`]: 'working', [`v7.0${PATCH}`]: 'working' },
  // no driver: with the patch, a2f1e22390ac's enumeration-time snapshot is what gets restored;
  // without a2f1e22390ac the patch falls back to the BARs from the resources: iomap cookies on s390
  [S4B]: { 'v6.17': 'broken', 'v6.19.11': 'broken', 'v7.0': 'broken', [`v6.17${PATCH}`]: 'broken', [`v6.19.11${PATCH}`]: 'working', [`v7.0${PATCH}`]: 'working' },
};

describe('zPCI boot', () => {
  const r = runScenario(S4, 'v6.19.11', { stopAfter: 1 });
  it('one root bus per function, domain = UID, BAR as firmware programmed it, no assignment', () => {
    expect(renderLog(r.host)).toEqual([
      'PCI host bridge to bus 0001:00',
      'pci_bus 0001:00: root bus resource [bus 00]',
      'pci 0001:00:00.0: [15b3:1016] type 00 class 0x020000 PCIe Endpoint',
      'pci 0001:00:00.0: BAR 0 [mem 0xffffd40002000000-0xffffd400020fffff 64bit pref]',
      'pci 0001:00:00.0: enabling Extended Tags',
      'pci 0001:00:00.0: Adding to iommu group 0',
      'PCI: CLS 0 bytes, default 256',
    ]);
  });
  it('the BAR resource becomes an iomap cookie; the BAR keeps firmware\'s address', () => {
    const dev = r.kernelState.devices[0];
    expect(dev.resource[0].start).toBe(0x8000000000000000n);
    expect(dev.resource[0].parent?.name).toBe('PCI Bus 0001:00');
    expect(watchedConfig(r)[VF].split('\n')[2]).toBe('10: 0c 00 00 02 00 d4 ff ff 00 00 00 00 00 00 00 00');
    expect(dev.resetMethods).toEqual(['flr', 'bus']);
  });
});

describe(`${S4}: VFIO_DEVICE_RESET of a function in the error state`, () => {
  it.each(KERNELS)('verdict on %s follows from the hardware', (kernel) => {
    expect(runScenario(S4, kernel, { tracing: false }).verdict).toBe(EXPECTED[S4][kernel]);
  });

  const broken = runScenario(S4, 'v6.19.11');
  const fixed = runScenario(S4, `v6.19.11${PATCH}`);
  const bLog = renderLog(broken.host);
  const fLog = renderLog(fixed.host);

  it('the error event, the refused host recovery, and FLR timing out on the blocked function', () => {
    for (const l of [
      'zpci: 0001:00:00.0: Event 0x2 reports an error for PCI function 0x10',
      'zpci: 0001:00:00.0: Cannot be recovered in the host because it is a pass-through device',
      'vfio-pci 0001:00:00.0: timed out waiting for pending transaction; performing function level reset anyway',
      'vfio-pci 0001:00:00.0: not ready 1023ms after FLR; waiting',
      'vfio-pci 0001:00:00.0: not ready 65535ms after FLR; giving up',
    ]) expect(bLog).toContain(l);
  });

  it('without the patch the reset-time save takes all-ones, and the restore writes them back (trace)', () => {
    const writes = formatTrace(broken.trace!, { device: VF, offset: 0x10, writes: true });
    expect(writes.some((l) => /VFIO_DEVICE_RESET.*saved_config_space\[0x10\] = 0xffffffff {2}<- vfio_pci_ioctl_reset > pci_try_reset_function > pci_dev_save_and_disable > pci_save_state$/.test(l))).toBe(true);
    expect(writes.some((l) => /VFIO_DEVICE_RESET.*write 0x10\/4 0x0000000c -> 0xfff0000c \(wrote 0xffffffff\) {2}<- .*pci_dev_restore > pci_restore_state > pci_restore_config_space > pci_restore_config_dword$/.test(l))).toBe(true);
    expect(broken.saved[VF][4]).toBe(0xffffffff);
    expect(watchedConfig(broken)[VF].split('\n')[2]).toBe('10: 0c 00 f0 ff ff ff ff ff 00 00 00 00 00 00 00 00');
  });

  it('with the patch the save is refused and the open-time snapshot is restored', () => {
    expect(fLog).toContain('vfio-pci 0001:00:00.0: Device config space inaccessible, will only be partially restored');
    expect(fLog).not.toContain('vfio-pci 0001:00:00.0: No saved config space, restoring BARs');
    expect(fixed.saved[VF][4]).toBe(0x0200000c);
    expect(watchedConfig(fixed)[VF].split('\n')[2]).toBe('10: 0c 00 00 02 00 d4 ff ff 00 00 00 00 00 00 00 00');
  });

  it('explain shows Farhan\'s point in one screen: enumeration snapshot, reset-time save of all-ones, restore', () => {
    const lines = explainRegister(broken, { device: VF, offset: 0x10 });
    expect(lines.length).toBeLessThanOrEqual(40);
    const text = lines.join('\n');
    const order = [
      /pci_base_init: saved_config_space\[0x10\] = 0x0200000c: pci_save_state\(\) snapshots/, // a2f1e22390ac, at enumeration
      /zpci-error 0001:00:00\.0: firmware put the function in the error state/,
      /VFIO_DEVICE_RESET 0001:00:00\.0: saved_config_space\[0x10\] = 0xffffffff: pci_save_state\(\)/,
      /VFIO_DEVICE_RESET 0001:00:00\.0: CLP disable \+ enable/,
      /VFIO_DEVICE_RESET 0001:00:00\.0: 0x0000000c -> 0xfff0000c \(written 11 times, 1 ms apart/,
      /zPCI loads through the kernel's resource .* go to 0xffffd40002000000: they do not reach the device/,
    ];
    let at = 0;
    for (const re of order) {
      const m = re.exec(text.slice(at));
      expect({ re: String(re), found: !!m }).toEqual({ re: String(re), found: true });
      at += m!.index + m![0].length;
    }
  });

  describe.each(KERNELS)('on %s', (kernel) => {
    const r = runScenario(S4, kernel, { tracing: false });
    it('host log', () => expect(raw(renderLog(r.host))).toMatchSnapshot());
    it('final config space and saved_config_space', () => expect(raw([...Object.values(watchedConfig(r)), ...Object.entries(savedStrings(r)).map(([b, v]) => `${b}: ${v.join(' ')}`)])).toMatchSnapshot());
  });
  it('explain snapshot (v6.19.11)', () => expect(raw(explainRegister(broken, { device: VF, offset: 0x10 }))).toMatchSnapshot());
});

describe(`${S4B}: sysfs reset of a driverless function in the error state`, () => {
  it.each(KERNELS)('verdict on %s follows from the hardware', (kernel) => {
    expect(runScenario(S4B, kernel, { tracing: false }).verdict).toBe(EXPECTED[S4B][kernel]);
  });
  it('with the patch and a2f1e22390ac: the enumeration-time snapshot comes back', () => {
    const r = runScenario(S4B, `v6.19.11${PATCH}`);
    const log = renderLog(r.host);
    expect(log).toContain('pci 0001:00:00.0: Device config space inaccessible, will only be partially restored');
    expect(log).not.toContain('pci 0001:00:00.0: No saved config space, restoring BARs');
  });
  it('with the patch but without a2f1e22390ac: "No saved config space, restoring BARs" writes the iomap cookie into the BAR', () => {
    const r = runScenario(S4B, `v6.17${PATCH}`);
    expect(renderLog(r.host)).toContain('pci 0001:00:00.0: No saved config space, restoring BARs');
    expect(watchedConfig(r)[VF].split('\n')[2]).toBe('10: 0c 00 00 00 00 00 00 80 00 00 00 00 00 00 00 00');
    expect(r.reasons.join('\n')).toMatch(/decodes at 0x8000000000000000, but zPCI loads through the kernel's resource .* go to 0xffffd40002000000/);
  });
  describe.each(KERNELS)('on %s', (kernel) => {
    const r = runScenario(S4B, kernel, { tracing: false });
    it('host log', () => expect(raw(renderLog(r.host))).toMatchSnapshot());
  });
});

describe('s390x fixtures', () => {
  const text = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'machines', 's390x-zpci-cx4lx-vf.yaml'), 'utf8');
  it('the domain must be the UID when UID checking is on', () => {
    expect(() => parseMachine(text.replace('bdf: 0001:00:00.0', 'bdf: 0002:00:00.0'), 'z.yaml'))
      .toThrow('Cannot load fixture z.yaml: devices[0] (0002:00:00.0) domain must be 0001 (the UID, with UID checking)');
  });
  it('a zPCI function is devfn 00.0 on bus 00, needs its zpci IDs, and has no host bridges', () => {
    expect(() => parseMachine(text.replace('bdf: 0001:00:00.0', 'bdf: 0001:00:01.0'), 'z.yaml')).toThrow(/must be dddd:00:00\.0/);
    expect(() => parseMachine(text.replace(/ {4}zpci: \{ fid.*\n/, ''), 'z.yaml')).toThrow(/needs a "zpci" section/);
    expect(() => parseMachine(text.replace('devices:', 'roots:\n  - { bus: [0, 0], windows: [] }\ndevices:'), 'z.yaml')).toThrow(/roots must be empty on s390x/);
  });
});
