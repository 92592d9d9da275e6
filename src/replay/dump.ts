// Reading `lspci -x/-xxx/-xxxx` hex dumps by pciutils' rules (lib/dump.c dump_init(),
// spec/peers-and-tooling.md §2.2): what `lspci -F FILE` accepts, this accepts; what it rejects,
// this rejects with the file and line.

export class DumpError extends Error {
  override name = 'DumpError';
}

export interface DumpDevice {
  domain: number;
  bus: number;
  dev: number;
  func: number;
  /** the text after the address on the header line */
  header: string;
  /** config bytes; bytes never written read 0xff, as in pciutils */
  bytes: Uint8Array;
  /** highest byte written + 1 (pciutils' dd->len) */
  len: number;
  /** 1-based line of the header */
  line: number;
}

const HEADER = /^(?:([0-9a-fA-F]{4,6}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-9a-fA-F]) /;
const DATA = /^([0-9a-fA-F]{2,8}): /;

export interface DumpOptions {
  /**
   * Bug-report mode (the importer): a line longer than pciutils' 253 characters that is neither a
   * device header nor a data row (a mail header, a wrapped log line) is skipped instead of being
   * fatal, and a missing final newline is accepted. `lspci -F` itself would refuse such files.
   */
  lenient?: boolean;
}

/** Parse a dump; `file` names it in errors. */
export function parseLspciDump(text: string, file: string, opts: DumpOptions = {}): DumpDevice[] {
  const devices: DumpDevice[] = [];
  let cur: DumpDevice | null = null;
  const lines = text.split('\n');
  // fgets() into a 256-byte buffer: an unterminated last line is an error (unless empty).
  const last = lines.length - 1;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const no = i + 1;
    if (i === last) {
      if (line === '') break;
      if (!opts.lenient) throw new DumpError(`Cannot read dump ${file}:${no}: dump: line too long or unterminated`);
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length > 253) {
      if (!opts.lenient || HEADER.test(line) || (cur && DATA.test(line))) throw new DumpError(`Cannot read dump ${file}:${no}: dump: line too long or unterminated`);
      continue;
    }
    const h = HEADER.exec(line);
    if (h) {
      cur = {
        domain: h[1] ? parseInt(h[1], 16) : 0,
        bus: parseInt(h[2], 16),
        dev: parseInt(h[3], 16),
        func: parseInt(h[4], 10),
        header: line.slice(h[0].length),
        bytes: new Uint8Array(256).fill(0xff),
        len: 0,
        line: no,
      };
      if (!Number.isFinite(cur.func) || cur.func > 7 || cur.dev > 0x1f)
        throw new DumpError(`Cannot read dump ${file}:${no}: dump: invalid device address "${h[0].trim()}"`);
      devices.push(cur);
      continue;
    }
    if (line === '') {
      cur = null;
      continue;
    }
    const d = cur ? DATA.exec(line) : null;
    if (!d || !cur) continue; // every other line is ignored, as lspci does
    let pos = parseInt(d[1], 16);
    let rest = line.slice(d[0].length);
    if (rest.endsWith(' ')) rest = rest.slice(0, -1); // one trailing space is tolerated
    const parts = rest.length ? rest.split(' ') : [];
    for (const p of parts) {
      if (!/^[0-9a-fA-F]{2}$/.test(p)) throw new DumpError(`Cannot read dump ${file}:${no}: dump: Malformed line`);
      if (pos >= 4096) throw new DumpError(`Cannot read dump ${file}:${no}: dump: At most 4096 bytes of config space are supported`);
      if (pos >= cur.bytes.length) {
        const grown = new Uint8Array(4096).fill(0xff);
        grown.set(cur.bytes);
        cur.bytes = grown;
      }
      cur.bytes[pos++] = parseInt(p, 16);
      if (pos > cur.len) cur.len = pos;
    }
  }
  return devices;
}
