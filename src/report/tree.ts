// `lspci -tv`-style tree (pciutils ls-tree.c): rebuilt from the bus numbers in the bridges'
// registers, as lspci does, one host bridge per top-level bus.
import type { Machine } from '../hw/machine';
import type { PciFunction } from '../hw/pci-function';
import * as R from '../hw/regs';

interface Node {
  fn: PciFunction;
  devfn: number;
  children: Node[] | null;
  sec: number;
  sub: number;
}

const hex = (v: number, d: number) => v.toString(16).padStart(d, '0');

function segmentNodes(seg: Map<number, PciFunction>, bus: number): Node[] {
  const out: Node[] = [];
  for (const [devfn, fn] of seg) {
    const isBridge = (fn.config.data[R.PCI_HEADER_TYPE] & 0x7f) === 1 && fn.config.read(R.PCI_CLASS_REVISION, 4) >>> 24 === 0x06;
    const sec = fn.config.data[R.PCI_SECONDARY_BUS];
    const sub = fn.config.data[R.PCI_SUBORDINATE_BUS];
    out.push({ fn, devfn, sec, sub, children: isBridge && fn.below && sec > bus ? segmentNodes(fn.below, sec) : isBridge ? [] : null });
  }
  return out;
}

/** One device column: "02.0-[03-05]--" for a bridge, "00.0" for a leaf (show_tree_dev). */
function label(n: Node, verbose: boolean): string {
  let s = `${hex(n.devfn >> 3, 2)}.${n.devfn & 7}`;
  if (n.children) {
    if (n.sec === 0) s += '-';
    else if (n.sec === n.sub) s += `-[${hex(n.sec, 2)}]-`;
    else s += `-[${hex(n.sec, 2)}-${hex(n.sub, 2)}]-`;
  } else if (verbose) s += `  ${n.fn.name}`;
  return s;
}

/**
 * show_tree_bus(): "--" for a lone device, "+-" … "\-" for several; a bridge adds one "-"
 * between its label and its bus; continuation lines keep "|" where a list goes on.
 */
function busLines(nodes: Node[], verbose: boolean): string[] {
  const out: string[] = [];
  nodes.forEach((n, i) => {
    const first = nodes.length === 1 ? '--' : i === 0 ? '+-' : i === nodes.length - 1 ? '\\-' : '+-';
    const lab = label(n, verbose) + (n.children ? '-' : '');
    const pad = nodes.length === 1 || i === nodes.length - 1 ? '  ' : '| ';
    if (n.children && n.children.length) {
      const sub = busLines(n.children, verbose);
      out.push(first + lab + sub[0]);
      for (const l of sub.slice(1)) out.push(pad + ' '.repeat(lab.length) + l);
    } else out.push(first + lab);
  });
  return out;
}

export function lspciTree(machine: Machine, verbose = true): string[] {
  const out: string[] = [];
  machine.hosts.forEach((h, i) => {
    const top = `[${hex(h.domain, 4)}:${hex(h.busStart, 2)}]-`;
    const lines = busLines(segmentNodes(h.root, h.busStart), verbose);
    const lead = machine.hosts.length === 1 ? '-' : i === 0 ? '-+-' : i === machine.hosts.length - 1 ? ' \\-' : ' +-';
    const cont = machine.hosts.length === 1 || i === machine.hosts.length - 1 ? ' ' : ' | ';
    out.push(lead + top + lines[0]);
    for (const l of lines.slice(1)) out.push(cont + ' '.repeat(top.length + (machine.hosts.length === 1 ? 0 : 2)) + l);
  });
  return out;
}
