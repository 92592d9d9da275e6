// pcirepro command line. Parses arguments, runs, renders, colours. User errors print one line
// and exit 2; no stack traces for them.
import { parseArgs } from 'node:util';
import { renderLog } from '../printk/log';
import { RELEASES, KernelSpecError, parseKernel } from '../kernel/releases';
import { COMMITS } from '../kernel/commits';
import { SCENARIOS, ScenarioError, findScenario } from '../scenario/scenarios';
import { runScenario } from '../scenario/run';
import { formatMatrix, runMatrix } from '../scenario/matrix';
import { toJson, watchedConfig, savedStrings } from '../report/result';
import { FixtureError } from '../fixture/load';
import { NotModelledError } from '../kernel/setup-bus';
import { ColorMode, colorRecord, makeChalk } from './color';

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

function cmdRun(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kernel: { type: 'string', default: 'v6.12.73' },
      dyndbg: { type: 'boolean', default: false },
      timestamps: { type: 'boolean', default: false },
      color: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('run takes exactly one scenario');
  const color = values.color as string;
  if (!['auto', 'always', 'never'].includes(color)) throw new UsageError(`--color must be auto, always or never, got "${color}"`);
  findScenario(positionals[0]);
  parseKernel(values.kernel!);
  const r = runScenario(positionals[0], values.kernel!);
  if (values.json) {
    io.out(JSON.stringify(toJson(r, { dyndbg: values.dyndbg }), bigintSafe, 2));
    return 0;
  }
  const c = makeChalk(color as ColorMode, io.isTty);
  const print = (records: typeof r.host) => {
    for (const rec of records) if (!rec.dyndbg || values.dyndbg) io.out(colorRecord(c, rec, values.timestamps!));
  };
  io.out(c.bold(`== host kernel log: ${r.scenario} on ${r.kernel} ==`));
  print(r.host);
  io.out(c.bold(`== guest kernel log ==`));
  print(r.guest);
  io.out(c.bold(`== verdict: ${r.verdict} ==`));
  for (const reason of r.reasons) io.out(`  ${reason}`);
  return 0;
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
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}": expected list, run, matrix or repro`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof KernelSpecError || e instanceof ScenarioError || e instanceof FixtureError || e instanceof NotModelledError) {
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
