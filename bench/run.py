#!/usr/bin/env python3
"""fimon's whole-system benchmark against its peers, in one command (issue 8).

Runs every scenario in one invocation, prints the report as Markdown and writes it, with gnuplot
PNG plots, to --out:
  burst    100,000 small files from one process: no monitor, fimon on ebpf/fanotify/inotify,
           inotifywait, fatrace, auditd
  floor    the same writer beside fimon's kernel feeds alone (fanotify, eBPF), no agent behind
           them: what the kernel itself charges
  large    10 edits of a few bytes into a 1 GiB file vs sha256sum of the file
  steady   1,000 modified files/s for 60 s: write -> searchable p50/p99, agent CPU
  scan     `fimon scan` of 200,000 files (and 4 x 64 MiB) vs sha256sum and aide --init
  hash     fimon's SHA-256 per core vs openssl speed
  idle     agent CPU and RSS with a 1,000,000-file baseline and no activity
Needs root (eBPF, fanotify, audit), the peers (scripts/bootstrap installs them) and a reachable
Elasticsearch (FIMON_ES_URL; scripts/dev-elasticsearch start). --quick is the smoke run of the
test suite: every scenario at a tiny size, in about a minute; nothing is asserted about time.
"""
import argparse
import datetime
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402
import burst  # noqa: E402
import hash_rate  # noqa: E402
import idle  # noqa: E402
import kernel_floor  # noqa: E402
import large_edits  # noqa: E402
import scan_throughput  # noqa: E402
import steady_stream  # noqa: E402

SCENARIOS = {"burst": burst, "floor": kernel_floor, "large": large_edits, "steady": steady_stream,
             "scan": scan_throughput, "hash": hash_rate, "idle": idle}
PEERS = ("inotifywait", "fatrace", "auditd", "auditctl", "aide", "sha256sum", "openssl", "gnuplot")


def package_version(package):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def quick(opts):
    """Every scenario at a size that takes seconds: the smoke run."""
    opts.files, opts.burst_timeout, opts.burst_rounds = 1000, 60, 1
    opts.floor_rounds = 1
    opts.large_size, opts.edits = 16 * bl.MIB, 2
    opts.rate, opts.duration, opts.steady_backends = 100, 3, "ebpf"
    opts.scan_files, opts.scan_dirs, opts.large_files, opts.large_file_size = 500, 10, 1, 8 * bl.MIB
    opts.hash_seconds, opts.repeat = 0.1, 1
    opts.idle_files, opts.idle_seconds = 2000, 2


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios to run")
    p.add_argument("--out", default=str(bl.REPO / "build" / "bench"), help="report.md and PNG plots go here")
    p.add_argument("--quick", action="store_true", help="the smoke run: tiny sizes, seconds")
    bl.agent_arguments(p)
    p.add_argument("--agent-arg", action="append", metavar="ARG",
                   help="extra option for every `fimon run` (repeatable), e.g. --agent-arg=--workers=4")
    p.add_argument("--workdir", help=argparse.SUPPRESS)
    for module in SCENARIOS.values():
        module.add_arguments(p)
    opts = p.parse_args()
    if opts.quick:
        quick(opts)
    chosen = [s for s in opts.only.split(",") if s]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown:
        sys.exit(f"bench: unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    missing = [t for t in PEERS if not shutil.which(t)]
    if missing:
        sys.exit(f"bench: not installed: {', '.join(missing)} (scripts/bootstrap installs them)")
    if os.geteuid() != 0:
        sys.exit("bench: needs root (eBPF, fanotify and audit)")
    status, _ = bl.es_request(opts.es_url, "GET", "/_cluster/health", timeout=10) if opts.es_url else (0, None)
    if status != 200:
        sys.exit(f"bench: no Elasticsearch at {opts.es_url} (scripts/dev-elasticsearch start)")
    bl.install_template(opts)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    header = [f"# fimon benchmark, {datetime.date.today().isoformat()}", "",
              f"- machine: {bl.machine()}",
              f"- fimon: {bl.first_line([opts.fimon, 'version'])}; Elasticsearch on the same machine at {opts.es_url}",
              f"- command: `bench/run.py {' '.join(sys.argv[1:])}`".replace("`bench/run.py `", "`bench/run.py`"),
              "- peers (Debian packages): " + ", ".join(f"{p} {package_version(p)}" for p in
                                                        ("inotify-tools", "fatrace", "auditd", "aide", "openssl")), ""]
    sections = []
    for name in chosen:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        t = time.monotonic()
        result = SCENARIOS[name].run(opts, out)
        sections += result if isinstance(result, list) else [result]
        print(f"bench: {name} done in {time.monotonic() - t:.0f} s", file=sys.stderr, flush=True)
    report = "\n".join(header + [s.markdown() for s in sections])
    report += f"\n_The whole run took {time.monotonic() - started:.0f} s._\n"
    (out / "report.md").write_text(report)
    print(report)
    print(f"bench: report and plots in {out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
