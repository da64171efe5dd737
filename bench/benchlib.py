"""What every whole-system scenario of bench/run.py shares: Elasticsearch calls, starting and
measuring the agent and the peers, Markdown tables and gnuplot plots."""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIB = 1 << 20


@dataclass
class Section:
    """One scenario's part of the report: a Markdown table and the plots drawn from it."""
    title: str
    intro: str
    header: list
    rows: list
    notes: list = field(default_factory=list)
    plots: list = field(default_factory=list)  # file names of PNGs in the output dir

    def markdown(self):
        lines = [f"## {self.title}", "", self.intro, "", "| " + " | ".join(self.header) + " |",
                 "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        lines += [""] + [f"- {n}" for n in self.notes] + ([""] if self.notes else [])
        lines += [f"![{self.title}]({p})" for p in self.plots] + ([""] if self.plots else [])
        return "\n".join(lines)


def es_request(url, method, path, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def scroll(url, stream, query, fields):
    """Every hit's _source of a query, by scrolling."""
    status, res = es_request(url, "POST", f"/{stream}/_search?scroll=1m",
                             {"size": 5000, "query": query, "_source": fields})
    while status == 200 and res["hits"]["hits"]:
        for hit in res["hits"]["hits"]:
            yield hit["_source"]
        status, res = es_request(url, "POST", "/_search/scroll", {"scroll": "1m", "scroll_id": res["_scroll_id"]})


def agent_arguments(p):
    """The options every scenario that starts programs shares (bench/run.py and each one alone)."""
    p.add_argument("--fimon", default=str(REPO / "build" / "dev" / "fimon"))
    p.add_argument("--writer", default=str(REPO / "build" / "dev" / "fimon_bench_burst_writer"))
    p.add_argument("--es-url", default=os.environ.get("FIMON_ES_URL", "http://127.0.0.1:9200"))


def main_alone(doc, add_arguments, run):
    """A scenario module run by itself: its options and the shared ones, the template, its table."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    add_arguments(p)
    agent_arguments(p)
    opts = p.parse_args()
    install_template(opts)
    print(run(opts).markdown())


def install_template(opts):
    """`fimon setup`, as a deployment does first: without it the streams get dynamic mappings, which
    cost Elasticsearch more per document than fimon's template."""
    out = subprocess.run([opts.fimon, "setup", "--es-url", opts.es_url], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: fimon setup failed: {(out.stderr or out.stdout).strip()}")


def delete_stream(url, stream):
    """Frees the dev node of a finished configuration's documents.

    The integ-test-zip distribution has no data stream API (DELETE /_data_stream answers 405) and
    refuses to delete a data stream's write index, so there the backing indices are closed: a closed
    index holds no heap and is never refreshed or merged, which a later scenario would pay for."""
    status, _ = es_request(url, "DELETE", f"/_data_stream/{stream}")
    if status == 404:  # a plain index, not a data stream
        es_request(url, "DELETE", f"/{stream}")
    if status in (200, 404):
        return
    status, rows = es_request(url, "GET", f"/_cat/indices/.ds-{stream}-*?h=index&format=json")
    for row in rows if status == 200 else []:
        es_request(url, "POST", f"/{row['index']}/_close")


def new_stream(tag):
    return f"logs-fimon.file-{tag}{uuid.uuid4().hex[:10]}"


def proc_usage(pid):
    """(CPU seconds, current RSS bytes, peak RSS bytes) of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    rss = hwm = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return cpu, rss, hwm


def es_pid():
    """The local dev Elasticsearch's pid (it shares the machine), or None for a node elsewhere."""
    pidfile = Path(os.environ.get("FIMON_ES_HOME", "/tmp/fimon-es-9200")) / "es.pid"
    try:
        pid = int(pidfile.read_text().strip())
        return pid if Path(f"/proc/{pid}/comm").read_text().strip() == "java" else None  # not a stale pid file
    except (OSError, ValueError):
        return None


def es_cpu_seconds():
    """CPU seconds of the local dev Elasticsearch so far, or None."""
    pid = es_pid()
    try:
        return proc_usage(pid)[0] if pid else None
    except (OSError, ValueError):
        return None


class IdleNode:
    """While open, every thread of the local dev Elasticsearch runs as SCHED_IDLE: only on CPU time
    nothing else wants. A production node is on other machines; this shows what the monitor alone
    costs a writer once the node no longer competes for the same two cores. Threads started
    meanwhile inherit the policy; on close each thread gets back the policy it had (new ones
    SCHED_OTHER)."""

    def __init__(self):
        self.pid = es_pid()
        self.before = {}  # thread -> its policy before
        if not self.pid:
            sys.exit("bench: no local dev Elasticsearch to put at idle priority")
        for tid in self.threads():
            try:
                self.before[tid] = os.sched_getscheduler(tid)
                os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            except OSError:  # a thread that ended meanwhile
                pass

    def threads(self):
        try:
            return [int(t.name) for t in Path(f"/proc/{self.pid}/task").iterdir()]
        except OSError:  # the node is gone
            return []

    def close(self):
        for tid in self.threads():  # threads started meanwhile inherited SCHED_IDLE
            try:
                os.sched_setscheduler(tid, self.before.get(tid, os.SCHED_OTHER), os.sched_param(0))
            except OSError:
                pass


class Agent:
    """`fimon run` on one tree with a fresh state dir and data stream; stopped with SIGINT."""

    def __init__(self, opts, work, tree, backend, extra=(), tag="bench"):
        self.log_path = work / f"agent-{backend}.log"
        self.stream = new_stream(tag)
        self.backend = backend
        self.state = work / f"state-{backend}"
        cmd = [opts.fimon, "run", "--watch", str(tree), "--state-dir", str(self.state), "--es-url", opts.es_url,
               "--data-stream", self.stream, "--backend", backend, *extra, *(getattr(opts, "agent_arg", None) or [])]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.wait_for_log(b"running:", 60)

    def wait_for_log(self, text, timeout):
        deadline = time.monotonic() + timeout
        while text not in self.log_path.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"bench: the {self.backend} agent did not log {text!r}:\n{self.log_path.read_text()}")
            time.sleep(0.05)

    def wait_baseline(self, timeout):
        """Waits until the start-up scan has recorded every entry of the first baseline.

        The scan's closing log line only says every entry was submitted; the agent's status file
        (written every 5 s) says when they have all been analysed."""
        self.wait_for_log(b"first baseline recorded", timeout)
        entries = int(re.search(rb"start-up scan: (\d+) entries, \d+ unreadable", self.log_path.read_bytes()).group(1))
        status = self.state / "status.json"

        def analysed():
            try:
                return json.loads(status.read_text())["analysed"] >= entries
            except (OSError, ValueError, KeyError):
                return False
        if not wait_until(analysed, timeout, 0.25):
            self.stop()
            sys.exit(f"bench: the {self.backend} agent did not record its baseline in {timeout} s")

    def usage(self):
        return proc_usage(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def wait_until(predicate, timeout, step=0.5):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def wait_quiet(size_of, quiet_s=2.0, timeout=300):
    """Waits until size_of() has not changed for quiet_s: a peer has written what it will."""
    last, since = size_of(), time.monotonic()
    deadline = since + timeout
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(0.25)
        now = size_of()
        if now != last:
            last, since = now, time.monotonic()


def work_dir(tag):
    return Path(tempfile.mkdtemp(prefix=f"fimon-bench-{tag}-", dir="/var/tmp"))


def remove(path):
    shutil.rmtree(path, ignore_errors=True)


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return ((out.stdout or out.stderr).splitlines() or ["?"])[0].strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), "?")
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
    return (f"{len(os.sched_getaffinity(0))} CPUs ({model}), {mem / (1 << 20):.0f} GiB RAM, "
            f"Linux {platform.release()}")


def iso_seconds(text):
    """Seconds since the epoch of an ISO 8601 time as Elasticsearch returns it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def gnuplot(out_dir, name, script, data):
    """Draws out_dir/name.png from a gnuplot script over `data` (text written to name.dat).

    Returns the PNG's file name, or None when gnuplot is missing (the table still stands)."""
    if out_dir is None or not shutil.which("gnuplot"):
        return None
    dat, png = out_dir / f"{name}.dat", out_dir / f"{name}.png"
    dat.write_text(data)
    full = (f"set terminal pngcairo size 900,480 font 'sans,10'\nset output '{png}'\n"
            f"set datafile separator '\\t'\n{script.replace('DATA', repr(str(dat)))}\n")
    proc = subprocess.run(["gnuplot"], input=full, text=True, capture_output=True)
    if proc.returncode != 0:
        print(f"bench: gnuplot failed for {name}: {proc.stderr.strip()}", file=sys.stderr)
        return None
    return png.name


def bar_plot(out_dir, name, title, ylabel, labels, values, log_scale=False):
    data = "".join(f"{label}\t{value}\n" for label, value in zip(labels, values) if value is not None)
    script = (f"set title '{title}'\nset ylabel '{ylabel}'\nset style fill solid 0.6\nset boxwidth 0.6\n"
              "set grid ytics\nset yrange [0:*]\nset offsets 0,0,graph 0.12,0\nset xtics rotate by -20\nunset key\n"
              + ("set logscale y\nset yrange [*:*]\n" if log_scale else "")
              + "plot DATA using 0:2:xtic(1) with boxes, '' using 0:2:(sprintf('%.2f',$2)) with labels offset 0,0.8")
    return gnuplot(out_dir, name, script, data)
