// Replay a capture: boot its machine on a modelled kernel and compare with what the real kernel
// printed and left (expected/pci-lines.txt, expected/config.lspci).
import * as fs from 'fs';
import * as path from 'path';
import { diffArrays, createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { Kernel } from '../kernel/kernel';
import { do_initcalls } from '../kernel/init';
import { parseKernel } from '../kernel/releases';
import { renderLog } from '../printk/log';
import { VirtualClock } from '../printk/log';
import type { Machine } from '../hw/machine';
import { captureMachine, loadCaptureInput, CaptureInput } from './capture';
import { bootKernel } from '../fixture/boot';
import { buildMachine } from '../hw/build';
import { loadMachine } from '../fixture/load';
import type { MachineFixture } from '../fixture/schema';
import { DumpError, parseLspciDump } from './dump';
import { captureLine, excludedLine, OWNED_TYPE0, OWNED_TYPE1 } from './exclusions';

export interface ReplayRun {
  /** the capture it came from (null for a fixture) */
  input: CaptureInput | null;
  kernel: Kernel;
  machine: Machine;
  /** the kernel log of the boot, no timestamps */
  lines: string[];
}

export function replayCapture(inputDir: string, kernelSpec = 'debian-6.1.192', tracing = false): ReplayRun {
  const input = loadCaptureInput(inputDir);
  const machine = captureMachine(input);
  const k = new Kernel(parseKernel(kernelSpec), machine, new VirtualClock(), {
    realloc: input.cmdline.realloc, assignBusses: input.cmdline.assignBusses, nocrs: input.cmdline.nocrs,
  }, tracing);
  do_initcalls(k);
  return { input, kernel: k, machine, lines: renderLog(k.log.records) };
}

/**
 * Boot a machine fixture (hand-written or imported) on a kernel, with the fixture's pci= options
 * unless `cmdline` is given.
 */
export function replayMachine(file: string, kernelSpec: string, tracing = false, cmdline?: string): ReplayRun {
  return bootFixture(loadMachine(file), file, kernelSpec, tracing, cmdline);
}

/** Boot a machine fixture already in memory (a generated one, say): build, boot, the initcalls. */
export function bootFixture(fixture: MachineFixture, shown: string, kernelSpec: string, tracing = false, cmdline?: string): ReplayRun {
  const machine = buildMachine(fixture);
  const k = bootKernel(parseKernel(kernelSpec), fixture, machine, shown, { cmdline, tracing });
  do_initcalls(k);
  return { input: null, kernel: k, machine, lines: renderLog(k.log.records) };
}

export interface Comparison {
  /** matched of total expected lines; extra = lines the replay printed that the kernel did not */
  lines: { matched: number; total: number; extra: number };
  registers: { matched: number; total: number };
  diff: string;
  registerDiffs: string[];
}

const hex = (v: number, w: number) => v.toString(16).padStart(w * 2, '0');

export function compareReplay(run: ReplayRun, expectedDir: string): Comparison {
  const read = (f: string) => {
    const p = path.join(expectedDir, f);
    try {
      return fs.readFileSync(p, 'utf8');
    } catch (e) {
      throw new DumpError(`Cannot read expected ${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  };
  const expected = read('pci-lines.txt').split('\n').filter((l) => l && !excludedLine(l));
  const ours = run.lines.filter((l) => captureLine(l) && !excludedLine(l));
  let matched = 0, extra = 0;
  for (const part of diffArrays(expected, ours)) {
    const n = part.count ?? part.value.length;
    if (!part.added && !part.removed) matched += n;
    else if (part.added) extra += n;
  }
  const diff = createTwoFilesPatch('expected/pci-lines.txt', 'replay', expected.join('\n') + '\n', ours.join('\n') + '\n', undefined, undefined, { context: 2, headerOptions: FILE_HEADERS_ONLY });

  const final = parseLspciDump(read('config.lspci'), path.join(expectedDir, 'config.lspci'));
  let regMatched = 0, regTotal = 0;
  const registerDiffs: string[] = [];
  for (const d of final) {
    const bdf = `${hex(d.domain, 2)}${hex(0, 0)}:${hex(d.bus, 1)}:${hex(d.dev, 1)}.${d.func}`;
    const fn = run.machine.locate(d.domain, d.bus, (d.dev << 3) | d.func);
    const regs = (d.bytes[0x0e] & 0x7f) === 1 ? OWNED_TYPE1 : OWNED_TYPE0;
    for (const r of regs) {
      regTotal++;
      let want = 0, got = 0;
      for (let i = r.width - 1; i >= 0; i--) {
        want = want * 256 + d.bytes[r.offset + i];
        got = got * 256 + (fn ? fn.config.data[r.offset + i] : 0xff);
      }
      if (want === got) regMatched++;
      else registerDiffs.push(`${bdf} ${r.name} (0x${r.offset.toString(16).padStart(2, '0')}): expected ${hex(want, r.width)}, replay ${fn ? hex(got, r.width) : 'no device'}`);
    }
  }
  return { lines: { matched, total: expected.length, extra }, registers: { matched: regMatched, total: regTotal }, diff, registerDiffs };
}
