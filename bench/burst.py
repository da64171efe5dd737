#!/usr/bin/env python3
"""The burst: N small files written by one process into a watched tree, with no agent and with fimon
on each Linux backend, in one run (issue 6; issue 8 extends it to the peers).

For each configuration, on a fresh tree, state directory and data stream:
  - the writer (burst_writer, C: 500 files per directory, 100 B - 3 KB each) is timed; its slowdown
    is the ratio to the same writer with no agent, measured in the same run;
  - the time from the writer's end until every file's `created` document is searchable;
  - how many of those documents carry the sha256 of exactly what was written (computed here);
  - the agent's CPU seconds (user + system, from /proc) and peak RSS (VmHWM).
Prints a Markdown table. Nothing is asserted; --quick is the smoke run in the test suite.
Needs root (eBPF, fanotify) and a reachable Elasticsearch (FIMON_ES_URL, default 127.0.0.1:9200).
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def content(i):
    """What burst_writer writes into file i."""
    line = b"file %d\n" % i
    target = 100 + (i * 7919 % 2900)
    return line * (target // len(line))


def es_request(url, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


CREATED_FILES = {"bool": {"filter": [{"term": {"event.action": "created"}}, {"term": {"file.type": "file"}}]}}


def created_count(url, stream):
    es_request(url, "POST", f"/{stream}/_refresh")
    status, res = es_request(url, "POST", f"/{stream}/_count", {"query": CREATED_FILES})
    return res["count"] if status == 200 else 0


def correct_hashes(url, stream, root, n):
    """How many files have exactly one `created` document with the right sha256."""
    expected = {f"{root}/d{i // 500:03d}/f{i:06d}": hashlib.sha256(content(i)).hexdigest() for i in range(n)}
    seen = {}
    status, res = es_request(url, "POST", f"/{stream}/_search?scroll=1m", {
        "size": 5000, "query": CREATED_FILES, "_source": ["file.path", "file.hash.sha256"]})
    while status == 200 and res["hits"]["hits"]:
        for hit in res["hits"]["hits"]:
            f = hit["_source"]["file"]
            seen.setdefault(f["path"], []).append(f.get("hash", {}).get("sha256"))
        status, res = es_request(url, "POST", "/_search/scroll", {"scroll": "1m", "scroll_id": res["_scroll_id"]})
    return sum(1 for path, digest in expected.items() if seen.get(path) == [digest])


def agent_usage(pid):
    """(CPU seconds, peak RSS bytes) of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    with open(f"/proc/{pid}/status") as f:
        hwm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    return cpu, hwm


def es_cpu_seconds():
    """CPU seconds of the local dev Elasticsearch so far (it shares the machine), or None."""
    pidfile = Path(os.environ.get("FIMON_ES_HOME", "/tmp/fimon-es-9200")) / "es.pid"
    try:
        return agent_usage(int(pidfile.read_text().strip()))[0]
    except (OSError, ValueError):
        return None


def run_config(args, backend, work):
    root = Path(tempfile.mkdtemp(prefix="burst-", dir=work))
    tree, state = root / "tree", root / "state"
    tree.mkdir()
    stream = f"logs-fimon.file-burst{uuid.uuid4().hex[:10]}"
    agent = None
    if backend != "none":
        log = open(root / "agent.log", "wb")
        agent = subprocess.Popen([args.fimon, "run", "--watch", str(tree), "--state-dir", str(state), "--es-url",
                                  args.es_url, "--data-stream", stream, "--backend", backend],
                                 stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while b"running:" not in (root / "agent.log").read_bytes():
            if agent.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"burst: the {backend} agent did not start:\n{(root / 'agent.log').read_text()}")
            time.sleep(0.05)
    os.sync()  # the previous configuration's writeback must not slow this writer down
    time.sleep(1)
    es_before = es_cpu_seconds()
    writer = subprocess.run([args.writer, str(tree), str(args.files)], check=True, capture_output=True, text=True)
    written = float(writer.stdout.strip())
    row = {"backend": backend, "writer_s": written}
    if agent is not None:
        end = time.monotonic()
        deadline = end + args.timeout
        while created_count(args.es_url, stream) < args.files and time.monotonic() < deadline:
            time.sleep(0.5)
        row["searchable_s"] = time.monotonic() - end
        row["cpu_s"], row["rss"] = agent_usage(agent.pid)
        es_after = es_cpu_seconds()
        row["es_cpu_s"] = es_after - es_before if es_before is not None and es_after is not None else None
        agent.send_signal(signal.SIGINT)
        agent.wait(timeout=60)
        row["correct"] = correct_hashes(args.es_url, stream, tree, args.files)
    shutil.rmtree(root, ignore_errors=True)
    os.sync()
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=100_000)
    p.add_argument("--backends", default="none,ebpf,fanotify,inotify")
    p.add_argument("--fimon", default=str(REPO / "build" / "dev" / "fimon"))
    p.add_argument("--writer", default=str(REPO / "build" / "dev" / "fimon_bench_burst_writer"))
    p.add_argument("--es-url", default=os.environ.get("FIMON_ES_URL", "http://127.0.0.1:9200"))
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for the last document")
    p.add_argument("--quick", action="store_true", help="2,000 files: the smoke run")
    args = p.parse_args()
    if args.quick:
        args.files, args.timeout = 2000, 60
    backends = args.backends.split(",")
    if "none" not in backends:
        backends.insert(0, "none")
    work = tempfile.mkdtemp(prefix="fimon-burst-", dir="/var/tmp")
    try:
        rows = [run_config(args, b, work) for b in backends]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = rows[0]["writer_s"]
    print(f"Burst: {args.files:,} files by one process (burst_writer), {os.cpu_count()} CPUs\n")
    print("| backend | writer s | slowdown | correct sha256 in ES | searchable after writer end | agent CPU s | agent peak RSS | Elasticsearch CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["backend"] == "none":
            print(f"| no agent | {r['writer_s']:.2f} | 1.00x | - | - | - | - | - |")
            continue
        es_cpu = "-" if r["es_cpu_s"] is None else f"{r['es_cpu_s']:.1f}"
        print(f"| {r['backend']} | {r['writer_s']:.2f} | {r['writer_s'] / base:.2f}x | "
              f"{r['correct']:,} / {args.files:,} | {r['searchable_s']:.1f} s | {r['cpu_s']:.1f} | "
              f"{r['rss'] / (1 << 20):.0f} MiB | {es_cpu} |")


if __name__ == "__main__":
    main()
