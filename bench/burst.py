#!/usr/bin/env python3
"""The burst: N small files written by one process into a watched tree, with no monitor, with each
peer (inotifywait, fatrace, auditd) and with fimon on each Linux backend, in one run (issues 6, 8).

For each configuration, on a fresh tree (and state directory and data stream for fimon):
  - the writer (burst_writer, C: 500 files per directory, 100 B - 3 KB each) is timed; its slowdown
    is the ratio to the same writer with no monitor, measured in the same run;
  - fimon: the time from the writer's end until every file's `created` document is searchable, and
    how many carry the sha256 of exactly what was written (computed here);
  - peers: how many of the files they reported at all (they hash nothing), once their output stops
    growing;
  - the monitor's CPU seconds (user + system, from /proc; auditd's include the kauditd thread) and
    peak RSS (VmHWM); the dev Elasticsearch's CPU seconds beside fimon's;
  - the --idle-node backends once more with the local dev Elasticsearch at idle priority, as a
    production node (on other machines) would be: the monitor's own cost to the writer.
Needs root (eBPF, fanotify, audit) and a reachable Elasticsearch (FIMON_ES_URL).
"""
import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

FIMON_BACKENDS = ("ebpf", "fanotify", "inotify")
PEERS = ("inotifywait", "fatrace", "auditd")


def content(i):
    """What burst_writer writes into file i."""
    line = b"file %d\n" % i
    target = 100 + (i * 7919 % 2900)
    return line * (target // len(line))


def expected_paths(tree, n):
    return {f"{tree}/d{i // 500:03d}/f{i:06d}": i for i in range(n)}


CREATED_FILES = {"bool": {"filter": [{"term": {"event.action": "created"}}, {"term": {"file.type": "file"}}]}}


def created_count(url, stream):
    bl.es_request(url, "POST", f"/{stream}/_refresh")
    status, res = bl.es_request(url, "POST", f"/{stream}/_count", {"query": CREATED_FILES})
    return res["count"] if status == 200 else 0


def correct_hashes(url, stream, tree, n):
    """How many files have exactly one `created` document with the right sha256."""
    seen = {}
    for src in bl.scroll(url, stream, CREATED_FILES, ["file.path", "file.hash.sha256"]):
        f = src["file"]
        seen.setdefault(f["path"], []).append(f.get("hash", {}).get("sha256"))
    return sum(1 for path, i in expected_paths(tree, n).items()
               if seen.get(path) == [hashlib.sha256(content(i)).hexdigest()])


def run_writer(opts, tree):
    """The writer's own timing of its run, and its CPU time (user + system): the part of a slowdown
    spent in the writer's own syscalls (fsnotify, eBPF programs), apart from waiting for a CPU."""
    os.sync()  # the previous configuration's writeback must not slow this writer down
    time.sleep(1)
    proc = subprocess.Popen([opts.writer, str(tree), str(opts.files)], stdout=subprocess.PIPE, text=True)
    try:
        out = proc.stdout.read()
        proc.stdout.close()
    except BaseException:  # interrupted: the writer must not outlive the bench
        proc.kill()
        proc.wait()
        raise
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, opts.writer)
    return float(out.strip()), usage.ru_utime + usage.ru_stime


class Peer:
    """A peer monitor started before the writer; counts the files it reported afterwards."""

    def __init__(self, name, tree, work):
        self.name, self.tree, self.out = name, tree, work / f"{name}.out"
        self.procs, self.extra_pids = [], []
        getattr(self, f"start_{name}")(work)

    def start_inotifywait(self, work):
        err = work / "inotifywait.err"
        self.procs.append(subprocess.Popen(
            ["inotifywait", "-m", "-r", "-e", "create", "-e", "close_write", "--format", "%w%f", "-o",
             str(self.out), str(self.tree)], stderr=open(err, "wb"), stdout=subprocess.DEVNULL))
        bl.wait_until(lambda: b"Watches established" in err.read_bytes(), 30, 0.05)

    def start_fatrace(self, work):
        # Whole-system, as fatrace works; the count below keeps the tree's files only.
        self.procs.append(subprocess.Popen(["fatrace", "-f", "CW", "-o", str(self.out)],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.5)  # fatrace says nothing when its marks are in place

    def start_auditd(self, work):
        # A private auditd: its own log (no rotation to lose records), a large kernel backlog as an
        # admin would set for a file watch, and one recursive watch rule on the tree. When the
        # host's own auditd runs, it is used instead and its log is read from where it stood.
        self.offset = 0
        if self.audit_status("pid"):
            self.out = Path("/var/log/audit/audit.log")
            self.offset = self.size()
            self.extra_pids = [self.audit_status("pid")]
        else:
            self.start_private_auditd(work)
        subprocess.run(["auditctl", "-b", "8192", "-e", "1"], check=True, capture_output=True)
        subprocess.run(["auditctl", "-w", str(self.tree), "-p", "wa", "-k", "fimonbench"], check=True,
                       capture_output=True)
        self.lost_before = self.audit_status("lost")
        kauditd = subprocess.run(["pgrep", "-x", "kauditd"], capture_output=True, text=True).stdout.split()
        self.extra_pids += [int(p) for p in kauditd]

    def start_private_auditd(self, work):
        conf_dir = work / "audit"
        conf_dir.mkdir()
        conf = Path("/etc/audit/auditd.conf").read_text()
        conf = re.sub(r"(?m)^log_file = .*$", f"log_file = {self.out}", conf)
        conf = re.sub(r"(?m)^max_log_file_action = .*$", "max_log_file_action = IGNORE", conf)
        conf = re.sub(r"(?m)^log_format = .*$", "log_format = RAW", conf)
        (conf_dir / "auditd.conf").write_text(conf)
        os.chmod(conf_dir / "auditd.conf", 0o640)
        self.procs.append(subprocess.Popen(["auditd", "-n", "-c", str(conf_dir)],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        bl.wait_until(lambda: self.audit_status("pid") == self.procs[0].pid, 10, 0.1)

    @staticmethod
    def audit_status(key):
        out = subprocess.run(["auditctl", "-s"], capture_output=True, text=True).stdout
        m = re.search(rf"(?m)^{key} (\d+)", out)
        return int(m.group(1)) if m else 0

    def cpu_and_rss(self):
        cpu = hwm = 0
        for pid in [p.pid for p in self.procs] + self.extra_pids:
            c, _, h = bl.proc_usage(pid)
            cpu, hwm = cpu + c, max(hwm, h)
        return cpu, hwm

    def size(self):
        return self.out.stat().st_size - getattr(self, "offset", 0) if self.out.exists() else 0

    def seen(self, expected):
        names = set()
        text = ""
        if self.out.exists():
            with open(self.out, "rb") as f:
                f.seek(getattr(self, "offset", 0))
                text = f.read().decode(errors="replace")
        if self.name == "inotifywait":
            names = set(text.splitlines())
        elif self.name == "fatrace":
            names = {line.split(": ", 1)[1].split(" ", 1)[1] for line in text.splitlines() if ": " in line}
        elif self.name == "auditd":
            names = set(re.findall(r'type=PATH .*?name="([^"]+)"', text))
        return sum(1 for p in expected if p in names)

    def stop(self):
        notes = []
        if self.name == "auditd":
            lost = self.audit_status("lost") - self.lost_before
            if lost:
                notes.append(f"auditd: the kernel lost {lost:,} audit records (backlog 8192)")
            subprocess.run(["auditctl", "-W", str(self.tree), "-p", "wa", "-k", "fimonbench"], capture_output=True)
            if self.procs:  # only a private auditd is turned off again
                subprocess.run(["auditctl", "-e", "0"], capture_output=True)
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        return notes


class RamExt4:
    """An ext4 filesystem on a loop device over a file in /dev/shm, for the burst's trees.

    This VM's disk makes the writer alone take anywhere from 1.5 to 34 s for the same 50,000
    files (writeback of earlier runs, Elasticsearch's merges): on the disk, the slowdown ratio
    measures that noise. On a RAM-backed ext4 the writer still goes through ext4 (what the eBPF
    tracer hooks), and Elasticsearch and the agent's state stay on the disk."""

    def __init__(self, size):
        self.image = Path(tempfile.mkstemp(prefix="fimon-burst-", suffix=".img", dir="/dev/shm")[1])
        self.mount = Path(tempfile.mkdtemp(prefix="fimon-burst-fs-", dir="/var/tmp"))
        os.truncate(self.image, size)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-N", str(size // 2048), str(self.image)], check=True)
        subprocess.run(["mount", "-o", "loop", str(self.image), str(self.mount)], check=True)

    def close(self):
        subprocess.run(["umount", str(self.mount)], check=False)
        self.mount.rmdir()
        self.image.unlink()


def run_config(opts, monitor):
    root = bl.work_dir("burst")
    tree = Path(tempfile.mkdtemp(prefix="tree-", dir=opts.burst_fs)) if opts.burst_fs else root / "tree"
    tree.mkdir(exist_ok=True)
    row = {"monitor": monitor}
    try:
        if monitor == "none":
            row["writer_s"], row["writer_cpu_s"] = run_writer(opts, tree)
        elif monitor in PEERS:
            peer = Peer(monitor, tree, root)
            try:
                row["writer_s"], row["writer_cpu_s"] = run_writer(opts, tree)
                end = time.monotonic()
                bl.wait_quiet(peer.size, 2.0, opts.burst_timeout)
                row["settled_s"] = time.monotonic() - end
                row["cpu_s"], row["rss"] = peer.cpu_and_rss()
            finally:
                row["notes"] = peer.stop()
            row["seen"] = peer.seen(expected_paths(tree, opts.files))
        else:
            agent = bl.Agent(opts, root, tree, monitor, tag="burst")
            try:
                es_before = bl.es_cpu_seconds()
                row["writer_s"], row["writer_cpu_s"] = run_writer(opts, tree)
                end = time.monotonic()
                if not bl.wait_until(lambda: created_count(opts.es_url, agent.stream) >= opts.files,
                                     opts.burst_timeout):
                    row["notes"] = [f"fimon {monitor}: not every document within {opts.burst_timeout:.0f} s"]
                row["settled_s"] = time.monotonic() - end
                row["cpu_s"], _, row["rss"] = agent.usage()
                es_after = bl.es_cpu_seconds()
                row["es_cpu_s"] = es_after - es_before if None not in (es_before, es_after) else None
            finally:
                agent.stop()
            row["correct"] = correct_hashes(opts.es_url, agent.stream, tree, opts.files)
            row["seen"] = created_count(opts.es_url, agent.stream)
            bl.delete_stream(opts.es_url, agent.stream)
    finally:
        bl.remove(root)
        bl.remove(tree)
        os.sync()
    return row


def median_round(rounds):
    """The round with the median slowdown (of two, the worse); counts are the worst of all rounds."""
    ordered = sorted(rounds, key=lambda r: r["writer_s"] / r["alone_s"])
    row = dict(ordered[len(ordered) // 2])
    row["rounds"] = rounds
    row["seen"] = min(r["seen"] for r in rounds)
    if "correct" in row:
        row["correct"] = min(r["correct"] for r in rounds)
    row["notes"] = list(dict.fromkeys(note for r in rounds for note in r.get("notes", [])))
    return row


def run(opts, out_dir=None):
    # The writer alone varies from run to run on this VM (page cache, writeback, the node's merges):
    # each monitor's slowdown is against the writer alone run just before it, on a fresh tree.
    monitors = [(m, False) for m in opts.monitors.split(",") if m and m != "none"]
    if bl.es_pid():
        monitors += [(m, True) for m in opts.idle_node.split(",") if m in FIMON_BACKENDS]
    samples = {key: [] for key in monitors}
    ram = None if opts.burst_on_disk else RamExt4(max(256 * bl.MIB, opts.files * 16 * 1024))
    opts.burst_fs = str(ram.mount) if ram else None
    try:
        # Rounds, not one configuration's repeats back to back: this VM's speed drifts over minutes
        # (CPU steal), and each round then meets the same drift in every configuration.
        for _ in range(opts.burst_rounds):
            for m, idle in monitors:
                node = bl.IdleNode() if idle else None
                try:
                    alone = run_config(opts, "none")
                    row = run_config(opts, m)
                finally:
                    if node:
                        node.close()
                row["alone_s"], row["alone_cpu_s"] = alone["writer_s"], alone["writer_cpu_s"]
                row["idle_node"] = idle
                samples[(m, idle)].append(row)
    finally:
        if ram:
            ram.close()
    rows = [median_round(samples[key]) for key in monitors]
    n = opts.files
    table, notes = [], []
    for r in rows:
        fimon = "correct" in r
        es_cpu = f"{r['es_cpu_s']:.1f}" if r.get("es_cpu_s") is not None else "-"
        name = f"fimon {r['monitor']}" if fimon else r["monitor"]
        ratios = sorted(x["writer_s"] / x["alone_s"] for x in r["rounds"])
        spread = f" ({ratios[0]:.2f}–{ratios[-1]:.2f})" if len(ratios) > 1 else ""
        table.append([name + (", node idle" if r.get("idle_node") else ""), f"{r['alone_s']:.2f}",
                      f"{r['writer_s']:.2f}", f"{r['writer_s'] / r['alone_s']:.2f}x{spread}",
                      f"{r['alone_cpu_s']:.2f} → {r['writer_cpu_s']:.2f}", f"{r['seen']:,} / {n:,}",
                      f"{r['correct']:,} / {n:,}" if fimon else "no hashes",
                      f"{r['settled_s']:.1f} s", f"{r['cpu_s']:.1f}", f"{r['rss'] / bl.MIB:.0f} MiB", es_cpu])
        notes += r.get("notes", [])
    if any(r.get("idle_node") for r in rows):
        notes.append("node idle: the local Elasticsearch's threads ran as SCHED_IDLE (CPU nothing else wants) for "
                     "that row's writer alone and its monitored run, as a node on other machines would be")
    if opts.burst_rounds > 1:
        notes.append(f"{opts.burst_rounds} rounds of every configuration; each row is the round with the median "
                     "slowdown (the range of all rounds in brackets), with the fewest files reported and correct "
                     "of any round")
    notes.append("writer CPU: its user + system time in the median round; what the slowdown adds beyond it is time "
                 "the writer waited (for a CPU, a lock)")
    notes.append("searchable/settled: fimon, until the last `created` document is searchable; a peer, until its "
                 "output has not grown for 2 s (the 2 s included)")
    plot = bl.bar_plot(out_dir, "burst-slowdown", f"Burst of {n:,} files: writer slowdown (lower is better)",
                       "writer time / no monitor", [t[0] for t in table], [r["writer_s"] / r["alone_s"] for r in rows])
    return bl.Section(
        f"Burst: {n:,} small files from one process",
        f"{n:,} files of 100 B–3 KB in directories of 500, written by one C process (bench/burst_writer.cpp) "
        "into a watched tree; every monitor in the same run, each on a fresh tree"
        + (", on the disk." if opts.burst_on_disk else
           " on a RAM-backed ext4 (loop device over /dev/shm: the VM's disk noise would swamp the ratio); "
           "Elasticsearch and the agent's state on the disk."),
        ["monitor", "writer alone s", "writer s", "slowdown", "writer CPU s alone → monitored", "files reported", "correct sha256 in ES", "searchable / settled after",
         "monitor CPU s", "peak RSS", "Elasticsearch CPU s"], table, notes, [p for p in [plot] if p])


def add_arguments(p):
    p.add_argument("--files", type=int, default=100_000)
    p.add_argument("--monitors", default=",".join(FIMON_BACKENDS + PEERS))
    p.add_argument("--burst-timeout", type=float, default=300, help="seconds to wait for the last document")
    p.add_argument("--burst-on-disk", action="store_true", help="write the trees under /var/tmp, not on a RAM ext4")
    p.add_argument("--burst-rounds", type=int, default=3, help="rounds of every configuration (the median is shown)")
    p.add_argument("--idle-node", default="ebpf", metavar="BACKENDS",
                   help="fimon backends measured once more with the local Elasticsearch at idle priority ('' for none)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(p)
    bl.agent_arguments(p)
    p.add_argument("--quick", action="store_true", help="2,000 files: the smoke run")
    opts = p.parse_args()
    if opts.quick:
        opts.files, opts.burst_timeout, opts.burst_rounds = 2000, 60, 1
    missing = [m for m in opts.monitors.split(",") if m in PEERS and not shutil.which(m)]
    if missing:
        sys.exit(f"burst: not installed: {', '.join(missing)} (scripts/bootstrap installs them)")
    bl.install_template(opts)
    print(run(opts).markdown())


if __name__ == "__main__":
    main()
