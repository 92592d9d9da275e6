#!/usr/bin/env node
'use strict';
// The npm registry this project is built against serves only the Linux builds of packages that
// ship per-platform binaries (@swc/core-*, @unrs/resolver-binding-*, @esbuild/*). `npm install`
// therefore leaves the other platforms' optional packages out of package-lock.json, and `npm ci`
// then refuses the lock as "Missing: … from lock file". This adds, for every such optional
// dependency, a lock entry with its os/cpu, so `npm ci` sees the lock in sync and skips them on
// this platform as it would anyway. Run it after any `npm install` that rewrites the lock:
//   npm install && node scripts/lockfile-platform-stubs.js
const fs = require('fs');
const path = require('path');
const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const OS = 'darwin|linux|win32|freebsd|openbsd|netbsd|android|openharmony|sunos|aix';
let added = 0;
for (const entry of Object.values(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies || {})) {
    const key = `node_modules/${dep}`;
    if (pkgs[key]) continue;
    const m = new RegExp(`[-/](${OS})-([a-z0-9]+)`).exec(dep) || /[-/](wasm32)-(wasi)/.exec(dep);
    if (!m) {
      console.error(`lockfile-platform-stubs: cannot tell the platform of ${dep}; add it by hand`);
      process.exitCode = 1;
      continue;
    }
    pkgs[key] = m[1] === 'wasm32' ? { version, optional: true, cpu: ['wasm32'] } : { version, optional: true, os: [m[1]], cpu: [m[2]] };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
lock.packages = sorted;
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lockfile-platform-stubs: ${added} entries added`);
