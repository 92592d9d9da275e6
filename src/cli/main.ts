// pcirepro command line. Parses arguments, runs, renders, colours. User errors print one line
// and exit 2; no stack traces for them.
import { parseArgs } from 'node:util';
import { renderLog } from '../printk/log';
import { RELEASES, KernelSpecError, parseKernel } from '../kernel/releases';
import { COMMITS } from '../kernel/commits';
import { SCENARIOS, ScenarioError, findScenario } from '../scenario/scenarios';
import { runScenario } from '../scenario/run';
import { formatMatrix, runMatrix } from '../scenario/matrix';
import { toJson, watchedConfig, savedStrings, formatFindings } from '../report/result';
import { FixtureError } from '../fixture/load';
import { NotModelledError } from '../kernel/setup-bus';
import { ColorMode, colorDiffLine, colorRecord, makeChalk } from './color';
import { filterTrace, formatTrace } from '../report/trace';
import { explainRegister } from '../report/explain';
import { DiffWhat, diffRuns } from '../report/diff';
import { bisect, BisectError, formatBisect } from '../scenario/bisect';
import { compareReplay, replayCapture, replayMachine } from '../replay/replay';
import { lspciAll } from '../report/lspci';
import { lspciTree } from '../report/tree';
import { DiffSide, parseDmesg, ImportError } from '../import/dmesg';
import { parseLspci } from '../import/lspci';
import { fixtureYaml, importMachine, writeFixture } from '../import/fixture';
import * as fs from 'fs';
import * as path from 'path';
import { DumpError } from '../replay/dump';
import { formatArtifact, formatAudit } from '../report/liveupdate';
import { DEFAULT_SPEC, GenerateError, generateRaw } from '../fixture/generate';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTty: boolean;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  isTty: !!process.stdout.isTTY,
};

export class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = `usage: pcirepro <command> [options]

commands:
  list                                   scenarios and kernels
  run <scenario> [--kernel K] [--dyndbg] [--timestamps] [--color auto|always|never] [--json]
  matrix [scenario…] [--json]            verdicts of scenarios × kernels
  trace <scenario> [--kernel K] [--device BDF] [--offset OFF] [--writes] [--json]
                                         the recorded config and MMIO accesses, with call chains
  audit <scenario> [--kernel K] [--json]  Live Update: every config write of the new kernel to the
                                         preserved path, judged; exit 1 if any is disruptive
  explain <scenario> --kernel K --device BDF --offset OFF [--json]
                                         the history of one register, in words
  diff <scenario> --kernel A --kernel B [--what log|config|trace] [--color …] [--json]
                                         unified diff of two runs
  bisect <scenario> --good K1 --bad K2 [--json]
                                         git bisect over the modelled history of the branch
  replay <capture>/input [--kernel debian-6.1.192] [--expected <capture>/expected] [--timestamps] [--json]
  replay --machine FILE [--kernel K] [--cmdline "pci=…"] [--lspci | --tree]
                                         boot a captured or imported machine; with --expected, compare;
                                         --lspci prints the final config space (lspci -xxxx), --tree lspci -tv
  import [--dmesg FILE [--side old|new]] [--lspci FILE]… [-o fixtures/machines/NAME.yaml]
                                         a machine fixture from a bug report's kernel log and lspci output
  generate --functions N [--seed S] [--fanout F] [--endpoint-functions E] [--sriov-vfs V]
           [--mistakes M] [-o fixtures/machines/NAME.yaml]
                                         a synthetic machine fixture (replay --machine boots it)
  repro                                  the matrix, then the broken run's log

kernels: a release, optionally +COMMIT / -COMMIT (e.g. v6.12.73+909f7bf9b080)`;

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? '0x' + v.toString(16) : v;
}

function cmdList(io: Io): number {
  io.out('scenarios:');
  const w = Math.max(...SCENARIOS.map((s) => s.name.length));
  for (const s of SCENARIOS) io.out(`  ${s.name.padEnd(w)}  ${s.title}`);
  io.out('');
  io.out('kernels:');
  const wk = Math.max(...RELEASES.map((r) => r.name.length));
  for (const r of RELEASES) io.out(`  ${r.name.padEnd(wk)}  ${r.description}`);
  io.out('');
  io.out('modelled commits (compose with +ID / -ID):');
  for (const c of Object.values(COMMITS)) io.out(`  ${c.id}  ${c.title}`);
  return 0;
}

/**
 * The kernel a command runs when --kernel is not given: Bernd's failing v6.12.73, or for a Live
 * Update scenario the first kernel of its matrix (the new kernel without the series).
 */
function defaultKernel(scenario: string): string {
  const s = findScenario(scenario);
  return s.liveUpdate ? s.kernels[0] : 'v6.12.73';
}

function cmdRun(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kernel: { type: 'string' },
      dyndbg: { type: 'boolean', default: false },
      timestamps: { type: 'boolean', default: false },
      color: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      lspci: { type: 'boolean', default: false },
      tree: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('run takes exactly one scenario');
  const color = values.color as string;
  if (!['auto', 'always', 'never'].includes(color)) throw new UsageError(`--color must be auto, always or never, got "${color}"`);
  findScenario(positionals[0]);
  const kernel = values.kernel ?? defaultKernel(positionals[0]);
  parseKernel(kernel);
  const r = runScenario(positionals[0], kernel);
  if (values.lspci) {
    io.out(lspciAll(r.machine).replace(/\n$/, ''));
    return 0;
  }
  if (values.tree) {
    for (const l of lspciTree(r.machine)) io.out(l);
    return 0;
  }
  if (values.json) {
    io.out(JSON.stringify(toJson(r, { dyndbg: values.dyndbg }), bigintSafe, 2));
    return 0;
  }
  const c = makeChalk(color as ColorMode, io.isTty);
  const print = (records: typeof r.host) => {
    for (const rec of records) if (!rec.dyndbg || values.dyndbg) io.out(colorRecord(c, rec, values.timestamps!));
  };
  if (r.liveUpdate) {
    io.out(c.bold(`== stage 1 kernel log: ${r.liveUpdate.stage1Kernel} ==`));
    print(r.liveUpdate.stage1Log);
    io.out(c.bold(`== Live Update artifact (what stage 1 preserved, at kexec) ==`));
    for (const l of formatArtifact(r.liveUpdate.artifact)) io.out(`  ${l}`);
    io.out(c.bold(`== stage 2 kernel log: ${r.scenario} on ${r.kernel}${r.liveUpdate.cmdline ? ` (${r.liveUpdate.cmdline})` : ''} ==`));
  } else io.out(c.bold(`== host kernel log: ${r.scenario} on ${r.kernel} ==`));
  print(r.host);
  // scenarios whose verdict is a guest driver's probe have a guest log
  if (findScenario(r.scenario).verdict === 'guest-ddbridge') {
    io.out(c.bold(`== guest kernel log ==`));
    print(r.guest);
  }
  io.out(c.bold(`== findings (the simulator's observations, not kernel output) ==`));
  const findings = formatFindings(r);
  if (!findings.length) io.out('  none');
  for (const f of findings) io.out(c.magenta(`  ${f}`));
  io.out(c.bold(`== verdict: ${r.verdict} ==`));
  for (const reason of r.reasons) io.out(`  ${reason}`);
  if (r.liveUpdate) io.out(`  (pcirepro audit ${r.scenario} --kernel ${r.kernel} lists every write)`);
  return 0;
}

/** `audit`: the Live Update write audit of stage 2; exit 1 when a write disrupted the path. */
function cmdAudit(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { kernel: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const scenario = oneScenario(positionals, 'audit');
  if (!findScenario(scenario).liveUpdate)
    throw new UsageError(`audit needs a Live Update scenario: ${SCENARIOS.filter((s) => s.liveUpdate).map((s) => s.name).join(', ')}; ${scenario} is not one`);
  const kernel = values.kernel ?? defaultKernel(scenario);
  parseKernel(kernel);
  const r = runScenario(scenario, kernel);
  const a = r.liveUpdate!.audit;
  if (values.json) {
    io.out(JSON.stringify({
      scenario, kernel: r.kernel, stage1Kernel: r.liveUpdate!.stage1Kernel, cmdline: r.liveUpdate!.cmdline,
      preserved: r.liveUpdate!.artifact.preserved.map((p) => ({ bdf: p.bdf, role: p.role, id: p.id })),
      verdict: a.verdict, writes: a.writes, guards: a.guards, divergences: a.divergences, endState: a.endState,
    }, null, 2));
  } else for (const l of formatAudit(r)) io.out(l);
  return a.verdict === 'disrupted' ? 1 : 0;
}

function cmdMatrix(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const names = positionals.length ? positionals : SCENARIOS.map((s) => s.name);
  for (const n of names) findScenario(n);
  const cells = runMatrix(names);
  if (values.json) io.out(JSON.stringify(cells, null, 2));
  else io.out(formatMatrix(cells));
  return 0;
}

function parseOffset(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? parseInt(v, 10) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffc) throw new UsageError(`--offset must be a config space offset such as 0x14, got "${v}"`);
  return n;
}

function parseBdf(v: string | undefined, what = '--device'): string | undefined {
  if (v === undefined) return undefined;
  const m = /^(?:([0-9a-f]{4}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(v);
  if (!m) throw new UsageError(`${what} must be a PCI address such as 0000:07:00.0, got "${v}"`);
  return `${(m[1] ?? '0000').toLowerCase()}:${m[2].toLowerCase()}:${m[3].toLowerCase()}.${m[4]}`;
}

function oneScenario(positionals: string[], cmd: string): string {
  if (positionals.length !== 1) throw new UsageError(`${cmd} takes exactly one scenario`);
  findScenario(positionals[0]);
  return positionals[0];
}

function cmdTrace(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { kernel: { type: 'string' }, device: { type: 'string' }, offset: { type: 'string' }, writes: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  });
  const scenario = oneScenario(positionals, 'trace');
  const kernel = values.kernel ?? defaultKernel(scenario);
  parseKernel(kernel);
  const filter = { device: parseBdf(values.device), offset: parseOffset(values.offset), writes: values.writes };
  const r = runScenario(scenario, kernel);
  if (values.json) io.out(JSON.stringify(filterTrace(r.trace!, filter), null, 2));
  else for (const l of formatTrace(r.trace!, filter)) io.out(l);
  return 0;
}

function cmdExplain(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { kernel: { type: 'string' }, device: { type: 'string' }, offset: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const scenario = oneScenario(positionals, 'explain');
  const kernel = values.kernel ?? defaultKernel(scenario);
  parseKernel(kernel);
  const device = parseBdf(values.device);
  const offset = parseOffset(values.offset);
  if (!device || offset === undefined) throw new UsageError('explain needs --device BDF and --offset OFF');
  const r = runScenario(scenario, kernel);
  if (!r.kernelState.devices.some((d) => d.name() === device))
    throw new UsageError(`no device ${device} in ${scenario}: expected one of ${r.kernelState.devices.map((d) => d.name()).join(', ')}`);
  const lines = explainRegister(r, { device, offset });
  if (values.json) io.out(JSON.stringify({ scenario, kernel: r.kernel, device, offset: '0x' + offset.toString(16), lines }, null, 2));
  else for (const l of lines) io.out(l);
  return 0;
}

function cmdDiff(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { kernel: { type: 'string', multiple: true }, what: { type: 'string', default: 'log' }, color: { type: 'string', default: 'auto' }, json: { type: 'boolean', default: false } },
  });
  const scenario = oneScenario(positionals, 'diff');
  const kernels = values.kernel ?? [];
  if (kernels.length !== 2) throw new UsageError('diff needs two kernels: --kernel A --kernel B');
  for (const k of kernels) parseKernel(k);
  const what = values.what as DiffWhat;
  if (!['log', 'config', 'trace'].includes(what)) throw new UsageError(`--what must be log, config or trace, got "${what}"`);
  if (!['auto', 'always', 'never'].includes(values.color!)) throw new UsageError(`--color must be auto, always or never, got "${values.color}"`);
  const a = runScenario(scenario, kernels[0], { tracing: what === 'trace' });
  const b = runScenario(scenario, kernels[1], { tracing: what === 'trace' });
  const patch = diffRuns(a, b, what);
  if (values.json) {
    io.out(JSON.stringify({ scenario, a: { kernel: a.kernel, verdict: a.verdict }, b: { kernel: b.kernel, verdict: b.verdict }, what, diff: patch }, null, 2));
    return 0;
  }
  const c = makeChalk(values.color as ColorMode, io.isTty);
  for (const l of patch.replace(/\n$/, '').split('\n')) io.out(colorDiffLine(c, l));
  return 0;
}

function cmdBisect(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { good: { type: 'string' }, bad: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const scenario = oneScenario(positionals, 'bisect');
  if (!values.good || !values.bad) throw new UsageError('bisect needs --good REV and --bad REV');
  const r = bisect(scenario, values.good, values.bad);
  if (values.json) {
    io.out(JSON.stringify({
      scenario, branch: r.branch, good: r.good.id, bad: r.bad.id,
      steps: r.steps.map((s) => ({ id: s.point.id, title: s.point.title, verdict: s.verdict })),
      first: { id: r.first.id, title: r.first.title, upstream: r.first.upstream ?? null }, log: r.log,
    }, null, 2));
  } else for (const l of formatBisect(r)) io.out(l);
  return 0;
}

function cmdReplay(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      kernel: { type: 'string' }, expected: { type: 'string' }, json: { type: 'boolean', default: false },
      timestamps: { type: 'boolean', default: false }, color: { type: 'string', default: 'auto' },
      machine: { type: 'string' }, lspci: { type: 'boolean', default: false }, tree: { type: 'boolean', default: false },
      cmdline: { type: 'string' },
    },
  });
  if (values.machine ? positionals.length !== 0 : positionals.length !== 1)
    throw new UsageError('replay takes one capture input folder, or --machine FILE');
  if (values.cmdline !== undefined && !values.machine) throw new UsageError('--cmdline is for --machine; a capture has its own input/cmdline.txt');
  const kernel = values.kernel ?? (values.machine ? 'v6.12.73' : 'debian-6.1.192');
  parseKernel(kernel);
  const run = values.machine ? replayMachine(values.machine, kernel, false, values.cmdline) : replayCapture(positionals[0], kernel);
  if (values.lspci) {
    io.out(lspciAll(run.machine).replace(/\n$/, ''));
    return 0;
  }
  if (values.tree) {
    for (const l of lspciTree(run.machine)) io.out(l);
    return 0;
  }
  const cmp = values.expected ? compareReplay(run, values.expected) : null;
  if (values.json) {
    const out = cmp ? { lines: cmp.lines, registers: cmp.registers, diff: cmp.diff } : { log: run.lines };
    io.out(JSON.stringify(out, null, 2));
    return 0;
  }
  const c = makeChalk(values.color as ColorMode, io.isTty);
  for (const rec of run.kernel.log.records) if (!rec.dyndbg) io.out(colorRecord(c, rec, values.timestamps!));
  if (cmp) {
    io.out(c.bold(`lines: ${cmp.lines.matched}/${cmp.lines.total} match${cmp.lines.extra ? `, ${cmp.lines.extra} extra` : ''}, registers: ${cmp.registers.matched}/${cmp.registers.total} match`));
    if (cmp.lines.matched < cmp.lines.total || cmp.lines.extra) for (const l of cmp.diff.replace(/\n$/, '').split('\n')) io.out(colorDiffLine(c, l));
    for (const l of cmp.registerDiffs) io.out(l);
  }
  return 0;
}

function cmdImport(argv: string[], io: Io): number {
  const { values } = parseArgs({
    args: argv, allowPositionals: false,
    options: { dmesg: { type: 'string' }, side: { type: 'string' }, lspci: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' }, name: { type: 'string' } },
  });
  if (!values.dmesg && !values.lspci?.length) throw new UsageError('import needs --dmesg FILE and/or --lspci FILE');
  const read = (f: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch {
      throw new ImportError(`Cannot import ${f}: no such file`);
    }
    if (st.size > 64 * 1024 * 1024) throw new ImportError(`Cannot import ${f}: ${st.size} bytes is more than the 64 MiB an input may have`);
    return fs.readFileSync(f, 'utf8');
  };
  const name = values.name ?? (values.output ? path.basename(values.output, '.yaml') : 'imported');
  if (!/^[a-z0-9-]+$/.test(name)) throw new UsageError(`machine name "${name}" must be lower-case letters, digits and "-"`);
  if (values.side !== undefined && values.side !== 'old' && values.side !== 'new') throw new UsageError(`--side must be old or new, got "${values.side}"`);
  if (values.side !== undefined && !values.dmesg) throw new UsageError('--side picks one side of a --dmesg FILE that is a diff of two logs');
  const dmesg = values.dmesg ? { facts: parseDmesg(read(values.dmesg), values.dmesg, values.side as DiffSide | undefined), name: path.basename(values.dmesg) } : undefined;
  const lspci = (values.lspci ?? []).map((f) => ({ devices: parseLspci(read(f), f), name: path.basename(f) }));
  const raw = importMachine({ dmesg, lspci }, name);
  const text = fixtureYaml(raw, [`Imported by pcirepro from ${[values.dmesg, ...(values.lspci ?? [])].filter(Boolean).join(', ')}.`, 'Each device\'s provenance says where its facts came from; "default" ones are listed in notes.']);
  if (values.output) {
    const m = writeFixture(values.output, text);
    io.err(`pcirepro: wrote ${values.output}: ${m.devices.length} devices, ${m.roots.length} host bridge(s)`);
  } else io.out(text.replace(/\n$/, ''));
  return 0;
}

/** `generate`: a synthetic machine, written as a fixture (validated before anything is written). */
function cmdGenerate(argv: string[], io: Io): number {
  const { values } = parseArgs({
    args: argv, allowPositionals: false,
    options: {
      functions: { type: 'string' }, seed: { type: 'string' }, fanout: { type: 'string' }, 'endpoint-functions': { type: 'string' },
      'sriov-vfs': { type: 'string' }, mistakes: { type: 'string' }, output: { type: 'string', short: 'o' },
    },
  });
  if (values.functions === undefined) throw new UsageError('generate needs --functions N');
  const num = (name: string, v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got "${v}"`);
    return Number(v);
  };
  const spec = {
    functions: num('functions', values.functions, DEFAULT_SPEC.functions),
    seed: num('seed', values.seed, DEFAULT_SPEC.seed),
    fanout: num('fanout', values.fanout, DEFAULT_SPEC.fanout),
    endpointFunctions: num('endpoint-functions', values['endpoint-functions'], DEFAULT_SPEC.endpointFunctions),
    sriovVfs: num('sriov-vfs', values['sriov-vfs'], DEFAULT_SPEC.sriovVfs),
    mistakes: num('mistakes', values.mistakes, DEFAULT_SPEC.mistakes),
  };
  const raw = generateRaw(spec);
  const text = fixtureYaml(raw, ['Generated by pcirepro generate; the layout is [model], the device identities are QEMU models.']);
  if (values.output) {
    const m = writeFixture(values.output, text);
    io.err(`pcirepro: wrote ${values.output}: ${m.devices.length} functions, ${m.roots.length} host bridge(s)`);
  } else io.out(text.replace(/\n$/, ''));
  return 0;
}

/** The README's main job: the matrix, then the log of the reported broken run. */
function cmdRepro(argv: string[], io: Io): number {
  if (argv.length) throw new UsageError('repro takes no arguments');
  io.out(formatMatrix(runMatrix(SCENARIOS.map((s) => s.name))));
  io.out('');
  const scenario = 'x570s-cine-s2-passthrough';
  const kernel = 'v6.12.73';
  const rc = cmdRun([scenario, '--kernel', kernel], io);
  // The pci_dbg() lines that show the stale restore, from the same run (--dyndbg shows them all).
  const r = runScenario(scenario, kernel, { tracing: false });
  const restores = r.host.filter((rec) => rec.dyndbg && rec.id === 'restore_config').map((rec) => rec.text);
  if (restores.length) {
    io.out('');
    io.out(`pci_dbg() restore lines of this run (all debug lines with --dyndbg):`);
    for (const l of restores) io.out(`  ${l}`);
  }
  return rc;
}

export function main(argv: string[], io: Io = defaultIo): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'list':
        return cmdList(io);
      case 'run':
        return cmdRun(rest, io);
      case 'matrix':
        return cmdMatrix(rest, io);
      case 'repro':
        return cmdRepro(rest, io);
      case 'trace':
        return cmdTrace(rest, io);
      case 'explain':
        return cmdExplain(rest, io);
      case 'audit':
        return cmdAudit(rest, io);
      case 'diff':
        return cmdDiff(rest, io);
      case 'bisect':
        return cmdBisect(rest, io);
      case 'replay':
        return cmdReplay(rest, io);
      case 'import':
        return cmdImport(rest, io);
      case 'generate':
        return cmdGenerate(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}": expected list, run, matrix, trace, explain, audit, diff, bisect, replay, import, generate or repro`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof KernelSpecError || e instanceof ScenarioError || e instanceof FixtureError || e instanceof NotModelledError || e instanceof BisectError || e instanceof DumpError || e instanceof ImportError || e instanceof GenerateError) {
      io.err(`pcirepro: ${e.message}`);
      return 2;
    }
    // node:util parseArgs() errors (unknown option, missing value) are user errors too.
    const code = e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`pcirepro: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
}

export { renderLog, watchedConfig, savedStrings };
