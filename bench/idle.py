#!/usr/bin/env python3
"""Idle: the agent's CPU and memory with a large baseline and no file activity (issue 8).

A tree of N files (bench/burst_writer, 100 B - 3 KB each, 500 per directory) is written, then
`fimon run` starts on it with a fresh state directory: its start-up scan records the first
baseline (timed, peak RSS noted). Once the scan is done and 5 s have passed, the agent's CPU time
and RSS are read over IDLE seconds in which nothing in the tree changes.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402


def dir_bytes(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def run(opts, out_dir=None):
    work = bl.work_dir("idle")
    tree = work / "tree"
    tree.mkdir()
    subprocess.run([opts.writer, str(tree), str(opts.idle_files)], check=True, capture_output=True)
    os.sync()
    agent = bl.Agent(opts, work, tree, opts.idle_backend, tag="idle")
    try:
        start = time.monotonic()
        agent.wait_baseline(3600)
        scan_s = time.monotonic() - start
        _, _, scan_hwm = agent.usage()
        time.sleep(5)
        cpu0, _, _ = agent.usage()
        t0 = time.monotonic()
        samples = []
        while time.monotonic() - t0 < opts.idle_seconds:
            time.sleep(min(1.0, opts.idle_seconds))
            samples.append(agent.usage()[1])
        cpu1, rss, hwm = agent.usage()
        idle_pct = 100 * (cpu1 - cpu0) / (time.monotonic() - t0)
        state_bytes = dir_bytes(work / f"state-{opts.idle_backend}")
    finally:
        agent.stop()
        bl.delete_stream(opts.es_url, agent.stream)
        bl.remove(work)
    n = opts.idle_files
    rows = [[f"{n:,}", opts.idle_backend, f"{scan_s:.1f} s ({n / scan_s:,.0f} files/s)",
             f"{scan_hwm / bl.MIB:.0f} MiB", f"{idle_pct:.2f} %", f"{max(samples) / bl.MIB:.0f} MiB",
             f"{hwm / bl.MIB:.0f} MiB", f"{state_bytes / 1e6:,.0f} MB ({state_bytes / n:.0f} B/file)"]]
    return bl.Section(
        f"Idle with a {n:,}-file baseline", __doc__.split("\n\n")[1].replace("\n", " "),
        ["files", "backend", "first start-up scan", "peak RSS by its end", f"idle CPU (one core, {opts.idle_seconds} s)",
         "idle RSS", "peak RSS", "state directory"], rows)


def add_arguments(p):
    p.add_argument("--idle-files", type=int, default=1_000_000)
    p.add_argument("--idle-seconds", type=int, default=60)
    p.add_argument("--idle-backend", default="ebpf")


def main():
    bl.main_alone(__doc__, add_arguments, run)

if __name__ == "__main__":
    main()
