#!/usr/bin/env python3
"""Large-file edits: EDITS writes of a few bytes each at random offsets into one large file in a
watched tree, with fimon on the eBPF backend (issue 8).

The file (random content) is written and recorded in the baseline first. For each edit the harness
waits for the `modified` document carrying the file's new sha256, then times `sha256sum` of the same
file (page cache warm for both). Reported per edit: write→searchable, the agent's own time
(event.created - @timestamp, which includes the 200 ms close-settle wait), the bytes the agent read
(/proc/PID/io rchar) as a multiple of the file size, and whether fim.writes and fim.change.ranges
name the edited bytes.
"""
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402


def rchar(pid):
    with open(f"/proc/{pid}/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("rchar:"))


def modified_documents(url, stream):
    """The `modified` documents so far, in event order."""
    status, res = bl.es_request(url, "POST", f"/{stream}/_search", {
        "size": 100, "query": {"term": {"event.action": "modified"}}, "sort": [{"event.sequence": "asc"}]})
    return [h["_source"] for h in res["hits"]["hits"]] if status == 200 else []


def covers(ranges, offset, length):
    return any(r["offset"] <= offset and offset + length <= r["offset"] + r["length"] for r in ranges or [])


def run(opts, out_dir=None):
    work = bl.work_dir("large")
    tree = work / "tree"
    tree.mkdir()
    big = tree / "large.bin"
    size = opts.large_size
    rng = random.Random(8)
    with open(big, "wb") as f:
        for _ in range(size // bl.MIB):
            f.write(rng.randbytes(bl.MIB))
    os.sync()
    rows, agent_times, sums = [], [], []
    agent = bl.Agent(opts, work, tree, opts.large_backend, ["--max-file-size", "64GiB"], tag="large")
    try:
        agent.wait_baseline(600)
        for n in range(opts.edits):
            offset, patch = rng.randrange(0, size - 16), rng.randbytes(rng.randint(2, 8))
            read_before = rchar(agent.proc.pid)
            start = time.monotonic()
            with open(big, "r+b") as f:
                f.seek(offset)
                f.write(patch)
            written = time.monotonic()
            docs, deadline = [], written + 120
            while len(docs) <= n and time.monotonic() < deadline:
                docs = modified_documents(opts.es_url, agent.stream)
                if len(docs) <= n:
                    time.sleep(0.1)
            if len(docs) <= n:
                rows.append([n + 1, f"{offset:,}", len(patch), "no document in 120 s", "", "", "", "", "", ""])
                print(f"large_edits: no document for edit {n + 1}; the agent's log:\n{agent.log_path.read_text()}",
                      file=sys.stderr)
                continue
            doc = docs[n]
            searchable = time.monotonic() - start
            read = rchar(agent.proc.pid) - read_before
            t = time.monotonic()  # after the agent's analysis: the two do not share the CPUs
            out = subprocess.run(["sha256sum", str(big)], capture_output=True, text=True, check=True)
            sum_s = time.monotonic() - t
            hash_ok = doc.get("file", {}).get("hash", {}).get("sha256") == out.stdout.split()[0]
            agent_s = bl.iso_seconds(doc["event"]["created"]) - bl.iso_seconds(doc["@timestamp"])
            fim = doc.get("fim", {})
            writes_ok = covers(fim.get("writes"), offset, len(patch))
            ranges_ok = covers(fim.get("change", {}).get("ranges"), offset, len(patch))
            agent_times.append(agent_s)
            sums.append(sum_s)
            rows.append([n + 1, f"{offset:,}", len(patch), f"{searchable:.2f} s", f"{agent_s:.2f} s",
                         f"{sum_s:.2f} s", f"{agent_s / sum_s:.2f}", f"{read / size:.2f}",
                         f"{'yes' if writes_ok else 'NO'} / {'yes' if ranges_ok else 'NO'}", "yes" if hash_ok else "NO"])
            time.sleep(0.5)
        cpu_s, _, hwm = agent.usage()
    finally:
        agent.stop()
        bl.delete_stream(opts.es_url, agent.stream)
        bl.remove(work)
    notes = [f"agent peak RSS {hwm / bl.MIB:.0f} MiB; agent CPU {cpu_s:.1f} s in all (baseline of the file included)"]
    if agent_times:
        notes.append(f"median agent time / sha256sum: {bl.percentile(agent_times, 50) / bl.percentile(sums, 50):.2f}"
                     " (the agent's time includes the 200 ms close-settle wait and the SHA-256 of the whole file)")
    plot = bl.bar_plot(out_dir, "large-edits", f"Edit of a few bytes in a {size / bl.MIB / 1024:g} GiB file (median)",
                       "seconds", ["fimon: close to document", "sha256sum of the file"],
                       [bl.percentile(agent_times, 50) if agent_times else None,
                        bl.percentile(sums, 50) if sums else None])
    return bl.Section(
        f"Large-file edits: {opts.edits} edits of 2–8 bytes in a {size / bl.MIB:,.0f} MiB file",
        f"fimon on {opts.large_backend}; the file's content is random and in the page cache.",
        ["edit", "offset", "bytes", "write → searchable", "agent time", "sha256sum", "agent / sha256sum",
         "bytes read / file size", "fim.writes / fim.change.ranges name the edit", "sha256 right"], rows, notes,
        [p for p in [plot] if p])


def add_arguments(p):
    p.add_argument("--large-size", type=int, default=1024 * bl.MIB)
    p.add_argument("--edits", type=int, default=10)
    p.add_argument("--large-backend", default="ebpf")


def main():
    bl.main_alone(__doc__, add_arguments, run)

if __name__ == "__main__":
    main()
