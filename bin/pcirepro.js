#!/usr/bin/env node
'use strict';
// Runs the compiled CLI (dist/, built by `npm ci` through the prepare script); in a checkout
// without dist/ it compiles src/ on the fly with esbuild-register (a dev dependency).
const path = require('path');
const fs = require('fs');
const dist = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
let cli;
if (fs.existsSync(dist)) {
  cli = require(dist);
} else {
  require('esbuild-register/dist/node').register({ target: 'node20' });
  cli = require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
// `pcirepro audit … | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = cli.main(process.argv.slice(2));
