// Build the simulated hardware from a machine fixture: for each function, the power-on register
// image with its masks (what the silicon implements), then the firmware's programming on top.
import { ConfigSpace } from './config-space';
import { HostBridge, Machine } from './machine';
import { PciFunction } from './pci-function';
import * as R from './regs';
import type { DeviceFixture, MachineFixture } from '../fixture/schema';
import { pcieTypes, splitBdf } from '../fixture/schema';
import { FixtureError } from '../fixture/load';
import { parseLspciDump } from '../replay/dump';

const PM_STATES = { D0: 0, D1: 1, D2: 2, D3hot: 3, D3cold: 4 } as const;
const PME_BIT = { D0: 0, D1: 1, D2: 2, D3hot: 3, D3cold: 4 } as const;

export function buildMachine(m: MachineFixture): Machine {
  if (m.arch === 's390x') return buildZpciMachine(m);
  const hosts = m.roots.map((r) => {
    const h = new HostBridge(r.acpi, r.domain, r.bus[0], r.bus[1], r.windows.map((w) => ({ ...w })));
    if (r.osc) h.osc = new Set(r.osc);
    return h;
  });
  // Firmware's bus numbers place each device: a root bus, or the secondary bus of a bridge.
  const dom0 = m.roots[0].domain;
  const key = (domain: number, bus: number) => domain * 256 + bus;
  const segments = new Map<number, Map<number, PciFunction>>();
  for (const h of hosts) segments.set(key(h.domain, h.busStart), h.root);
  const fns = m.devices.map((d) => ({ d, at: splitBdf(d.bdf, dom0), fn: buildFunction(d, m.machine) }));
  for (const { at, fn } of fns) fn.fwBdf = `${at.domain.toString(16).padStart(4, '0')}:${at.bus.toString(16).padStart(2, '0')}:${(at.devfn >> 3).toString(16).padStart(2, '0')}.${at.devfn & 7}`;
  for (const { d, at, fn } of fns) if (d.bridge && fn.below) segments.set(key(at.domain, d.bridge.secondary), fn.below);
  const sorted = [...fns].sort((a, b) => key(a.at.domain, a.at.bus) * 256 + a.at.devfn - (key(b.at.domain, b.at.bus) * 256 + b.at.devfn));
  for (const { d, at, fn } of sorted) {
    const seg = segments.get(key(at.domain, at.bus));
    if (!seg) throw new FixtureError(`Cannot build machine ${m.machine}: ${d.bdf} is on a bus no bridge leads to`);
    seg.set(fn.devfn, fn);
  }
  const machine = new Machine(m.machine, hosts, m.pci_mem_start!, m.reserved.map((r) => ({ ...r })), 'x86', m.acpi_devices.map((a) => ({ ...a })));
  machine.irqRemap = m.interrupt_remapping ?? null;
  return machine;
}

/**
 * s390x: firmware hands the LPAR each zPCI function on its own root bus [bus 00], devfn 00.0,
 * the domain being the UID (with UID checking) or the add order; it programs the BARs itself.
 */
function buildZpciMachine(m: MachineFixture): Machine {
  const uidChecking = m.zpci?.uid_checking ?? true;
  const hosts = m.devices.map((d, i) => {
    const h = new HostBridge('', uidChecking ? d.zpci!.uid : i, 0, 0, []);
    h.zpci = {
      fid: d.zpci!.fid, uid: d.zpci!.uid, enabled: true,
      bars: new Map(d.bars.map((b) => [b.index, b.value])),
      barInfo: new Map(d.bars.map((b) => [b.index, { size: b.size, mem64: b.type === 'mem64', prefetch: b.prefetch }])),
    };
    const fn = buildFunction(d, m.machine);
    fn.firmwareImage = fn.config.snapshot();
    h.root.set(0, fn);
    return h;
  });
  return new Machine(m.machine, hosts, 0n, [], 's390x', [], uidChecking);
}


export function buildFunction(d: DeviceFixture, machine: string): PciFunction {
  const fail = (msg: string): never => {
    throw new FixtureError(`Cannot build machine ${machine}: ${d.bdf} ${msg}`);
  };
  const cs = new ConfigSpace(d.pcie ? 4096 : 256);
  const bridge = d.header === 1;

  // Identity: read-only.
  cs.poke(R.PCI_VENDOR_ID, 2, d.id.vendor);
  cs.poke(R.PCI_DEVICE_ID, 2, d.id.device);
  cs.poke(R.PCI_CLASS_REVISION, 4, ((d.class << 8) | d.revision) >>> 0);
  cs.poke(R.PCI_HEADER_TYPE, 1, d.header | (d.multifunction ? R.PCI_HEADER_TYPE_MFD : 0));
  if (!bridge && d.subsystem) {
    cs.poke(R.PCI_SUBSYSTEM_VENDOR_ID, 2, d.subsystem.vendor);
    cs.poke(R.PCI_SUBSYSTEM_ID, 2, d.subsystem.device);
  }

  // COMMAND: decode enables only where the function has something to decode.
  const hasIo = d.bars.some((b) => b.type === 'io') || (bridge && d.bridge!.io_window);
  const hasMem = d.bars.some((b) => b.type !== 'io') || !!d.rom || bridge;
  let cmdMask = R.PCI_COMMAND_MASTER | R.PCI_COMMAND_PARITY | R.PCI_COMMAND_SERR | R.PCI_COMMAND_INTX_DISABLE;
  if (hasIo) cmdMask |= R.PCI_COMMAND_IO;
  if (hasMem) cmdMask |= R.PCI_COMMAND_MEMORY;
  cs.setRw(R.PCI_COMMAND, 2, cmdMask);
  cs.setW1c(R.PCI_STATUS, 2, R.PCI_STATUS_ERROR_BITS);
  cs.setRw(R.PCI_CACHE_LINE_SIZE, 1, 0xff);
  cs.setRw(R.PCI_INTERRUPT_LINE, 1, 0xff);
  cs.poke(R.PCI_INTERRUPT_PIN, 1, d.interrupt_pin);

  // BARs: the read-write mask is the size; type bits are read-only.
  for (const b of d.bars) {
    const reg = R.PCI_BASE_ADDRESS_0 + 4 * b.index;
    if (b.type === 'io') {
      cs.setRw(reg, 4, Number(~(b.size - 1n) & 0xfffffffcn));
      cs.poke(reg, 4, R.PCI_BASE_ADDRESS_SPACE_IO);
      continue;
    }
    const typeBits =
      (b.type === 'mem64' ? R.PCI_BASE_ADDRESS_MEM_TYPE_64 : b.type === 'mem1m' ? R.PCI_BASE_ADDRESS_MEM_TYPE_1M : 0) |
      (b.prefetch ? R.PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
    const mask = ~(b.size - 1n) & 0xffffffffffffffffn;
    cs.setRw(reg, 4, Number(mask & 0xfffffff0n));
    cs.poke(reg, 4, typeBits);
    if (b.type === 'mem64') cs.setRw(reg + 4, 4, Number(mask >> 32n));
  }
  if (d.rom) {
    const reg = bridge ? R.PCI_ROM_ADDRESS1 : R.PCI_ROM_ADDRESS;
    cs.setRw(reg, 4, (Number(~(d.rom.size - 1n) & 0xffffffffn) & R.PCI_ROM_ADDRESS_MASK) | R.PCI_ROM_ADDRESS_ENABLE);
  }

  if (bridge) {
    const br = d.bridge!;
    cs.setRw(R.PCI_PRIMARY_BUS, 1, 0xff);
    cs.setRw(R.PCI_SECONDARY_BUS, 1, 0xff);
    cs.setRw(R.PCI_SUBORDINATE_BUS, 1, 0xff);
    if (br.io_window) {
      const type = br.io_32bit ? R.PCI_IO_RANGE_TYPE_32 : 0;
      cs.poke(R.PCI_IO_BASE, 1, type);
      cs.poke(R.PCI_IO_LIMIT, 1, type);
      cs.setRw(R.PCI_IO_BASE, 2, 0xf0f0);
      if (br.io_32bit) cs.setRw(R.PCI_IO_BASE_UPPER16, 4, 0xffffffff);
    }
    cs.setW1c(R.PCI_SEC_STATUS, 2, R.PCI_STATUS_ERROR_BITS);
    cs.setRw(R.PCI_MEMORY_BASE, 4, 0xfff0fff0);
    if (br.pref_window !== 'none') {
      const type = br.pref_window === '64bit' ? R.PCI_PREF_RANGE_TYPE_64 : 0;
      cs.poke(R.PCI_PREF_MEMORY_BASE, 2, type);
      cs.poke(R.PCI_PREF_MEMORY_LIMIT, 2, type);
      cs.setRw(R.PCI_PREF_MEMORY_BASE, 4, 0xfff0fff0);
      if (br.pref_window === '64bit') {
        cs.setRw(R.PCI_PREF_BASE_UPPER32, 4, 0xffffffff);
        cs.setRw(R.PCI_PREF_LIMIT_UPPER32, 4, 0xffffffff);
      }
    }
    // Bridge Control: parity, SERR, ISA, VGA, VGA16, secondary bus reset. Master Abort Mode is
    // hardwired to 0 on PCIe bridges (PCIe r6.0 §7.5.1.3.13).
    cs.setRw(R.PCI_BRIDGE_CONTROL, 2, d.pcie ? 0x005f : 0x007f);
  }

  // Capabilities, chained in offset order from 0x34.
  const caps: Array<{ at: number; id: number }> = [];
  if (d.pm) caps.push({ at: d.pm.offset, id: R.PCI_CAP_ID_PM });
  if (d.pcie) caps.push({ at: d.pcie.offset, id: R.PCI_CAP_ID_EXP });
  if (d.msi) caps.push({ at: d.msi.offset, id: R.PCI_CAP_ID_MSI });
  if (d.msix) caps.push({ at: d.msix.offset, id: R.PCI_CAP_ID_MSIX });
  caps.sort((a, b) => a.at - b.at);
  if (caps.length) {
    cs.poke(R.PCI_CAPABILITY_LIST, 1, caps[0].at);
    cs.poke(R.PCI_STATUS, 2, R.PCI_STATUS_CAP_LIST);
  }
  caps.forEach((c, i) => {
    cs.poke(c.at, 1, c.id);
    cs.poke(c.at + 1, 1, i + 1 < caps.length ? caps[i + 1].at : 0);
  });
  let pmCap = 0;
  if (d.pm) {
    pmCap = d.pm.offset;
    let pmc = d.pm.version & R.PCI_PM_CAP_VER_MASK;
    if (d.pm.d1) pmc |= R.PCI_PM_CAP_D1;
    if (d.pm.d2) pmc |= R.PCI_PM_CAP_D2;
    for (const s of d.pm.pme) pmc |= 1 << (R.PCI_PM_CAP_PME_SHIFT + PME_BIT[s]);
    cs.poke(pmCap + R.PCI_PM_PMC, 2, pmc);
    cs.poke(pmCap + R.PCI_PM_CTRL, 2, d.pm.no_soft_reset ? R.PCI_PM_CTRL_NO_SOFT_RESET : 0);
    cs.setRw(pmCap + R.PCI_PM_CTRL, 2, R.PCI_PM_CTRL_STATE_MASK | R.PCI_PM_CTRL_PME_ENABLE);
    cs.setW1c(pmCap + R.PCI_PM_CTRL, 2, R.PCI_PM_CTRL_PME_STATUS);
  }
  if (d.msi) {
    // Message Control: 64-bit and per-vector masking capable, Multiple Message Capable (read-only);
    // MSI Enable and Multiple Message Enable writable. Then address, data and, with per-vector
    // masking, one writable mask bit per vector and the read-only Pending Bits.
    const m = d.msi;
    const at = m.offset;
    const mmc = Math.log2(m.vectors);
    cs.poke(at + R.PCI_MSI_FLAGS, 2, (m.is64 ? R.PCI_MSI_FLAGS_64BIT : 0) | (m.maskable ? R.PCI_MSI_FLAGS_MASKBIT : 0) | (mmc << 1));
    cs.setRw(at + R.PCI_MSI_FLAGS, 2, R.PCI_MSI_FLAGS_ENABLE | R.PCI_MSI_FLAGS_QSIZE);
    cs.setRw(at + R.PCI_MSI_ADDRESS_LO, 4, 0xfffffffc);
    if (m.is64) cs.setRw(at + R.PCI_MSI_ADDRESS_HI, 4, 0xffffffff);
    cs.setRw(at + (m.is64 ? R.PCI_MSI_DATA_64 : R.PCI_MSI_DATA_32), 2, 0xffff);
    if (m.maskable) cs.setRw(at + (m.is64 ? R.PCI_MSI_MASK_64 : R.PCI_MSI_MASK_32), 4, m.vectors === 32 ? 0xffffffff : (1 << m.vectors) - 1);
  }
  if (d.msix) {
    // Message Control: Table Size (N-1, read-only), MSI-X Enable and Function Mask writable.
    const x = d.msix;
    cs.poke(x.offset + R.PCI_MSIX_FLAGS, 2, x.table_size - 1);
    cs.setRw(x.offset + R.PCI_MSIX_FLAGS, 2, R.PCI_MSIX_FLAGS_ENABLE | R.PCI_MSIX_FLAGS_MASKALL);
    cs.poke(x.offset + R.PCI_MSIX_TABLE, 4, (Number(x.table_offset) & ~7) | x.table_bar);
    cs.poke(x.offset + R.PCI_MSIX_PBA, 4, (Number(x.pba_offset) & ~7) | x.pba_bar);
  }
  let pcieCap = 0;
  let pcieType = -1;
  if (d.pcie) {
    const p = d.pcie;
    pcieCap = p.offset;
    pcieType = pcieTypes[p.type];
    cs.poke(pcieCap + R.PCI_EXP_FLAGS, 2, p.version | (pcieType << 4) | (p.slot ? R.PCI_EXP_FLAGS_SLOT : 0));
    const mpssEnc = Math.log2(p.mpss / 128);
    if (!Number.isInteger(mpssEnc)) fail(`pcie.mpss must be 128, 256, … 4096, got ${p.mpss}`);
    let devcap = mpssEnc;
    if (p.ext_tag) devcap |= R.PCI_EXP_DEVCAP_EXT_TAG;
    if (p.flr) devcap |= R.PCI_EXP_DEVCAP_FLR;
    cs.poke(pcieCap + R.PCI_EXP_DEVCAP, 4, devcap >>> 0);
    cs.setRw(pcieCap + R.PCI_EXP_DEVCTL, 2, p.flr ? 0xffff : 0x7fff);
    cs.setW1c(pcieCap + R.PCI_EXP_DEVSTA, 2, 0x000f);
    cs.setRw(pcieCap + R.PCI_EXP_LNKCTL, 2, 0x0fff);
    if (p.lbnc) cs.poke(pcieCap + R.PCI_EXP_LNKCAP, 4, R.PCI_EXP_LNKCAP_LBNC);
    cs.setW1c(pcieCap + R.PCI_EXP_LNKSTA, 2, R.PCI_EXP_LNKSTA_LBMS | R.PCI_EXP_LNKSTA_LABS);
    if (p.slot) {
      cs.poke(pcieCap + R.PCI_EXP_SLTCAP, 4, p.hotplug ? R.PCI_EXP_SLTCAP_HPC : 0);
      cs.setRw(pcieCap + R.PCI_EXP_SLTCTL, 2, 0x1fff);
      cs.setW1c(pcieCap + R.PCI_EXP_SLTSTA, 2, 0x011f);
    }
    if (pcieType === R.PCI_EXP_TYPE_ROOT_PORT) cs.setRw(pcieCap + R.PCI_EXP_RTCTL, 2, 0x001f);
    if (p.version >= 2) {
      cs.setRw(pcieCap + R.PCI_EXP_DEVCTL2, 2, 0x07ff);
      cs.setRw(pcieCap + R.PCI_EXP_LNKCTL2, 2, 0xffff);
    }
    // Extended capabilities from 0x100 (a PCIe function with none reads 0 there).
    const ext = [...d.ext_caps, ...(d.sriov ? [{ offset: d.sriov.offset, id: R.PCI_EXT_CAP_ID_SRIOV, version: 1 }] : [])].sort((a, b) => a.offset - b.offset);
    ext.forEach((c, i) => {
      const next = i + 1 < ext.length ? ext[i + 1].offset : 0;
      cs.poke(c.offset, 4, (c.id | (c.version << 16) | (next << 20)) >>> 0);
    });
    if (d.sriov) buildSriov(cs, d.sriov);
  }

  // The power-on image: everything the firmware has not touched yet.
  const resetImage = cs.snapshot();

  // Firmware programming. Writes go through the masks, as firmware's own writes would.
  for (const b of d.bars) {
    const reg = R.PCI_BASE_ADDRESS_0 + 4 * b.index;
    cs.write(reg, 4, Number(b.value & 0xffffffffn));
    if (b.type === 'mem64') cs.write(reg + 4, 4, Number(b.value >> 32n));
    const back = BigInt(cs.read(reg, 4)) | (b.type === 'mem64' ? BigInt(cs.read(reg + 4, 4)) << 32n : 0n);
    const typeMask = b.type === 'io' ? 0x3n : 0xfn;
    if ((back & ~typeMask) !== (b.value & ~typeMask))
      fail(`BAR ${b.index} value 0x${b.value.toString(16)} is not aligned to its size 0x${b.size.toString(16)}`);
  }
  if (d.rom) {
    const reg = bridge ? R.PCI_ROM_ADDRESS1 : R.PCI_ROM_ADDRESS;
    cs.write(reg, 4, Number(d.rom.value & 0xfffff800n) | (d.rom.enabled ? 1 : 0));
  }
  if (bridge) {
    const br = d.bridge!;
    cs.write(R.PCI_PRIMARY_BUS, 1, br.primary);
    cs.write(R.PCI_SECONDARY_BUS, 1, br.secondary);
    cs.write(R.PCI_SUBORDINATE_BUS, 1, br.subordinate);
    if (br.io) {
      if (!br.io_window) fail('bridge.io is set but the bridge implements no I/O window');
      cs.write(R.PCI_IO_BASE, 1, Number((br.io.base >> 8n) & 0xf0n));
      cs.write(R.PCI_IO_LIMIT, 1, Number((br.io.limit >> 8n) & 0xf0n));
      if (br.io_32bit) {
        cs.write(R.PCI_IO_BASE_UPPER16, 2, Number(br.io.base >> 16n));
        cs.write(R.PCI_IO_LIMIT_UPPER16, 2, Number(br.io.limit >> 16n));
      }
    } else if (br.io_window) {
      cs.write(R.PCI_IO_BASE, 2, 0x00f0); // base > limit: disabled
    }
    if (br.mem) cs.write(R.PCI_MEMORY_BASE, 4, Number(((br.mem.base >> 16n) & 0xfff0n) | (br.mem.limit & 0xfff00000n)));
    else cs.write(R.PCI_MEMORY_BASE, 4, 0x0000fff0);
    if (br.pref) {
      if (br.pref_window === 'none') fail('bridge.pref is set but the bridge implements no prefetchable window');
      cs.write(R.PCI_PREF_MEMORY_BASE, 4, Number(((br.pref.base >> 16n) & 0xfff0n) | (br.pref.limit & 0xfff00000n)));
      cs.write(R.PCI_PREF_BASE_UPPER32, 4, Number(br.pref.base >> 32n));
      cs.write(R.PCI_PREF_LIMIT_UPPER32, 4, Number(br.pref.limit >> 32n));
    } else if (br.pref_window !== 'none') {
      cs.write(R.PCI_PREF_MEMORY_BASE, 4, 0x0000fff0);
    }
    cs.write(R.PCI_BRIDGE_CONTROL, 2, br.control);
  }
  if (d.sriov) {
    const sv = d.sriov;
    for (const b of sv.bars) {
      const reg = sv.offset + R.PCI_SRIOV_BAR + 4 * b.index;
      cs.write(reg, 4, Number(b.value & 0xffffffffn));
      if (b.type === 'mem64') cs.write(reg + 4, 4, Number(b.value >> 32n));
      const back = BigInt((cs.read(reg, 4) & ~0xf) >>> 0) | (b.type === 'mem64' ? BigInt(cs.read(reg + 4, 4)) << 32n : 0n);
      if (back !== (b.value & ~0xfn)) fail(`sriov VF BAR ${b.index} value 0x${b.value.toString(16)} is not aligned to its size 0x${b.size.toString(16)}`);
    }
    cs.write(sv.offset + R.PCI_SRIOV_CTRL, 2, sv.ctrl);
  }
  cs.write(R.PCI_COMMAND, 2, d.command);
  cs.poke(R.PCI_STATUS, 2, cs.read(R.PCI_STATUS, 2) | d.status);
  cs.write(R.PCI_CACHE_LINE_SIZE, 1, d.cache_line_size);
  cs.write(R.PCI_INTERRUPT_LINE, 1, d.interrupt_line);
  if (d.pm) cs.write(pmCap + R.PCI_PM_CTRL, 2, PM_STATES[d.pm.state] & 3);
  if (d.pcie) {
    const mpsEnc = Math.log2(d.pcie.mps / 128);
    if (!Number.isInteger(mpsEnc) || d.pcie.mps > d.pcie.mpss) fail(`pcie.mps must be a power of two from 128 to mpss, got ${d.pcie.mps}`);
    cs.write(pcieCap + R.PCI_EXP_DEVCTL, 2, (mpsEnc << 5) | (d.pcie.ext_tag_enabled ? R.PCI_EXP_DEVCTL_EXT_TAG : 0) | (2 << 12));
  }

  // Exact header dwords where a real dump or log gives them: they must agree with the identity
  // derived above (read-only registers cannot differ), and they win for everything writable.
  if (d.header_dwords) {
    for (const [k, v] of Object.entries(d.header_dwords)) {
      const off = Number(k);
      if (!Number.isInteger(off) || off < 0 || off > 0x3c || off % 4) fail(`header_dwords key ${k} must be a dword offset 0x00..0x3c`);
      const value = Number(v & 0xffffffffn);
      const derived = cs.read(off, 4);
      const ro = ~cs.mask(off, 4) & ~(cs.w1c[off] | (cs.w1c[off + 1] << 8) | (cs.w1c[off + 2] << 16) | (cs.w1c[off + 3] << 24));
      if (((value ^ derived) & ro) >>> 0 !== 0)
        fail(`header_dwords ${hex8(off)} = ${hex8(value)} disagrees with the read-only bits derived from the other fields (${hex8(derived)})`);
      cs.poke(off, 4, value);
    }
  }

  // A whole dumped configuration space wins over everything derived (imported lspci dumps).
  if (d.config_hex) {
    const rows = parseLspciDump(`00:00.0 config\n${d.config_hex.trim()}\n`, `${machine} ${d.bdf} config_hex`);
    const dump = rows[0];
    if (dump) cs.data.set(dump.bytes.subarray(0, Math.min(dump.len, cs.size)));
  }

  const mmio = d.mmio
    ? { bar: d.mmio.bar, registers: new Map(Object.entries(d.mmio.registers).map(([k, v]) => [Number(k), Number(v & 0xffffffffn)])) }
    : null;
  const fn = new PciFunction(splitBdf(d.bdf).devfn, cs, d.name ?? `${d.id.vendor.toString(16)}:${d.id.device.toString(16)}`, mmio);
  fn.resetImage = resetImage;
  fn.pmCap = pmCap;
  fn.pcieCap = pcieCap;
  fn.pcieType = pcieType;
  return fn;
}

/**
 * The SR-IOV capability's registers (PCIe r6.0 §9.3.3): Control, NumVFs, System Page Size and the
 * VF BARs are writable; the rest is what the device reports. A VF BAR's writable bits are its
 * address bits above the per-VF size, like a BAR's.
 */
function buildSriov(cs: ConfigSpace, sv: NonNullable<DeviceFixture['sriov']>): void {
  const at = sv.offset;
  cs.setRw(at + R.PCI_SRIOV_CTRL, 2, R.PCI_SRIOV_CTRL_VFE | R.PCI_SRIOV_CTRL_VFM | R.PCI_SRIOV_CTRL_INTR | R.PCI_SRIOV_CTRL_MSE | R.PCI_SRIOV_CTRL_ARI);
  cs.poke(at + R.PCI_SRIOV_INITIAL_VF, 2, sv.initial_vfs ?? sv.total_vfs);
  cs.poke(at + R.PCI_SRIOV_TOTAL_VF, 2, sv.total_vfs);
  cs.setRw(at + R.PCI_SRIOV_NUM_VF, 2, 0xffff);
  cs.poke(at + R.PCI_SRIOV_VF_OFFSET, 2, sv.vf_offset);
  cs.poke(at + R.PCI_SRIOV_VF_STRIDE, 2, sv.vf_stride);
  cs.poke(at + R.PCI_SRIOV_VF_DID, 2, sv.vf_device);
  cs.poke(at + R.PCI_SRIOV_SUP_PGSIZE, 4, sv.supported_page_sizes);
  cs.setRw(at + R.PCI_SRIOV_SYS_PGSIZE, 4, sv.supported_page_sizes);
  cs.poke(at + R.PCI_SRIOV_SYS_PGSIZE, 4, 1); // 4 KiB after reset
  for (const b of sv.bars) {
    const reg = at + R.PCI_SRIOV_BAR + 4 * b.index;
    const mask = ~(b.size - 1n) & 0xffffffffffffffffn;
    cs.setRw(reg, 4, Number(mask & 0xfffffff0n));
    cs.poke(reg, 4, (b.type === 'mem64' ? R.PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) | (b.prefetch ? R.PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
    if (b.type === 'mem64') cs.setRw(reg + 4, 4, Number(mask >> 32n));
  }
}

function hex8(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}
