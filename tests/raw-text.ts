// Snapshot raw text, not JSON-escaped strings: a reviewer reads the locked kernel log and
// register dumps line by line in __snapshots__/ (spec/peers-and-tooling.md §3c).
export class RawText {
  constructor(readonly text: string) {}
}

export const raw = (lines: string | string[]): RawText => new RawText(Array.isArray(lines) ? lines.join('\n') : lines);
