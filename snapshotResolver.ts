// Snapshots live in one top-level __snapshots__/ folder that mirrors the test tree, so a reviewer
// reads every locked log in one place: tests/x570s.test.ts <-> __snapshots__/tests/x570s.test.ts.snap
import * as path from 'path';

const root = __dirname;
const snapshotDir = path.join(root, '__snapshots__');

export = {
  resolveSnapshotPath: (testPath: string, ext: string): string =>
    path.join(snapshotDir, path.relative(root, testPath) + ext),
  resolveTestPath: (snapshotPath: string, ext: string): string =>
    path.join(root, path.relative(snapshotDir, snapshotPath).slice(0, -ext.length)),
  testPathForConsistencyCheck: path.join(root, 'tests', 'example.test.ts'),
};
