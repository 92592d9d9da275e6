// lib/vsprintf.c %pR and the number formats the PCI core's strings use (spec kernel-pci.md §A.2).
import { kformat, resourceString } from '../src/printk/format';
import {
  IORESOURCE_BUS, IORESOURCE_IO, IORESOURCE_MEM, IORESOURCE_MEM_64, IORESOURCE_PREFETCH, IORESOURCE_UNSET, IORESOURCE_WINDOW, Resource,
} from '../src/kernel/resource';

const res = (start: bigint, end: bigint, flags: number) => new Resource('', start, end, flags);

describe('%pR', () => {
  it.each([
    [res(0x3f6n, 0x3f6n, IORESOURCE_IO), '[io  0x03f6]'],
    [res(0x1000n, 0xfffn, IORESOURCE_IO), '[io  0x1000-0x0fff]'],
    [res(0n, 0xcf7n, IORESOURCE_IO | IORESOURCE_WINDOW), '[io  0x0000-0x0cf7 window]'],
    [res(0xa0000n, 0xdffffn, IORESOURCE_MEM | IORESOURCE_WINDOW), '[mem 0x000a0000-0x000dffff window]'],
    [res(0n, 0xfffffffn, IORESOURCE_MEM | IORESOURCE_MEM_64 | IORESOURCE_PREFETCH | IORESOURCE_UNSET), '[mem size 0x10000000 64bit pref]'],
    [res(0n, 0xffn, IORESOURCE_IO | IORESOURCE_UNSET), '[io  size 0x0100]'],
    [res(0xfffffffffc500000n, 0xfffffffffc50ffffn, IORESOURCE_MEM | IORESOURCE_MEM_64), '[mem 0xfffffffffc500000-0xfffffffffc50ffff 64bit]'],
    [res(0x280000000n, 0x2800fffffn, IORESOURCE_MEM), '[mem 0x280000000-0x2800fffff]'],
    [res(0n, 0xffn, IORESOURCE_BUS), '[bus 00-ff]'],
    [res(7n, 7n, IORESOURCE_BUS), '[bus 07]'],
  ])('%#', (r, text) => expect(resourceString(r)).toBe(text));

  it('%pr prints the raw flags and never "size"', () => {
    expect(resourceString(res(0n, 0xffffn, IORESOURCE_MEM | IORESOURCE_UNSET), true)).toBe('[mem 0x00000000-0x0000ffff flags 0x20000200]');
  });
});

describe('kformat', () => {
  it.each([
    ['%#08x', [0x48000], '0x048000'],
    ['%#010x', [0], '0x00000000'],
    ['%#04x', [0], '0x00'],
    ['%#04x', [0x3c], '0x3c'],
    ['%04x', [2], '0002'],
    ['%02x', [7], '07'],
    ['%#010llx', [0xfffffffffc500000n], '0xfffffffffc500000'],
    ['%d%%', [5], '5%'],
  ])('%s of %p', (fmt, args, out) => expect(kformat(fmt as string, args as never)).toBe(out));

  it('refuses a format/argument mismatch', () => {
    expect(() => kformat('%s %s', ['a'])).toThrow(/needs more arguments/);
    expect(() => kformat('%s', ['a', 'b'])).toThrow(/takes 1 arguments, got 2/);
  });
});
