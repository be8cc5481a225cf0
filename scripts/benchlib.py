# SPDX-License-Identifier: MIT
"""What scripts/bench-bringup and scripts/bench-linux-smp share: the QEMU
machine of scripts/sidecar-qemu, one boot run with a timeout and the host's
clock, a host core kept busy by another process, and the description of the
host the figures were taken on (docs/benchmarks.md).

The machine is not described here a second time: Linux booted directly by
QEMU gets the launcher's own Machine.qemu_args(), so a direct boot and a
sidecar boot differ only in what QEMU loads.
"""

import importlib.machinery
import importlib.util
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAUNCHER = REPO / "scripts" / "sidecar-qemu"

_launcher = None


def launcher():
    """scripts/sidecar-qemu as a module (it has no .py suffix, so it is
    loaded by path; its main() runs only as a program)."""
    global _launcher
    if _launcher is None:
        loader = importlib.machinery.SourceFileLoader("sidecar_qemu", str(LAUNCHER))
        spec = importlib.util.spec_from_loader("sidecar_qemu", loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        _launcher = module
    return _launcher


def direct_linux_command(qemu, cpus, mem, kernel, initrd, append):
    """QEMU booting `kernel` itself (-kernel) on the launcher's machine
    with `cpus` vCPUs in one vnode and `mem` bytes of RAM."""
    machine = launcher().Machine(cpus, [cpus], mem)
    return ([qemu] + machine.qemu_args(linux=True) +
            ["-kernel", str(kernel), "-initrd", str(initrd), "-append", append] +
            launcher().CONSOLE_ARGS)


def parse_size(text, option="--mem"):
    return launcher().parse_size(text, option)


class Boot:
    """One QEMU run: its console output, when each mark first appeared (host
    seconds from the start), exit status, and the host resources it took."""

    def __init__(self):
        self.output = ""
        self.marks = {}
        self.status = None
        self.timed_out = False
        self.wall = None  # host seconds from start to exit
        self.cpu = None  # host CPU seconds (user + system) of the run and its children
        self.maxrss_kib = None  # largest resident set among them (QEMU's)
        self.timeout = None

    def failure(self):
        """Why the run did not finish, or None."""
        if self.timed_out:
            return f"did not finish in {self.timeout:g} s"
        return None


def run_boot(cmd, timeout, marks=None, log=None):
    """Runs `cmd` (QEMU or the launcher) in its own process group and
    kills the whole group after `timeout` seconds, so a boot that hangs, or
    a QEMU that never prints, cannot hang the benchmark. `marks` maps a name
    to a substring of the console whose first arrival the host clock times.
    `log`, a file, gets the console."""
    marks = marks or {}
    boot = Boot()
    boot.timeout = timeout
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    expired = threading.Event()

    def expire():
        expired.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    out = []
    pending = ""
    try:
        fd = proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            text = chunk.decode("utf-8", errors="replace").replace("\r", "")
            if log:
                log.write(text)
            out.append(text)
            pending += text
            *lines, pending = pending.split("\n")
            now = time.monotonic() - start
            for line in lines:
                for name, needle in marks.items():
                    if name not in boot.marks and needle in line:
                        boot.marks[name] = now
        # wait4: the exit status and the resources of the run, QEMU included
        # when the run is the launcher (it waits for QEMU).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    except BaseException:
        expire()
        proc.wait()
        raise
    finally:
        timer.cancel()
        proc.stdout.close()
    boot.wall = time.monotonic() - start
    boot.output = "".join(out)
    boot.status = proc.returncode
    boot.timed_out = expired.is_set()
    boot.cpu = usage.ru_utime + usage.ru_stime
    boot.maxrss_kib = usage.ru_maxrss
    return boot


class BusyCore:
    """Keeps one host core busy with another process: a child spinning in
    a loop, pinned to the last CPU this process may run on, at the same
    priority, until the end of the `with` block."""

    def __init__(self):
        self.proc = None
        self.cpu = max(os.sched_getaffinity(0))

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                     stdin=subprocess.DEVNULL)
        os.sched_setaffinity(self.proc.pid, {self.cpu})
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()
        return False


def host_description(qemu):
    """One line naming the date, host, CPU, core count, QEMU and the load
    when the figures were taken."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (f"{when}; host {platform.node()}: {model}, {os.cpu_count()} cores; "
            f"QEMU {launcher().qemu_version_text(qemu) or 'unknown'} TCG; load average {load}")


def source_description(build):
    """The commit the tree is at, whether it has uncommitted changes, and
    the build directory the figures come from."""
    def git(*cmd):
        try:
            return subprocess.run(["git", "-C", str(REPO)] + list(cmd), capture_output=True,
                                  text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return (f"source {head}" + (" with uncommitted changes" if dirty else "") +
            f", built in {build}")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec):
    return format(value, spec) if value is not None else "-"


def table(header, rows, align=None):
    """A Markdown table (readable as text too): `header` is a list of
    column names, `rows` lists of strings; numbers are right-aligned."""
    cols = len(header)
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(cols)]
    align = align or ["l"] + ["r"] * (cols - 1)

    def line(cells):
        return "| " + " | ".join(
            str(c).rjust(w) if a == "r" else str(c).ljust(w)
            for c, w, a in zip(cells, widths, align)) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                         for w, a in zip(widths, align)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def say(text="", file=None):
    print(text, file=file or sys.stdout, flush=True)


def progress(text):
    print(text, file=sys.stderr, flush=True)
