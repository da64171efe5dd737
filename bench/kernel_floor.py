#!/usr/bin/env python3
"""The kernel's floor: what fimon's event feeds cost the burst writer with no agent behind them
(issue 8).

The burst's writer (burst_writer, the same files as bench/burst.py) runs beside
fimon_bench_kernel_feed (bench/kernel_feed.cpp), which sets up a feed exactly as the agent does and
reads and drops all it delivers: no analysis, no Elasticsearch. The slowdown is then what the
kernel itself charges the writer for the feed, under any agent built on it; the burst's rows add
the agent's analysis, the node's indexing and their share of the cores on top. Each configuration
runs beside a run of the writer alone (before it in one round, after it in the next), each on a
fresh tree on the burst's RAM-backed ext4, in rounds.
"""
import argparse
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402
import burst  # noqa: E402

# (label, probe arguments, what it stands for)
FEEDS = [
    ("fanotify, names only", ["--fanotify=names"],
     "create, delete, attrib: the least any fanotify name feed costs"),
    ("fanotify, the agent's mask", ["--fanotify=all"],
     "names + modify + close_write: the fanotify backend's feed"),
    ("eBPF write tracer", ["--ebpf"], "the ebpf backend's programs alone"),
    ("fanotify names only + eBPF", ["--fanotify=names", "--ebpf"],
     "a design taking modify and close from eBPF (before the programs it would add)"),
    ("fanotify, the agent's mask + eBPF", ["--fanotify=all", "--ebpf"], "the ebpf backend's feed"),
]


class Feed:
    """fimon_bench_kernel_feed on `tree` (the eBPF tracer watches it, fanotify marks its filesystem)
    until close()."""

    def __init__(self, opts, tree, args):
        self.args = args
        self.proc = subprocess.Popen([opts.kernel_feed, str(tree)] + args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)  # loading the programs takes ~1 s
        if not ready or self.proc.stdout.readline().strip() != "ready":
            self.proc.kill()
            self.proc.wait()
            why = self.proc.stderr.read().strip() or ("not ready within 60 s" if not ready else "exited")
            sys.exit(f"kernel_floor: the feed {' '.join(args) or '(none)'}: {why}")

    def close(self):
        """Stops the feed; returns what it read and what the kernel lost."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # its programs must not stay attached for later scenarios
            self.proc.kill()
            out, err = self.proc.communicate()
        read = re.search(r"fanotify bytes (\d+), overflows (\d+), traced writes (\d+), lost (\d+)", out)
        if self.proc.returncode != 0 or not read:
            sys.exit(f"kernel_floor: {' '.join(self.args)} failed: {err.strip() or out.strip()}")
        return dict(zip(("fanotify_bytes", "overflows", "traced", "lost"), map(int, read.groups())))

    def check(self, counts, files):
        """A feed that delivered less than the burst, or lost some of it, cost less than its price."""
        short = []
        if any(a.startswith("--fanotify") for a in self.args) and (not counts["fanotify_bytes"] or counts["overflows"]):
            short.append(f"fanotify read {counts['fanotify_bytes']} bytes, {counts['overflows']} overflows")
        if "--ebpf" in self.args and (counts["traced"] < files or counts["lost"]):
            short.append(f"{counts['traced']} traced writes for {files} files, {counts['lost']} lost")
        if short:
            sys.exit(f"kernel_floor: {' '.join(self.args)}: {'; '.join(short)}")


def writer_run(opts, fs, feed_args=None):
    """(wall s, CPU s) of one writer run on a fresh tree, beside the feed when `feed_args`."""
    tree = Path(tempfile.mkdtemp(prefix="tree-", dir=fs))
    try:
        if not feed_args:
            return burst.run_writer(opts, tree)
        feed = Feed(opts, tree, feed_args)
        try:
            result = burst.run_writer(opts, tree)
        finally:
            counts = feed.close()
        feed.check(counts, opts.files)  # only once the writer succeeded: its own error comes first
        return result
    finally:
        bl.remove(tree)


def run(opts, out_dir=None):
    ram = burst.RamExt4(max(256 * bl.MIB, opts.files * 16 * 1024))
    samples = {label: [] for label, _, _ in FEEDS}
    try:
        # Rounds of every feed, not one feed's repeats back to back: this VM's speed drifts.
        # Each pair's order alternates from round to round: neither side always goes first.
        for round_number in range(opts.floor_rounds):
            for label, args, _ in FEEDS:
                if round_number % 2 == 0:
                    alone = writer_run(opts, ram.mount)
                    fed = writer_run(opts, ram.mount, args)
                else:
                    fed = writer_run(opts, ram.mount, args)
                    alone = writer_run(opts, ram.mount)
                samples[label].append((alone, fed))
    finally:
        ram.close()
    rows, ratios_median = [], []
    for label, _, meaning in FEEDS:
        rounds = samples[label]
        ratios = sorted(fed[0] / alone[0] for alone, fed in rounds)
        added_cpu = statistics.median(fed[1] - alone[1] for alone, fed in rounds)
        alone_s = statistics.median(alone[0] for alone, _ in rounds)
        fed_s = statistics.median(fed[0] for _, fed in rounds)
        ratio = statistics.median(ratios)
        ratios_median.append(ratio)
        spread = f" ({ratios[0]:.2f}–{ratios[-1]:.2f})" if len(ratios) > 1 else ""
        rows.append([label, meaning, f"{alone_s:.2f}", f"{fed_s:.2f}", f"{ratio:.2f}x{spread}",
                     f"{added_cpu:.2f}", f"{added_cpu / opts.files * 1e6:.1f}"])
    notes = [f"{opts.floor_rounds} round(s); each figure is the median of the rounds (the range of the "
             "slowdown in brackets), each feed against the writer alone beside it",
             "writer CPU added: its user + system time beside the feed minus alone, the work the feed "
             "puts into the writer's own syscalls",
             "a feed that delivered less than the burst (eBPF: a record per file) or lost any of it fails the run"]
    plot = bl.bar_plot(out_dir, "kernel-floor", f"Kernel floor, {opts.files:,} files: writer slowdown",
                       "writer time / no feed", [r[0] for r in rows], ratios_median)
    return bl.Section(
        f"The kernel's floor: fimon's feeds alone, {opts.files:,} files", __doc__.split("\n\n")[1].replace("\n", " "),
        ["feed", "what it is", "writer alone s", "writer s", "slowdown", "writer CPU added s", "µs per file"],
        rows, notes, [p for p in [plot] if p])


def add_arguments(p):
    p.add_argument("--kernel-feed", default=str(bl.REPO / "build" / "dev" / "fimon_bench_kernel_feed"))
    p.add_argument("--floor-rounds", type=int, default=5, help="rounds of every feed (medians are shown)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(p)
    bl.agent_arguments(p)
    p.add_argument("--files", type=int, default=100_000)
    p.add_argument("--quick", action="store_true", help="1,000 files, one round: the smoke run")
    opts = p.parse_args()
    if opts.quick:
        opts.files, opts.floor_rounds = 1000, 1
    print(run(opts).markdown())


if __name__ == "__main__":
    main()
