#!/usr/bin/env python3
"""Whole-system scan throughput of `fimon scan`, against sha256sum (and aide --init) in the same run.

Two deterministic trees (content from random.Random(1)) are written and synced:
  - small files (--scan-files in --scan-dirs, --size-min..--size-max bytes): the per-file cost, files/s;
  - large files (--large-files of --large-file-size bytes): the read + SHA-256 rate, MB/s.
On each tree, with a warm page cache (nothing is dropped; the tree was just written), it times:
  sha256sum                                   find TREE -type f -print0 | xargs -0 sha256sum
  fimon scan (first run: builds baseline)     empty state dir: every file is read and hashed
  fimon scan (against baseline, no changes)   unchanged size/mtime/ctime/inode: files are not read
  aide --init                                 minimal aide.conf: sha256 over TREE (if installed)
Every command runs twice and the second run is reported (a fresh state dir for each first run).
Reported: wall seconds, CPU seconds of the child processes (user + sys), the wall ratio to
sha256sum on the same tree, and fimon's peak RSS. Nothing is asserted; --quick is the smoke run.
"""
import argparse
import os
import random
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import MIB, REPO, Section, bar_plot, first_line, machine  # noqa: E402

TIME = "/usr/bin/time"  # GNU time, for peak RSS


def make_tree(root, sizes, dirs, rng):
    for i, size in enumerate(sizes):
        d = root / f"d{i % dirs:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i:06d}").write_bytes(rng.randbytes(size))


def run_command(cmd, shell=False):
    """Runs cmd with stdout to /dev/null: (exit code, wall s, child CPU s, peak RSS bytes, stderr).

    Peak RSS comes from GNU time: a Python child's own ru_maxrss starts at this script's RSS."""
    rss_file = tempfile.NamedTemporaryFile(mode="r")
    if not shell and os.access(TIME, os.X_OK):
        cmd = [TIME, "-f", "%M", "-o", rss_file.name, *cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with rss_file, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.run(cmd, shell=shell, stdout=subprocess.DEVNULL, stderr=err)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        rss = rss_file.read().split()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return proc.returncode, wall, cpu, int(rss[-1]) * 1024 if rss else None, stderr


def twice(cmd, ok, prepare=lambda: None, shell=False):
    """Runs cmd twice (prepare() before each) and returns the second run; exits if a run fails."""
    for _ in range(2):
        prepare()
        result = run_command(cmd, shell=shell)
        if result[0] not in ok:
            text = cmd if shell else shlex.join(map(str, cmd))
            sys.exit(f"FAILED (exit {result[0]}): {text}\n{result[4]}")
    return result


def measure(tree, work, opts):
    """The rows of one tree's table: (tool, run result or text, show RSS)."""
    state = work / "state"

    def fresh_state():
        shutil.rmtree(state, ignore_errors=True)
        state.mkdir()

    fimon = [opts.fimon, "scan", "--watch", tree, "--state-dir", state, "--output", "console",
             "--hashes", "sha256", "--scan-rate", "0", "--log-level", "warn"]
    rows = [("sha256sum", twice(f"find {shlex.quote(str(tree))} -type f -print0"
                                " | xargs -0 sha256sum > /dev/null", {0}, shell=True), False),
            # fimon exits 0 (no change), 1 (changes found) or 2 (error).
            ("fimon scan (first run: builds baseline)", twice(fimon, {0, 1}, fresh_state), True)]
    second = twice(fimon, {0, 1})
    if second[0] == 1:
        print(f"WARNING: fimon scan reported changes on an unchanged tree: {shlex.join(map(str, fimon))}")
    rows.append(("fimon scan (against baseline, no changes)", second, True))

    if not shutil.which("aide"):
        rows.append(("aide --init", "aide: not installed", False))
        return rows
    conf, db = work / "aide.conf", work / "aide.db"
    # Selection lines are regular expressions; the temp dir names need no escaping.
    conf.write_text(f"database_out=file:{db}\ngzip_dbout=no\n{tree} sha256\n")
    aide = ["aide", "--init", f"--config={conf}"]
    rows.append(("aide --init", twice(aide, {0}, lambda: db.unlink(missing_ok=True)), True))
    return rows


def add_arguments(p):
    p.add_argument("--scan-files", type=int, default=200_000)
    p.add_argument("--scan-dirs", type=int, default=400)
    p.add_argument("--size-min", type=int, default=100)
    p.add_argument("--size-max", type=int, default=3000)
    p.add_argument("--large-files", type=int, default=4)
    p.add_argument("--large-file-size", type=int, default=64 * MIB)


def table_rows(rows, files, total):
    ref = rows[0][1][1]
    out = []
    for tool, r, show_rss in rows:
        if isinstance(r, str):
            out.append([tool, r, "", "", "", "", ""])
            continue
        _, wall, cpu, rss, _ = r
        rss_text = "—" if not show_rss else f"{rss / 1e6:.1f}" if rss else f"n/a (no {TIME})"
        out.append([tool, f"{wall:.3f}", f"{files / wall:,.0f}", f"{total / 1e6 / wall:,.1f}", f"{cpu:.2f}",
                    f"{wall / ref:.2f}", rss_text])
    return out


def run(opts, out_dir=None):
    """The scan sections of the report: one per tree."""
    if opts.workdir:
        work = Path(opts.workdir).resolve()
        work.mkdir(parents=True, exist_ok=True)
        if any(work.iterdir()):
            sys.exit(f"--workdir {work} is not empty")
    else:
        work = Path(tempfile.mkdtemp(prefix="fimon-bench-", dir="/var/tmp"))
    sections = []
    try:
        rng = random.Random(1)
        small = [rng.randint(opts.size_min, opts.size_max) for _ in range(opts.scan_files)]
        trees = [("small files", work / "small", small, opts.scan_dirs),
                 ("large files", work / "large", [opts.large_file_size] * opts.large_files, 1)]
        trees = [t for t in trees if t[2]]
        for _, root, sizes, dirs in trees:
            make_tree(root, sizes, dirs, rng)
        os.sync()
        tools = (f"{first_line([opts.fimon, 'version'])}; {first_line(['sha256sum', '--version'])}"
                 f"; {first_line(['aide', '--version']) if shutil.which('aide') else 'aide not installed'}")
        for name, root, sizes, dirs in trees:
            total = sum(sizes)
            each = f"{min(sizes)}..{max(sizes)}" if min(sizes) < max(sizes) else sizes[0]
            rows = measure(root, work, opts)
            table = table_rows(rows, len(sizes), total)
            plot = None
            if name == "small files":
                plot = bar_plot(out_dir, "scan-small", f"Scan of {len(sizes):,} small files (higher is better)",
                                "files/s", [r[0] for r in table],
                                [len(sizes) / r[1][1] if not isinstance(r[1], str) else None for r in rows])
            sections.append(Section(
                f"Baseline scan: {len(sizes):,} {name} ({total / 1e6:,.1f} MB)",
                f"{len(sizes):,} file(s) in {dirs} dir(s), {each} B each, random content. Warm page cache: the "
                "tree was just written and synced; each command ran twice, the second run is shown. fimon hashes "
                f"sha256 only, --scan-rate 0. {tools}.",
                ["tool", "wall s", "files/s", "MB/s", "CPU s", "ratio to sha256sum (wall)", "peak RSS MB"], table,
                ["the run against the baseline reads no file whose size/mtime/ctime/inode are unchanged: its "
                 "files/s is a stat-and-compare rate"] if name == "small files" else [],
                [p for p in [plot] if p]))
    finally:
        if not opts.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return sections


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(p)
    p.add_argument("--fimon", default=str(REPO / "build/dev/fimon"))
    p.add_argument("--workdir", help="kept afterwards; must be empty (default: a temp dir in /var/tmp, removed)")
    p.add_argument("--quick", action="store_true", help="smoke run: 500 files in 10 dirs, 1 large file of 8 MiB")
    opts = p.parse_args()
    if opts.quick:
        opts.scan_files, opts.scan_dirs, opts.large_files, opts.large_file_size = 500, 10, 1, 8 * MIB
    if not os.access(opts.fimon, os.X_OK):
        sys.exit(f"no fimon binary at {opts.fimon}")
    print(f"machine: {machine()}\n")
    for section in run(opts):
        print(section.markdown())


if __name__ == "__main__":
    main()
