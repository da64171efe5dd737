#!/usr/bin/env python3
"""Hash throughput: fimon's SHA-256 on one core against `openssl speed -evp sha256` on the same
machine, in the same run (issue 8).

fimon's figures come from the Google Benchmark binary (bench/analysis_bench.cpp): SHA-256 over a
64 MiB buffer fed 256 KiB at a time (what the analyzer reads at a time), and the whole read pass
over a 64 MiB file in the page cache (SHA-256, chunking on a second thread, entropy). openssl speed
hashes 256 KiB blocks for the same number of seconds. The best of several runs of each is kept.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

BLOCK = 256 * 1024


def openssl_rate(seconds):
    """Bytes per second of `openssl speed -evp sha256` on BLOCK-sized blocks."""
    out = subprocess.run(["openssl", "speed", "-evp", "sha256", "-bytes", str(BLOCK), "-seconds", str(max(1, round(seconds)))],
                         capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.lower().startswith("sha256"))
    return float(re.findall(r"([\d.]+)k", line)[-1]) * 1000


def fimon_rates(binary, min_time, repeat):
    """The best bytes per second of each benchmark over `repeat` repetitions."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, "--benchmark_filter=BM_Sha256Alone$|BM_FileReadPass$|BM_FileSha256Alone$",
                        f"--benchmark_out={out.name}", "--benchmark_out_format=json",
                        f"--benchmark_repetitions={repeat}", f"--benchmark_min_time={min_time}"],
                       capture_output=True, text=True, check=True)
        runs = json.load(out)["benchmarks"]
    best = {}
    for b in runs:
        if b.get("run_type") == "iteration":
            best[b["run_name"]] = max(best.get(b["run_name"], 0), b["bytes_per_second"])
    return best


def run(opts, out_dir=None):
    best_ssl = max(openssl_rate(opts.hash_seconds) for _ in range(opts.repeat))
    fim = fimon_rates(opts.analysis_bench, opts.hash_seconds, opts.repeat)
    version = bl.first_line(["openssl", "version"])
    rows = [[f"openssl speed -evp sha256 ({version}), 256 KiB blocks", f"{best_ssl / 1e6:,.0f}", "1.00"]]
    labels = {"BM_Sha256Alone": "fimon SHA-256, in memory, 256 KiB updates",
              "BM_FileSha256Alone": "fimon read + SHA-256 of a 64 MiB file in the page cache",
              "BM_FileReadPass": "fimon read pass of the same file (SHA-256 + chunking + entropy)"}
    for name, label in labels.items():
        if name in fim:
            rows.append([label, f"{fim[name] / 1e6:,.0f}", f"{fim[name] / best_ssl:.2f}"])
    plot = bl.bar_plot(out_dir, "hash-rate", "SHA-256 on one core (higher is better)", "MB/s",
                       ["openssl speed", "fimon SHA-256", "fimon read + SHA-256", "fimon read pass"],
                       [best_ssl / 1e6] + [fim.get(n, 0) / 1e6 if n in fim else None for n in labels])
    return bl.Section("Hash throughput: SHA-256 per core", __doc__.split("\n\n")[1].replace("\n", " "),
                      ["what", "MB/s", "ratio to openssl"], rows,
                      [f"best of {opts.repeat} runs of {opts.hash_seconds} s each; MB = 10^6 bytes"],
                      [p for p in [plot] if p])


def add_arguments(p):
    p.add_argument("--analysis-bench", default=str(bl.REPO / "build" / "dev" / "fimon_bench_analysis"))
    p.add_argument("--hash-seconds", type=float, default=3)
    p.add_argument("--repeat", type=int, default=3)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(p)
    opts = p.parse_args()
    print(run(opts).markdown())


if __name__ == "__main__":
    main()
