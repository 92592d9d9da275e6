// Colour for the terminal only, in the manner of `dmesg --color` (util-linux): timestamp green,
// the "subsystem" prefix up to the first ": " yellow, errors red, warnings bold.
import chalk from 'chalk';
import type { LogRecord } from '../printk/log';
import { formatTimestamp } from '../printk/log';

export type ColorMode = 'auto' | 'always' | 'never';

export function makeChalk(mode: ColorMode, isTty: boolean): chalk.Chalk {
  const level = mode === 'never' ? 0 : mode === 'always' ? Math.max(1, chalk.level) : isTty ? chalk.level || 1 : 0;
  return new chalk.Instance({ level: level as 0 | 1 | 2 | 3 });
}

export function colorRecord(c: chalk.Chalk, r: LogRecord, timestamps: boolean): string {
  const ts = timestamps ? c.green(formatTimestamp(r.usec).trimEnd()) + ' ' : '';
  const i = r.text.indexOf(': ');
  const prefix = i > 0 && !r.text.startsWith('PCI') && !r.text.startsWith('ACPI') ? r.text.slice(0, i + 1) : '';
  const rest = prefix ? r.text.slice(prefix.length) : r.text;
  const body = r.level <= 3 ? c.red(rest) : r.level === 4 ? c.bold(rest) : rest;
  return ts + (prefix ? c.yellow(prefix) : '') + body;
}

export function colorDiffLine(c: chalk.Chalk, line: string): string {
  if (line.startsWith('+') && !line.startsWith('+++')) return c.green(line);
  if (line.startsWith('-') && !line.startsWith('---')) return c.red(line);
  if (line.startsWith('@@')) return c.cyan(line);
  return line;
}
