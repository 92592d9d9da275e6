#!/usr/bin/env node
'use strict';
// npm run bench: boots of generated machines of about 10, 100, 1,000 and 10,000 functions, with
// and without the access trace, each size in its own process so that its peak memory is its own;
// then the whole scenario matrix. Needs dist/ (built by `npm ci` / `npm run build`).
//
//   BENCH_KERNEL=v6.18 npm run bench       another kernel for the generated machines
//   BENCH_SIZES=10,100 npm run bench       other sizes
const path = require('path');
const fs = require('fs');
const os = require('os');
const { spawnSync } = require('child_process');
const dist = path.join(__dirname, '..', 'dist');
if (!fs.existsSync(path.join(dist, 'scenario', 'run.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const KERNEL = process.env.BENCH_KERNEL || 'v6.17';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** One size, one tracing mode: generate, warm up, then time machine build and boot separately. */
function child(functions, tracing) {
  const { generateMachine } = require(path.join(dist, 'fixture', 'generate.js'));
  const { buildMachine } = require(path.join(dist, 'hw', 'build.js'));
  const { bootKernel } = require(path.join(dist, 'fixture', 'boot.js'));
  const { do_initcalls } = require(path.join(dist, 'kernel', 'init.js'));
  const { parseKernel } = require(path.join(dist, 'kernel', 'releases.js'));
  const m = generateMachine({ functions, seed: 1, fanout: 8, endpointFunctions: 4, sriovVfs: 0, mistakes: 0 });
  const v = parseKernel(KERNEL);
  const iterations = functions >= 10000 ? (tracing ? 2 : 3) : functions >= 1000 ? 7 : functions >= 100 ? 20 : 50;
  const build = [], boot = [];
  let lines = 0;
  for (let i = 0; i <= iterations; i++) {
    const t0 = process.hrtime.bigint();
    const machine = buildMachine(m);
    const t1 = process.hrtime.bigint();
    const k = bootKernel(v, m, machine, m.machine, { tracing });
    do_initcalls(k);
    const b = ms(t1);
    lines = k.log.records.length;
    if (i === 0) continue; // warm-up: JIT
    build.push(Number(t1 - t0) / 1e6);
    boot.push(b);
  }
  return { functions: m.devices.length, build: median(build), boot: median(boot), iterations, lines, rssMiB: process.resourceUsage().maxRSS / 1024 };
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(child(Number(process.argv[3]), process.argv[4] === 'on')));
  process.exit(0);
}

function measureSize(functions, tracing) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', __filename, '--child', String(functions), tracing ? 'on' : 'off'], { encoding: 'utf8', env: process.env });
  if (r.status !== 0) {
    console.error(`bench: the ${functions}-function run failed:\n${r.stderr}`);
    process.exit(1);
  }
  return JSON.parse(r.stdout);
}

const sizes = (process.env.BENCH_SIZES || '10,100,1000,10000').split(',').map(Number);
console.log(`pcirepro bench: node ${process.version}, ${os.cpus().length} cores; generated machines (pcirepro generate --functions N --seed 1) booted on ${KERNEL}, median of several boots after a warm-up`);
console.log('');
console.log('  functions   build ms    boot ms   µs/function   peak RSS  |  trace on: boot ms   µs/function   peak RSS');
const rows = [];
for (const n of sizes) {
  const off = measureSize(n, false);
  const on = measureSize(n, true);
  rows.push({ n, off, on });
  const f = (v, w, d = 1) => v.toFixed(d).padStart(w);
  console.log(`  ${String(off.functions).padStart(9)} ${f(off.build, 10)} ${f(off.boot, 10)} ${f((off.boot * 1000) / off.functions, 13)} ${f(off.rssMiB, 7, 0)} MiB  |  ${f(on.boot, 17)} ${f((on.boot * 1000) / on.functions, 13)} ${f(on.rssMiB, 7, 0)} MiB`);
}
console.log('  (build: constructing the simulated hardware from the fixture; boot: the kernel\'s initcalls)');
console.log('');
const big = rows.find((r) => r.n === 10000), mid = rows.find((r) => r.n === 1000);
if (big && mid) {
  const ratio = (big.off.boot / big.off.functions) / (mid.off.boot / mid.off.functions);
  console.log(`  cost per function, 10,000 vs 1,000 functions: x${ratio.toFixed(2)} (1.00 = linear; above 1.5 would be superlinear)`);
  console.log(`  10,000-function boot, trace off: ${big.off.boot.toFixed(0)} ms; target under 1 s: ${big.off.boot < 1000 ? 'met' : 'NOT met'}`);
}

// The whole scenario matrix, in this process.
const { runScenario } = require(path.join(dist, 'scenario', 'run.js'));
const { SCENARIOS } = require(path.join(dist, 'scenario', 'scenarios.js'));
const cases = [];
for (const s of SCENARIOS) for (const k of s.kernels) cases.push([s.name, k]);
function matrix(tracing) {
  for (const [s, k] of cases) runScenario(s, k, { tracing }); // warm-up
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    for (const [s, k] of cases) runScenario(s, k, { tracing });
    times.push(ms(t0));
  }
  return median(times);
}
const mOff = matrix(false);
const mOn = matrix(true);
console.log(`  scenario matrix (${cases.length} scenario × kernel runs, Live Update runs trace always): ${mOff.toFixed(0)} ms with tracing off, ${mOn.toFixed(0)} ms on; target under 1 s: ${mOff < 1000 ? 'met' : 'NOT met'}`);
