#!/usr/bin/env node
'use strict';
// npm run bench: every scenario × kernel of the matrix, many times, with and without the access
// trace. Prints time per run and peak memory. Needs dist/ (built by `npm ci` / `npm run build`).
const path = require('path');
const fs = require('fs');
const dist = path.join(__dirname, '..', 'dist');
if (!fs.existsSync(path.join(dist, 'scenario', 'run.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { runScenario } = require(path.join(dist, 'scenario', 'run.js'));
const { SCENARIOS } = require(path.join(dist, 'scenario', 'scenarios.js'));

const iterations = Number(process.env.BENCH_ITERATIONS || 20);
const cases = [];
for (const s of SCENARIOS) for (const k of s.kernels) cases.push([s.name, k]);

function measure(tracing) {
  // warm-up: JIT and the fixture cache
  for (const [s, k] of cases) runScenario(s, k, { tracing });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) for (const [s, k] of cases) runScenario(s, k, { tracing });
  const ns = Number(process.hrtime.bigint() - t0);
  return ns / 1e6 / (iterations * cases.length);
}

const without = measure(false);
const withTrace = measure(true);
const rssMiB = process.resourceUsage().maxRSS / 1024;
const fmt = (v) => v.toFixed(2).padStart(8);
console.log(`pcirepro bench: ${cases.length} scenario × kernel runs, ${iterations} iterations each (node ${process.version}, ${require('os').cpus().length} cores)`);
console.log(`  per run, trace off: ${fmt(without)} ms`);
console.log(`  per run, trace on:  ${fmt(withTrace)} ms`);
console.log(`  whole matrix (trace off): ${fmt(without * cases.length)} ms`);
console.log(`  peak RSS: ${rssMiB.toFixed(1)} MiB`);
console.log(`  target: under 20 ms per run — ${without < 20 ? 'met' : 'NOT met'}`);
