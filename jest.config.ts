/** @jest-config-loader esbuild-register */
// Node 20 cannot strip types itself, and ts-node costs seconds per run (spec/peers-and-tooling.md
// §3f): esbuild-register loads this file in milliseconds.
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  // The snapshot folder must be a root: Jest finds obsolete snapshot files only under its roots
  // (§3b), and an obsolete snapshot has to fail the run.
  roots: ['<rootDir>/tests', '<rootDir>/src', '<rootDir>/__snapshots__'],
  testMatch: ['**/tests/**/*.test.ts'],
  snapshotResolver: '<rootDir>/snapshotResolver.ts',
  snapshotSerializers: ['<rootDir>/tests/raw-text-serializer.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

export default config;
