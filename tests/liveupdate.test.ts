// Scenario 5 (spec/scenarios.md): a kexec Live Update. Stage 1 preserves an Intel I210 behind a
// PEX 8748 switch (or a ConnectX-5 in a 64-bit window) with its bridges and kexecs; stage 2 boots
// the new kernel on the running hardware. Chris Li's RFC (pci-luo-no-writes, seeds/002) and David
// Matlack's bus-number patch (pci-luo-inherit-busnr, seeds/003) are judged by the write audit.
import { runScenario, RunResult } from '../src/scenario/run';
import { renderLog } from '../src/printk/log';
import { formatArtifact, formatAudit } from '../src/report/liveupdate';
import { findScenario } from '../src/scenario/scenarios';
import { main } from '../src/cli/main';
import { raw } from './raw-text';
import { generateMachine } from '../src/fixture/generate';
import { buildMachine } from '../src/hw/build';
import { bootKernel } from '../src/fixture/boot';
import { parseKernel } from '../src/kernel/releases';
import { do_initcalls } from '../src/kernel/init';
import { AuditCollector } from '../src/scenario/audit';

const LU = 'live-update';
const LUB = 'live-update-assign-busses';
const LUP = 'live-update-pref64';
const NIC = '0000:03:00.0';
const NOW = '+pci-luo-no-writes';
const BUS = '+pci-luo-inherit-busnr';

// Expected verdicts, written out here and nowhere in src/.
const EXPECTED: Record<string, Record<string, 'disrupted' | 'preserved'>> = {
  [LU]: { 'v6.17': 'disrupted', [`v6.17${NOW}`]: 'preserved', [`v6.17${BUS}`]: 'disrupted', [`v6.17${NOW}${BUS}`]: 'preserved', 'v7.0': 'disrupted', [`v7.0${NOW}${BUS}`]: 'preserved' },
  // pci=assign-busses: the RFC does not guard bus numbers; only the bus-number patch keeps them
  [LUB]: { 'v6.17': 'disrupted', [`v6.17${NOW}`]: 'disrupted', [`v6.17${BUS}`]: 'disrupted', [`v6.17${NOW}${BUS}`]: 'preserved', 'v7.0': 'disrupted', [`v7.0${NOW}${BUS}`]: 'preserved' },
  // the RFC's unguarded PCI_PREF_LIMIT_UPPER32 = 0 and pci_read_bridge_windows()' probe close a window above 4 GiB
  [LUP]: { 'v6.17': 'disrupted', [`v6.17${NOW}`]: 'disrupted', [`v6.17${BUS}`]: 'disrupted', [`v6.17${NOW}${BUS}`]: 'disrupted', 'v7.0': 'disrupted', [`v7.0${NOW}${BUS}`]: 'disrupted' },
};

const cache = new Map<string, RunResult>();
function run(s: string, k: string): RunResult {
  const key = `${s} ${k}`;
  if (!cache.has(key)) cache.set(key, runScenario(s, k));
  return cache.get(key)!;
}
const lu = (s: string, k: string) => run(s, k).liveUpdate!;
const last = (chain: string) => chain.split(' > ').pop()!;

describe('stage 1: the old kernel preserves the device and kexecs', () => {
  const r = run(LU, 'v6.17');
  const log = renderLog(r.liveUpdate!.stage1Log);
  it('preserves the root port, the switch ports and the NIC, bridges first, and starts the new kernel', () => {
    expect(log.filter((l) => l.endsWith('Device will be preserved across next Live Update'))).toEqual([
      'pcieport 0000:00:03.2: Device will be preserved across next Live Update',
      'pcieport 0000:01:00.0: Device will be preserved across next Live Update',
      'pcieport 0000:02:00.0: Device will be preserved across next Live Update',
      `vfio-pci ${NIC}: Device will be preserved across next Live Update`,
    ]);
    expect(log[log.length - 1]).toBe('kexec_core: Starting new kernel');
  });
  it('hands over struct pci_ser: domain, bus/devfn and a reference each', () => {
    expect(r.liveUpdate!.artifact.ser.devices).toEqual([
      { domain: 0, bdf: 0x001a, refcount: 1 }, { domain: 0, bdf: 0x0100, refcount: 1 }, { domain: 0, bdf: 0x0200, refcount: 1 }, { domain: 0, bdf: 0x0300, refcount: 1 },
    ]);
  });
  it('kexec leaves the preserved NIC decoding, mastering and signalling MSI (pci_device_shutdown() skips it)', () => {
    const nic = new Map(r.liveUpdate!.artifact.preserved.find((p) => p.bdf === NIC)!.registers);
    // memory and bus master on; INTx Disable, set by msi_capability_init(), is written back to its
    // earlier value by vfio_pci_memory_unlock_and_restore()
    expect(nic.get('PCI_COMMAND')).toBe('0x0006');
    expect(nic.get('PCI_BASE_ADDRESS_0')).toBe('0xf7300000');
    expect(nic.get('PCI_MSI_FLAGS')).toBe('0x0181');
    expect(nic.get('PCI_MSI_ADDRESS_LO')).toBe('0xfee00000');
    expect(nic.get('PCI_MSI_MASK_64')).toBe('0x00000000');
  });
  it('stage-1 log and artifact snapshot', () => {
    expect(raw(log)).toMatchSnapshot();
    expect(raw(formatArtifact(r.liveUpdate!.artifact))).toMatchSnapshot();
  });
});

describe('the audit without the series: the cold-boot flow', () => {
  const a = lu(LU, 'v6.17').audit;
  it('sizes the preserved BARs: all-ones written into the NIC\'s BAR 0, 2 and 3 from pci_read_bases()', () => {
    const sizing = a.writes.filter((w) => w.target === NIC && w.value === 0xffffffff && w.class === 'disruptive');
    expect(sizing.map((w) => w.register)).toEqual(['PCI_BASE_ADDRESS_0', 'PCI_BASE_ADDRESS_2', 'PCI_BASE_ADDRESS_3']);
    for (const w of sizing) expect(w.chain).toMatch(/pci_setup_device > pci_read_bases$/);
  });
  it('turns the NIC\'s memory decode off around the sizing and puts it into D3hot when vfio-pci binds', () => {
    expect(a.writes.some((w) => w.target === NIC && w.register === 'PCI_COMMAND' && w.why === 'Memory Space on -> off')).toBe(true);
    expect(a.writes.some((w) => w.target === NIC && w.why === 'power state D0 -> D3hot' && last(w.chain) === 'pci_set_low_power_state')).toBe(true);
  });
  it('no guard fires: pci_lu_adopt() is NULL without the patch', () => {
    expect(a.guards).toEqual([]);
  });
});

describe('the audit with pci-luo-no-writes (Chris Li\'s RFC 20/25)', () => {
  const r = run(LU, `v6.17${NOW}`);
  const a = r.liveUpdate!.audit;
  it('no sizing write reaches a preserved function: nothing from pci_read_bases(), no BAR register written', () => {
    expect(a.writes.filter((w) => /pci_read_bases/.test(w.chain))).toEqual([]);
    expect(a.writes.filter((w) => /PCI_BASE_ADDRESS|PCI_ROM_ADDRESS/.test(w.register))).toEqual([]);
  });
  it('lists exactly what remains, by kernel function, all harmless', () => {
    expect([...new Set(a.writes.map((w) => last(w.chain)))].sort()).toEqual([
      'pci_intx_mask_broken', 'pci_read_bridge_windows', 'pci_restore_pcie_state', 'pci_scan_bridge_extend', 'pci_setup_bridge_mmio_pref', 'vfio_pci_memory_unlock_and_restore',
    ]);
    expect(a.writes.filter((w) => w.class === 'disruptive')).toEqual([]);
    expect(a.writes.filter((w) => last(w.chain) === 'pci_scan_bridge_extend').every((w) => w.register === 'PCI_SEC_STATUS' && w.why.startsWith('write-1-to-clear'))).toBe(true);
  });
  it('keeps the write before its guard: PCI_PREF_LIMIT_UPPER32 = 0 in pci_setup_bridge_mmio_pref(), on every bridge', () => {
    const w = a.writes.filter((x) => x.register === 'PCI_PREF_LIMIT_UPPER32' && last(x.chain) === 'pci_setup_bridge_mmio_pref');
    expect(w.map((x) => x.target).sort()).toEqual(['0000:00:03.2', '0000:01:00.0', '0000:02:00.0']);
    expect(w.every((x) => x.value === 0 && x.why === 'the register already held this value')).toBe(true);
  });
  it('logs the windows it then does not write', () => {
    const log = renderLog(r.host);
    expect(log.filter((l) => l === 'pci 0000:02:00.0:   bridge window [mem 0xf7300000-0xf73fffff]')).toHaveLength(2);
    expect(a.guards.some((g) => g.target === '0000:02:00.0' && g.what === 'memory window (PCI_MEMORY_BASE)' && last(g.chain) === 'pci_setup_bridge_mmio')).toBe(true);
    expect(a.guards.some((g) => g.target === '0000:02:00.0' && g.what === 'Bridge Control' && last(g.chain) === '__pci_setup_bridge')).toBe(true);
  });
  it('the skipped PMCSR write shows in the log: vfio-pci\'s runtime suspend is "refused"', () => {
    expect(renderLog(r.host)).toContain(`vfio-pci ${NIC}: Refused to change power state from D0 to D3hot`);
  });
  it('reports Thomas Gleixner\'s case: the MSI mask the kernel caches but never writes', () => {
    const d = a.divergences.find((x) => x.device === NIC && x.what === 'MSI mask bits')!;
    expect(d.cached).toBe('desc->pci.msi_mask 0x00000001');
    expect(d.hardware).toBe('PCI_MSI_MASK_64 0x00000000');
    expect(d.from.label).toMatch(/pci_alloc_irq_vectors\(\) returned$/);
    expect(d.until?.label).toMatch(/request_irq\(\) returned$/);
  });
  it('and the rest of the cached state the RFC leaves stale: MSI enabled behind the kernel\'s back, BARs without resources', () => {
    const nic = a.divergences.filter((x) => x.device === NIC);
    expect(nic.find((x) => x.what === 'MSI Enable')?.cached).toBe('dev->msi_enabled 0');
    expect(nic.filter((x) => x.what.startsWith('BAR ') && x.cached === 'no resource' && !x.until).map((x) => x.what)).toEqual(['BAR 0', 'BAR 2', 'BAR 3']);
  });
  it('without the series the mask is written, so cache and hardware never part', () => {
    expect(lu(LU, 'v6.17').audit.divergences.some((x) => x.what === 'MSI mask bits')).toBe(false);
  });
});

describe('pci=assign-busses and pci-luo-inherit-busnr (David Matlack)', () => {
  const busWrites = (k: string) => lu(LUB, k).audit.writes.filter((w) => /PCI_(PRIMARY|SECONDARY|SUBORDINATE)_BUS/.test(w.register));
  it('without the patch the bus numbers are cleared and written again, even under the RFC', () => {
    for (const k of ['v6.17', `v6.17${NOW}`]) {
      const w = busWrites(k);
      expect(w.find((x) => x.target === '0000:00:03.2')?.why).toBe('bus numbers (primary/secondary/subordinate) 00/01/03 -> 00/00/00');
      expect(w.every((x) => x.class === 'disruptive')).toBe(true);
      expect(renderLog(run(LUB, k).host).join('\n')).not.toMatch(/Ignoring pci=assign-busses/);
    }
  });
  it('with it the kernel says so once and writes no bus number', () => {
    for (const k of [`v6.17${BUS}`, `v6.17${NOW}${BUS}`]) {
      expect(renderLog(run(LUB, k).host).filter((l) => /assign-busses/.test(l))).toEqual(['Ignoring pci=assign-busses and inheriting bus numbers during Live Update']);
      expect(busWrites(k)).toEqual([]);
    }
  });
  it('says nothing without pci=assign-busses', () => {
    expect(renderLog(run(LU, `v6.17${NOW}${BUS}`).host).join('\n')).not.toMatch(/Ignoring/);
  });
});

describe('a preserved device in a 64-bit prefetchable window', () => {
  const a = lu(LUP, `v6.17${NOW}${BUS}`).audit;
  it('the two window writes the RFC leaves: the upper-32 probe and PCI_PREF_LIMIT_UPPER32 = 0, the second for good', () => {
    expect(a.writes.filter((w) => w.class === 'disruptive').map((w) => `${last(w.chain)} ${w.register} ${w.why}`)).toEqual([
      'pci_read_bridge_windows PCI_PREF_BASE_UPPER32 prefetchable window [mem 0x63dc0000000-0x63dc1ffffff pref] -> disabled',
      'pci_read_bridge_windows PCI_PREF_BASE_UPPER32 prefetchable window disabled -> [mem 0x63dc0000000-0x63dc1ffffff pref]',
      'pci_setup_bridge_mmio_pref PCI_PREF_LIMIT_UPPER32 prefetchable window [mem 0x63dc0000000-0x63dc1ffffff pref] -> disabled',
    ]);
    expect(a.endState).toEqual(['0000:00:03.3 PCI_PREF_LIMIT_UPPER32 0x0000063d -> 0x00000000']);
  });
});

describe('an SR-IOV physical function preserved (the RFC\'s iov.c guards)', () => {
  // A generated machine with SR-IOV PFs; the new kernel is told the first PF was preserved.
  const fixture = generateMachine({ functions: 20, seed: 5, fanout: 2, endpointFunctions: 2, sriovVfs: 4, mistakes: 0 });
  const boot = (kernel: string) => {
    const machine = buildMachine(fixture);
    const k = bootKernel(parseKernel(kernel), fixture, machine, fixture.machine, { tracing: true });
    const pf = [...machine.walk()].find((l) => l.fn.fwBdf === '0000:03:00.0')!;
    k.lu = { devices: [{ domain: 0, bdf: 0x0300, refcount: 1 }] };
    const audit = new AuditCollector(k, [{ fw: pf.fn.fwBdf, bdf: '0000:03:00.0', role: 'endpoint', fn: pf.fn }]);
    do_initcalls(k);
    return { k, audit };
  };
  it('without the patch sriov_init() writes Control, NumVFs and the page size', () => {
    const { audit } = boot('v6.17');
    expect([...new Set(audit.writes.map((w) => w.register))]).toEqual(expect.arrayContaining(['PCI_SRIOV_CTRL', 'PCI_SRIOV_NUM_VF', 'PCI_SRIOV_SYS_PGSIZE']));
  });
  it('with it they are skipped, while the VF BAR sizing the RFC does not guard still writes all-ones', () => {
    const { audit } = boot(`v6.17${NOW}`);
    expect(audit.writes.filter((w) => /PCI_SRIOV_(CTRL|NUM_VF|SYS_PGSIZE)/.test(w.register))).toEqual([]);
    expect(audit.guards().map((g) => g.what)).toEqual(expect.arrayContaining(['SR-IOV Control', 'SR-IOV System Page Size', 'SR-IOV NumVFs = 4', 'SR-IOV NumVFs = 0']));
    const vfSizing = audit.writes.filter((w) => w.register === 'PCI_SRIOV_BAR 0' && w.value === 0xffffffff);
    expect(vfSizing).toHaveLength(1);
    expect(vfSizing[0].class).toBe('disruptive');
    expect(last(vfSizing[0].chain)).toBe('sriov_init');
  });
});

describe('the Live Update matrix', () => {
  for (const s of [LU, LUB, LUP]) {
    it(`${s} runs on the kernels of its matrix`, () => expect(findScenario(s).kernels).toEqual(Object.keys(EXPECTED[s])));
    for (const k of findScenario(s).kernels) {
      describe(`${s} on ${k}`, () => {
        it(`verdict ${EXPECTED[s][k]}, from the audit`, () => expect(run(s, k).verdict).toBe(EXPECTED[s][k]));
        it('stage-2 log', () => expect(raw(renderLog(run(s, k).host))).toMatchSnapshot());
        it('audit', () => expect(raw(formatAudit(run(s, k)))).toMatchSnapshot());
      });
    }
  }
});

describe('pcirepro audit', () => {
  const cli = (args: string[]) => {
    const out: string[] = [], err: string[] = [];
    const code = main(args, { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  it('exits 1 when a disruptive write reached the path, 0 when none did', () => {
    expect(cli(['audit', LU, '--kernel', 'v6.17']).code).toBe(1);
    const ok = cli(['audit', LU, '--kernel', `v6.17${NOW}`]);
    expect(ok.code).toBe(0);
    expect(ok.out.split('\n').pop()).toBe('verdict: preserved');
  });
  it('--json carries every write with its chain and class', () => {
    const j = JSON.parse(cli(['audit', LUB, '--kernel', `v6.17${NOW}`, '--json']).out);
    expect(j.verdict).toBe('disrupted');
    const busWrites = j.writes.filter((w: { register: string }) => w.register === 'PCI_PRIMARY_BUS');
    expect(busWrites.length).toBe(6);
    for (const w of busWrites) {
      expect(w.class).toBe('disruptive');
      expect(w.chain).toMatch(/^do_initcalls > acpi_init > .*pci_scan_bridge_extend$/);
    }
    expect(j.writes.filter((w: { class: string }) => w.class === 'harmless').every((w: { why: string }) => w.why.length > 0)).toBe(true);
  });
  it('refuses scenarios without a Live Update and patches that do not apply', () => {
    const r = cli(['audit', 'x570s-cine-s2-passthrough']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^pcirepro: audit needs a Live Update scenario: live-update, live-update-assign-busses, live-update-pref64; x570s-cine-s2-passthrough is not one$/);
    const p = cli(['audit', LU, '--kernel', `v6.12.73${NOW}`]);
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/pci-luo-no-writes applies on top of 4453f360862e \("PCI: Batch BAR sizing operations", v6\.14\)/);
  });
  it('run shows both kernels, the artifact and the verdict', () => {
    const r = cli(['run', LU, '--kernel', `v6.17${NOW}`, '--color', 'never']);
    expect(r.code).toBe(0);
    for (const h of ['== stage 1 kernel log: v6.17+pci-luo-preserve ==', '== Live Update artifact (what stage 1 preserved, at kexec) ==', `== stage 2 kernel log: ${LU} on v6.17${NOW} ==`, '== verdict: preserved =='])
      expect(r.out.split('\n')).toContain(h);
  });
});
