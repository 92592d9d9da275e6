// Invariants over generated machines and kernels (fast-check). Every property is seeded: the seed
// is printed with any counterexample, and PCIREPRO_FC_SEED=<seed> (with PCIREPRO_FC_RUNS=<n>)
// reruns exactly that sequence. The machines are small (a few to ~150 functions) so the suite stays
// fast; bench/ and the scale tests cover the big ones.
import fc from 'fast-check';
import { generateMachine, GenerateSpec } from '../src/fixture/generate';
import { buildMachine } from '../src/hw/build';
import type { Machine } from '../src/hw/machine';
import { bootKernel } from '../src/fixture/boot';
import { do_initcalls } from '../src/kernel/init';
import { parseKernel } from '../src/kernel/releases';
import type { Kernel } from '../src/kernel/kernel';
import { IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_UNSET, Resource } from '../src/kernel/resource';
import { PCI_BRIDGE_RESOURCES, PCI_STD_NUM_BARS } from '../src/kernel/types';
import { MESSAGES } from '../src/printk/messages';
import { renderLog } from '../src/printk/log';
import { lspciAll } from '../src/report/lspci';

const SEED = Number(process.env.PCIREPRO_FC_SEED ?? 20261121);
const RUNS = Number(process.env.PCIREPRO_FC_RUNS ?? 25);
const params = { seed: SEED, numRuns: RUNS, endOnFailure: true };

const spec: fc.Arbitrary<GenerateSpec> = fc.record({
  functions: fc.integer({ min: 4, max: 150 }),
  seed: fc.integer({ min: 0, max: 0xffff }),
  fanout: fc.integer({ min: 1, max: 8 }),
  endpointFunctions: fc.integer({ min: 1, max: 8 }),
  sriovVfs: fc.constantFrom(0, 0, 2, 8),
  mistakes: fc.integer({ min: 0, max: 4 }),
});
const KERNELS = ['v5.15', 'v6.7', 'v6.12.63', 'v6.12.73', 'v6.15', 'v6.17', 'v6.18', 'v6.19.11', 'v7.0', 'v7.1', 'debian-6.1.192'];
const kernel = fc.constantFrom(...KERNELS);

function boot(s: GenerateSpec, kernelSpec: string, tracing = false): { k: Kernel; machine: Machine } {
  const fixture = generateMachine(s);
  const machine = buildMachine(fixture);
  const k = bootKernel(parseKernel(kernelSpec), fixture, machine, fixture.machine, { tracing });
  do_initcalls(k);
  return { k, machine };
}

/** Every resource of the tree under `root`: inside its parent, and clear of its siblings. */
function checkTree(root: Resource, where: string): void {
  let prev: Resource | null = null;
  for (const c of root.children) {
    if (c.start < root.start || c.end > root.end) throw new Error(`${where}: ${c.name} [0x${c.start.toString(16)}-0x${c.end.toString(16)}] outside ${root.name} [0x${root.start.toString(16)}-0x${root.end.toString(16)}]`);
    if (prev && prev.end >= c.start) throw new Error(`${where}: ${c.name} [0x${c.start.toString(16)}-0x${c.end.toString(16)}] overlaps ${prev.name} [0x${prev.start.toString(16)}-0x${prev.end.toString(16)}]`);
    prev = c;
    checkTree(c, where);
  }
}

describe(`properties over generated machines (fast-check seed ${SEED}, ${RUNS} runs each)`, () => {
  it('every assigned BAR lies inside its bridge\'s window, in the kernel and in the hardware; no two assigned resources overlap', () => {
    fc.assert(fc.property(spec, kernel, (s, kv) => void checkResources(s, kv)), params);
  });

  it('at scale too: 3,000 functions over segments, with SR-IOV and firmware mistakes, boot with every device enumerated', () => {
    const s: GenerateSpec = { functions: 3000, seed: SEED & 0xffff, fanout: 8, endpointFunctions: 4, sriovVfs: 4, mistakes: 12 };
    const { k, machine } = checkResources(s, 'v6.18');
    expect(k.devices.length).toBe([...machine.walk()].length);
  });

  function checkResources(s: GenerateSpec, kv: string): { k: Kernel; machine: Machine } {
    const { k, machine } = boot(s, kv);
    checkTree(k.iomemResource, `${kv} ${JSON.stringify(s)}`);
    checkTree(k.ioportResource, `${kv} ${JSON.stringify(s)}`);
    for (const dev of k.devices) {
      for (let i = 0; i < PCI_STD_NUM_BARS; i++) {
        const r = dev.resource[i];
        if (!r.parent || r.flags & IORESOURCE_UNSET || !(r.flags & (IORESOURCE_MEM | IORESOURCE_IO))) continue;
        // the resource is in one of its bus's windows (a bridge window, or a root window on a root bus)
        if (!dev.bus.allResources().includes(r.parent)) throw new Error(`${dev.name()} BAR ${i} parent ${r.parent.name} is not a window of bus ${dev.bus.name()}`);
        // the hardware agrees: the BAR register holds the resource, inside the upstream bridge's window
        const fn = machine.locate(dev.bus.domain, dev.bus.number, dev.devfn)!;
        const bar = fn.memoryBarsAll().find((b) => b.index === i);
        if (!bar || bar.base !== r.start) throw new Error(`${dev.name()} BAR ${i}: the register holds ${bar ? '0x' + bar.base.toString(16) : 'nothing'}, the resource starts at 0x${r.start.toString(16)}`);
        const up = dev.bus.self && machine.locate(dev.bus.self.bus.domain, dev.bus.self.bus.number, dev.bus.self.devfn);
        if (up && r.flags & IORESOURCE_MEM && !up.forwardsMemory(r.start)) throw new Error(`${dev.name()} BAR ${i} at 0x${r.start.toString(16)} is not forwarded by ${dev.bus.self!.name()}`);
      }
      for (let w = PCI_BRIDGE_RESOURCES; w < PCI_BRIDGE_RESOURCES + 3; w++) {
        const r = dev.resource[w];
        if (r.parent && !(r.flags & IORESOURCE_UNSET) && dev.bus.self && !dev.bus.allResources().includes(r.parent))
          throw new Error(`${dev.name()} window ${w} is not inside a window of bus ${dev.bus.name()}`);
      }
    }
    return { k, machine };
  }

  it('every config access stays inside the function\'s config space and is naturally aligned', () => {
    fc.assert(fc.property(spec, kernel, (s, kv) => {
      const { k, machine } = boot(s, kv, true);
      const size = new Map<string, number>();
      for (const l of machine.walk()) size.set(machine.nameOf(l.fn)!, l.fn.config.size);
      for (const t of k.trace!) {
        if (t.kind !== 'cfg-read' && t.kind !== 'cfg-write') continue;
        if (t.offset % t.width) throw new Error(`${t.target} ${t.kind} at 0x${t.offset.toString(16)}/${t.width} is not aligned (${t.chain})`);
        const limit = size.get(t.target) ?? 256; // an absent function: only the vendor ID probe
        if (t.offset + t.width > limit) throw new Error(`${t.target} ${t.kind} at 0x${t.offset.toString(16)}/${t.width} is beyond its ${limit}-byte config space (${t.chain})`);
      }
    }), params);
  });

  it('with 909f7bf9b080, saved_config_space holds every assigned BAR as the hardware does after boot', () => {
    const fixed = fc.constantFrom('v7.1', 'v6.12.73+909f7bf9b080', 'v6.18.13+909f7bf9b080', 'v6.19.11+909f7bf9b080');
    fc.assert(fc.property(spec, fixed, (s, kv) => {
      const { k, machine } = boot(s, kv);
      for (const dev of k.devices) {
        if (!dev.savedEver) continue;
        const fn = machine.locate(dev.bus.domain, dev.bus.number, dev.devfn)!;
        for (let i = 0; i < PCI_STD_NUM_BARS; i++) {
          const r = dev.resource[i];
          if (!r.parent || r.flags & IORESOURCE_UNSET || !(r.flags & (IORESOURCE_MEM | IORESOURCE_IO))) continue;
          for (const reg of r.flags & IORESOURCE_MEM_64 ? [0x10 + 4 * i, 0x14 + 4 * i] : [0x10 + 4 * i]) {
            const hw = fn.config.read(reg, 4), saved = dev.savedConfigSpace[reg / 4];
            if (hw !== saved) throw new Error(`${kv}: ${dev.name()} saved_config_space[0x${reg.toString(16)}] = 0x${saved.toString(16)}, the register holds 0x${hw.toString(16)}`);
          }
        }
      }
    }), params);
  });

  it('a run is deterministic: the same machine and kernel give the same log, trace and registers', () => {
    fc.assert(fc.property(spec, kernel, (s, kv) => {
      const a = boot(s, kv, true), b = boot(s, kv, true);
      expect(renderLog(b.k.log.records, { timestamps: true, dyndbg: true })).toEqual(renderLog(a.k.log.records, { timestamps: true, dyndbg: true }));
      expect(JSON.stringify(b.k.trace)).toBe(JSON.stringify(a.k.trace));
      expect(lspciAll(b.machine)).toBe(lspciAll(a.machine));
    }), { ...params, numRuns: Math.max(5, Math.floor(RUNS / 3)) });
  });

  it('the kernel log holds only lines of the format table', () => {
    fc.assert(fc.property(spec, kernel, (s, kv) => {
      const { k } = boot(s, kv);
      for (const r of k.log.records) {
        if (!(r.id in MESSAGES)) throw new Error(`"${r.text}" has no entry (${r.id}) in the format table`);
        if (/undefined|NaN|\[object /.test(r.text)) throw new Error(`"${r.text}" (${r.id}) printed a missing argument`);
      }
    }), params);
  });
});
