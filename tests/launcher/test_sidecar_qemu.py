#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Unit tests of scripts/sidecar-qemu's machine model: the APIC IDs it
derives from QEMU's topology, the QEMU arguments per APIC mode, the limits
it refuses with a reason, and the check of the mode the shim reports.
No QEMU runs: a stand-in prints a version where one is needed."""

import argparse
import os
import stat
import sys
import tempfile
import unittest
from pathlib import Path

# The launcher has no .py suffix; scripts/benchlib.py loads it as a module.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import benchlib  # noqa: E402

sq = benchlib.launcher()
MIB = 1 << 20


def fake_qemu(directory, version_line):
    """An executable that prints `version_line` for --version."""
    path = Path(directory) / "qemu-system-x86_64"
    path.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


class FakeConsole:
    def __init__(self, line):
        self.m = sq.MARKERS["entry_report"].search(line) if line else None

    def match(self, name):
        assert name == "entry_report"
        return self.m


class MachineTests(unittest.TestCase):
    def test_ten_vnodes_of_30_reach_apic_id_317(self):
        m = sq.Machine(300, [30] * 10, 2048 * MIB)
        self.assertEqual((m.sockets, m.cores), (10, 30))
        # socket << ceil(log2(30)) | core
        self.assertEqual(m.apic_ids[30], 32)
        self.assertEqual(m.apic_ids[-1], 9 << 5 | 29)
        self.assertEqual(m.max_apic_id, 317)
        self.assertEqual(sum(1 for a in m.apic_ids if a > 254), 60)  # sockets 8 and 9

    def test_one_vnode_ids_are_vp_indexes(self):
        m = sq.Machine(2048, [2048], 4096 * MIB)
        self.assertEqual(m.apic_ids, list(range(2048)))

    def test_xapic_refuses_ids_above_254(self):
        sq.Machine(255, [255], 512 * MIB, "xapic")  # IDs 0..254
        with self.assertRaisesRegex(sq.UsageError, "highest APIC ID would be 255"):
            sq.Machine(256, [256], 512 * MIB, "xapic")
        with self.assertRaisesRegex(sq.UsageError, "317; xAPIC addresses at most 254"):
            sq.Machine(300, [30] * 10, 2048 * MIB, "xapic")

    def test_qemu_args_per_mode(self):
        x2 = sq.Machine(4, [4], 512 * MIB).qemu_args()
        self.assertIn("q35,smm=off", x2)
        self.assertIn("-nodefaults", x2)
        self.assertEqual(x2[x2.index("-cpu") + 1], "max")
        xa = sq.Machine(4, [4], 512 * MIB, "xapic").qemu_args()
        self.assertEqual(xa[xa.index("-cpu") + 1], "max,x2apic=off")

    def test_iommu_only_for_linux_with_ids_above_254(self):
        iommu = "intel-iommu,intremap=on,eim=on"
        big = sq.Machine(300, [30] * 10, 2048 * MIB)
        self.assertIn(iommu, big.qemu_args(linux=True))
        self.assertNotIn(iommu, big.qemu_args(linux=False))
        # 255 CPUs in one vnode: IDs up to 254, no IOMMU needed.
        self.assertNotIn(iommu, sq.Machine(255, [255], 2048 * MIB).qemu_args(linux=True))
        self.assertIn(iommu, sq.Machine(256, [256], 2048 * MIB).qemu_args(linux=True))


class RunRefusals(unittest.TestCase):
    def opts(self, **kw):
        base = dict(cpus=4, numa=None, mem="512M", apic="x2apic", timeout=10, build="build",
                    linux=None, initrd=None, append=None, guest_mem=None, qemu=None,
                    log=False, exclude_cpus=None, selftest=False, dtb=None,
                    expect_boot_error=None, keep=False)
        base.update(kw)
        return argparse.Namespace(**base)

    def test_cpu_count_limits(self):
        for n in (0, 2049):
            with self.assertRaisesRegex(sq.UsageError, "takes 1 to 2048 CPUs"):
                sq.run(self.opts(cpus=n))

    def test_x2apic_refused_on_qemu_7(self):
        with tempfile.TemporaryDirectory() as d:
            qemu = fake_qemu(d, "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7)")
            # The inputs exist, so the refusal is the QEMU version's.
            for f in (sq.SHIM, sq.SIDECAR):
                (Path(d) / f).parent.mkdir(parents=True, exist_ok=True)
                (Path(d) / f).write_bytes(b"")
            with self.assertRaisesRegex(sq.UsageError, "QEMU 7.2's TCG has no x2APIC"):
                sq.run(self.opts(qemu=qemu, build=d))

    def test_version_parsing(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(sq.qemu_version(fake_qemu(d, "QEMU emulator version 10.0.2")),
                             (10, 0))
            self.assertIsNone(sq.qemu_version(fake_qemu(d, "something else")))
            self.assertIsNone(sq.qemu_version(os.path.join(d, "missing")))


class ModeCheck(unittest.TestCase):
    X2 = ("sidecar_entry(): 93626 us from the shim's view, 48474 us from entry to return "
          "in the kernel's; APs in x2APIC mode")
    XA = "sidecar_entry(): 40566 us from the shim's view, 39671 us from entry to return in the kernel's"

    def check(self, apic, line):
        return sq.apic_mode_mismatch(argparse.Namespace(apic=apic), FakeConsole(line))

    def test_matching_modes_pass(self):
        self.assertIsNone(self.check("x2apic", self.X2))
        self.assertIsNone(self.check("xapic", self.XA))

    def test_other_mode_fails(self):
        self.assertRegex(self.check("x2apic", self.XA), "ran in xapic mode")
        self.assertRegex(self.check("xapic", self.X2), "ran in x2apic mode")

    def test_no_report_is_not_judged_here(self):
        self.assertIsNone(self.check("x2apic", None))


if __name__ == "__main__":
    unittest.main(verbosity=2)
