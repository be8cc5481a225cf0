#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Unit tests of the benchmarks' own machinery (scripts/benchlib.py,
scripts/bench-bringup, scripts/bench-linux-smp), without QEMU: that Linux
booted directly gets the launcher's machine, that a boot which hangs or
never prints is killed with everything it started and reported as not
finished, that the busy core is one pinned process gone afterwards, and
that the figures are read from the shim's and Linux's output as printed."""

import importlib.machinery
import importlib.util
import os
import sys
import time
import unittest
from pathlib import Path

sys.dont_write_bytecode = True
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
sys.path.insert(0, str(SCRIPTS))
import benchlib as bl  # noqa: E402


def load(name):
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), str(SCRIPTS / name))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


bringup = load("bench-bringup")
linux_smp = load("bench-linux-smp")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers signal 0; it is gone as far as CPU time goes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


class DirectLinux(unittest.TestCase):
    def test_same_machine_as_the_launcher(self):
        sq = bl.launcher()
        for cpus in (8, 255):
            cmd = bl.direct_linux_command("qemu", cpus, 1 << 30, "/k", "/i", "console=ttyS0")
            machine = sq.Machine(cpus, [cpus], 1 << 30).qemu_args(linux=True)
            self.assertEqual(cmd[:1 + len(machine)], ["qemu"] + machine)
            self.assertEqual(cmd[-len(sq.CONSOLE_ARGS):], sq.CONSOLE_ARGS)
            self.assertIn("q35,smm=off", cmd)
            self.assertIn("-nodefaults", cmd)
            i = cmd.index("-append")
            self.assertEqual(cmd[i + 1], "console=ttyS0")


class RunBoot(unittest.TestCase):
    def test_a_boot_that_hangs_is_killed_and_reported(self):
        start = time.monotonic()
        boot = bl.run_boot(["sh", "-c", "echo ready; sleep 60"], 1.0, {"r": "ready"})
        self.assertLess(time.monotonic() - start, 20)
        self.assertTrue(boot.timed_out)
        self.assertEqual(boot.failure(), "did not finish in 1 s")
        self.assertIn("r", boot.marks)
        self.assertIn("ready", boot.output)

    def test_a_boot_that_never_prints_is_killed(self):
        start = time.monotonic()
        boot = bl.run_boot(["sleep", "60"], 1.0)
        self.assertLess(time.monotonic() - start, 20)
        self.assertTrue(boot.timed_out)
        self.assertEqual(boot.output, "")

    def test_what_the_boot_started_goes_with_it(self):
        # The launcher runs QEMU as its child: killing the launcher alone
        # would leave QEMU running.
        boot = bl.run_boot(["sh", "-c", "sleep 60 & echo child $!; wait"], 1.0)
        pid = int(boot.output.split()[1])
        for _ in range(100):
            if not alive(pid):
                break
            time.sleep(0.05)
        self.assertFalse(alive(pid), "the boot's child survived the timeout")

    def test_a_finished_boot(self):
        boot = bl.run_boot(["sh", "-c", "echo one; echo two; exit 3"], 30,
                           {"one": "one", "two": "two", "three": "three"})
        self.assertFalse(boot.timed_out)
        self.assertIsNone(boot.failure())
        self.assertEqual(boot.status, 3)
        self.assertEqual(set(boot.marks), {"one", "two"})
        self.assertLessEqual(boot.marks["one"], boot.marks["two"])
        self.assertIsNotNone(boot.cpu)


class BusyCore(unittest.TestCase):
    def test_one_pinned_spinner_for_the_block_only(self):
        with bl.BusyCore() as busy:
            pid = busy.proc.pid
            self.assertTrue(alive(pid))
            self.assertEqual(os.sched_getaffinity(pid), {busy.cpu})
        self.assertFalse(alive(pid))


SHIM_OUTPUT = """sidecar-shim: Sidecar reference boot shim, loaded at [0x100000, 0x187000)
sidecar plan: 64 CPUs in 2 nodes, 3336 KiB reserved, logging off
TSC: {khz} kHz (PIT channel 2 calibration)
calling sidecar_entry(0x1fc000, 0x1fe000) at 0x199000
sidecar_entry() returned true after 45000 us

== bring-up phases (us, over the CPUs that started)
phase                              cpus   median      p90      max        sum
claim -> tables built                62       54      149     2007       8387
ready -> IDLE (starting others)      62     4274     9954    15237     263127

== bring-up per node (TSC at {khz} kHz)
node base_vp vp_count started skipped failed depth    bringup_tsc  bringup_us
   0       0       32      31       1      0     8      100000000       38518
   1      32       32      31       1      0     7       90000000       34667
total bring-up: 100000000 TSC ticks, {us} us (the slowest node); max fan-out depth 8
sidecar-shim: done
"""


def shim_boot(khz, us):
    boot = bl.Boot()
    boot.output = SHIM_OUTPUT.format(khz=khz, us=us)
    boot.status = 0
    boot.wall, boot.cpu, boot.maxrss_kib = 2.0, 1.0, 100 * 1024
    boot.marks = {"shim": 0.5}
    return boot


class BenchBringup(unittest.TestCase):
    def test_figures_from_the_report(self):
        run = bringup.Run(shim_boot(2596000, 38520), None)
        self.assertIsNone(run.error)
        self.assertEqual((run.ticks, run.shim_us, run.depth), (100000000, 38520, 8))
        self.assertEqual((run.nodes, run.kib, run.shim_khz), (2, 3336, 2596000))
        phases = run.phases["bring-up phases (us, over the CPUs that started)"]
        self.assertEqual(phases["claim -> tables built"]["median"], 54)
        self.assertEqual(phases["ready -> IDLE (starting others)"]["sum"], 263127)

    def test_no_phase_section_is_no_phases(self):
        text = SHIM_OUTPUT.replace("== bring-up phases", "== something else")
        self.assertEqual(bringup.phases(text), {})

    def test_a_wrong_calibration_does_not_make_the_figure(self):
        # The shim's PIT calibration under a loaded host: 6.4 times too high.
        good = [bringup.Run(shim_boot(2596000, 38520), None) for _ in range(2)]
        bad = bringup.Run(shim_boot(16592840, 6026), None)
        khz, off = bringup.convert(good + [bad], None)
        self.assertEqual(khz, 2596000)
        self.assertEqual(off, [16592840])
        self.assertEqual({r.us for r in good + [bad]}, {100000000 * 1000 // 2596000})
        khz, off = bringup.convert(good, 2000000)
        self.assertEqual(good[0].us, 50000)

    def test_a_failed_boot_is_an_error_not_a_figure(self):
        boot = shim_boot(2596000, 38520)
        boot.status = 1
        self.assertIn("exited with status 1", bringup.Run(boot, None).error)
        boot = bl.Boot()
        boot.timed_out, boot.timeout, boot.status = True, 300, -9
        self.assertEqual(bringup.Run(boot, None).error, "did not finish in 300 s")

    def test_depth_bound_is_the_kernels(self):
        runs = [bringup.Run(shim_boot(2596000, 38520), None)]
        bringup.convert(runs, None)
        _, row = bringup.summary(64, runs, 1)
        self.assertEqual(row[6:8], ["8", "9"])
        _, row = bringup.summary(32, runs, 1)  # floor(log2 32) + 3 = 8
        self.assertEqual(row[7], "8")
        _, row = bringup.summary(16, runs, 1)
        self.assertEqual(row[7], "7 (over)")


LINUX_ALL = """[    0.000000] Linux version 6.12.118+deb12-amd64
[    0.036000] tsc: Detected 2596.000 MHz processor
[    3.386339] smp: Bringing up secondary CPUs ...
[    5.386339] smp: Brought up 1 node, 64 CPUs
SIDECAR-INIT: started at 7.50 s of kernel uptime
init: MemTotal:         986848 kB
init: MemFree:          900000 kB
SIDECAR-LINUX: PASS
"""


class BenchLinuxSmp(unittest.TestCase):
    def boot(self, text, marks):
        boot = bl.Boot()
        boot.output, boot.status, boot.marks = text, 33, marks
        boot.wall, boot.cpu, boot.maxrss_kib = 30.0, 20.0, 1024
        return boot

    def test_linux_bringing_up_its_aps(self):
        res = linux_smp.parse("linux-all", self.boot(LINUX_ALL, {
            "smp_start": 10.0, "smp_done": 70.0, "init": 90.0}))
        self.assertAlmostEqual(res["bringup_s"], 2.0)
        self.assertEqual(res["aps"], 63)
        self.assertAlmostEqual(res["bringup_host"], 60.0)
        self.assertEqual((res["init_guest"], res["init_host"]), (7.5, 90.0))
        self.assertEqual(res["memfree"], 900000)

    def test_sidecar_times_at_linuxs_tsc_frequency(self):
        # The shim calibrated 2x too high: its microseconds are half the
        # truth; Linux measured the TSC in the same boot.
        text = SHIM_OUTPUT.format(khz=5192000, us=19259) + LINUX_ALL.replace(
            "[    3.386339] smp: Bringing up secondary CPUs ...\n", "").replace(
            "[    5.386339] smp: Brought up 1 node, 64 CPUs\n", "")
        res = linux_smp.parse("sidecar", self.boot(text, {
            "qemu": 0.5, "sidecar_start": 2.0, "sidecar_done": 2.1, "init": 10.5}))
        self.assertAlmostEqual(res["bringup_s"], 0.038518, places=5)
        self.assertEqual(res["aps"], 62)
        self.assertEqual(res["init_host"], 10.0)
        self.assertAlmostEqual(res["init_guest"], 7.5 + 0.09, places=5)
        self.assertEqual(res["kib_reserved"], 3336)

    def test_a_boot_that_did_not_finish(self):
        boot = self.boot(LINUX_ALL[:120], {"linux": 5.0, "smp_start": 15.0})
        boot.timed_out, boot.timeout = True, 600
        res = linux_smp.parse("linux-all", boot)
        self.assertEqual(res["error"], "did not finish in 600 s (Linux was in its AP bring-up; "
                         "last mark at 15 s)")

    def test_a_boot_killed_after_its_bring_up_keeps_that_figure(self):
        text = LINUX_ALL[:LINUX_ALL.index("SIDECAR-INIT")]
        boot = self.boot(text, {"linux": 5.0, "smp_start": 15.0, "smp_done": 290.0})
        boot.timed_out, boot.timeout = True, 900
        res = linux_smp.parse("linux-all", boot)
        self.assertIn("did not finish in 900 s (Linux did not reach /init", res["error"])
        self.assertAlmostEqual(res["bringup_s"], 2.0)
        self.assertEqual(res["bringup_host"], 275.0)
        self.assertIsNone(res["init_host"])

    def test_no_verdict_is_an_error(self):
        res = linux_smp.parse("linux-all", self.boot(LINUX_ALL.replace("PASS", ""), {}))
        self.assertIn("no PASS verdict", res["error"])

    def test_lpj_read_from_the_bsp(self):
        line = ("[    0.007020] Calibrating delay loop (skipped), value calculated using timer "
                "frequency.. 5192.35 BogoMIPS (lpj=10384704)")
        self.assertEqual(linux_smp.LPJ.search(line).group(1), "10384704")


if __name__ == "__main__":
    unittest.main()
