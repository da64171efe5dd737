"""Nothing lost, nothing duplicated (issue 4): outages, crashes, a misbehaving network, a full disk.

Each test writes a known set of files and then requires every one of them in Elasticsearch exactly
once, with the right hash. Elasticsearch is the real one; faults come from stopping it, from
SIGKILL, from a fault-injecting proxy on loopback in front of it, or from a tiny tmpfs.
"""
import hashlib
import json
import os
import random
import signal
import subprocess
import threading
import time

import pytest

from fault_proxy import FORWARD, RESET_AFTER, RESET_BEFORE, SERVER_ERROR, SLOW, TOO_MANY, FaultProxy
from fimon_harness import REPO, Agent, Elasticsearch

FILE_EVENTS = [{"term": {"event.kind": "event"}}, {"term": {"event.action": "created"}}, {"term": {"file.type": "file"}}]


def content(i):
    return (f"file {i}\n" * (1 + i % 7)).encode()


class Writer(threading.Thread):
    """Creates `count` files under `root` (500 per directory), at `rate` files/s if given."""

    def __init__(self, root, count, rate=None, prefix="f"):
        super().__init__(daemon=True)
        self.root, self.count, self.rate, self.prefix = root, count, rate, prefix
        self.paths = []
        self.error = None

    def run(self):
        try:
            start = time.monotonic()
            for i in range(self.count):
                d = self.root / f"{self.prefix}d{i // 500:03d}"
                if i % 500 == 0:
                    d.mkdir()
                p = d / f"{self.prefix}{i:06d}"
                p.write_bytes(content(i))
                self.paths.append(p)
                if self.rate:
                    ahead = (i + 1) / self.rate - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def finish(self):
        self.join()
        assert self.error is None, self.error
        return self.paths


def count_created(es, stream):
    es.request("POST", f"/{stream}/_refresh")
    status, res = es.request("POST", f"/{stream}/_count?ignore_unavailable=true",
                             {"query": {"bool": {"filter": FILE_EVENTS}}})
    return res["count"] if status == 200 else 0


def assert_each_exactly_once(es, stream, paths, timeout):
    """Waits until as many `created` documents as files exist, then checks none is doubled and a
    sample carries the right sha256 (all paths are distinct and only these files were written, so
    equal counts and no duplicates mean every file is there once)."""
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        seen = count_created(es, stream)
        if seen >= len(paths):
            break
        time.sleep(1.0)
    status, res = es.request("POST", f"/{stream}/_search", {
        "size": 0, "query": {"bool": {"filter": FILE_EVENTS}},
        "aggs": {"doubled": {"terms": {"field": "file.path", "min_doc_count": 2, "size": 10}}}})
    assert status == 200, res
    doubled = res["aggregations"]["doubled"]["buckets"]
    assert not doubled, f"documents stored more than once: {doubled}"
    assert seen == len(paths), f"{seen} of {len(paths)} files reached Elasticsearch in {timeout}s"
    for p in random.Random(4).sample(paths, min(200, len(paths))):
        status, res = es.request("POST", f"/{stream}/_search", {
            "query": {"bool": {"filter": [*FILE_EVENTS, {"term": {"file.path": str(p)}}]}}})
        hit = res["hits"]["hits"][0]["_source"]
        assert hit["file"]["hash"]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest(), p


def status_of(fimon_bin, state):
    res = Agent.run_cli(fimon_bin, ["status", "--state-dir", str(state)])
    return dict(line.split(": ", 1) for line in res.stdout.splitlines() if ": " in line)


def dev_elasticsearch(*args, keep_data=False):
    env = dict(os.environ, FIMON_ES_KEEP_DATA="1") if keep_data else None
    subprocess.run([str(REPO / "scripts" / "dev-elasticsearch"), *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, timeout=300)


def test_elasticsearch_stopped_for_60s_under_1000_files_per_second(fimon_bin, es, stream, tree):
    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state)
    writer = Writer(watched, 60_000, rate=1000)
    try:
        dev_elasticsearch("stop", keep_data=True)
        stopped = time.monotonic()
        writer.start()
        paths = writer.finish()
        assert time.monotonic() - stopped < 75, "the writer could not keep 1,000 files/s"
        during = status_of(fimon_bin, state)
    finally:
        dev_elasticsearch("start", keep_data=True)
    try:
        assert int(during["spool_documents"]) > 0, during
        assert int(during["delivered"]) == 0, during
        assert_each_exactly_once(es, stream, paths, timeout=300)
    finally:
        agent.stop()
    after = status_of(fimon_bin, state)
    assert after["dropped"] == "0" and after["rejected"] == "0", after


def test_agent_killed_mid_burst_loses_and_duplicates_nothing(fimon_bin, es, stream, tree):
    watched, state = tree
    first = Agent(fimon_bin, es, stream, watched, state)
    writer = Writer(watched, 20_000)
    writer.start()
    time.sleep(3)
    first.proc.send_signal(signal.SIGKILL)  # no flush, no goodbye: whatever was in flight
    first.proc.wait()
    first.log.close()
    paths = writer.finish()
    second = Agent(fimon_bin, es, stream, watched, state)
    try:
        assert_each_exactly_once(es, stream, paths, timeout=180)
    finally:
        second.stop()
    assert "start-up scan" in second.log_text()


@pytest.fixture
def proxy(es):
    p = FaultProxy(es.url).start()
    yield p
    p.stop()


def test_429_500_resets_slowness_and_413_from_the_network(fimon_bin, es, stream, tree, proxy):
    watched, state = tree
    proxy.set_schedule([TOO_MANY, FORWARD, SERVER_ERROR, RESET_AFTER, FORWARD, RESET_BEFORE, SLOW, FORWARD])
    proxy.max_body = 300_000  # full batches (1,000 documents, ~1.5 MB) are refused with 413 and split
    agent = Agent(fimon_bin, Elasticsearch(proxy.url), stream, watched, state)
    writer = Writer(watched, 3000)
    writer.start()
    paths = writer.finish()
    try:
        assert_each_exactly_once(es, stream, paths, timeout=180)
    finally:
        agent.stop()
    for fault in (TOO_MANY, SERVER_ERROR, RESET_AFTER, RESET_BEFORE, SLOW, "413"):
        assert proxy.counts.get(fault, 0) > 0, f"fault {fault} never happened: {proxy.counts}"
    final = status_of(fimon_bin, state)
    assert int(final["retried"]) > 0 and final["rejected"] == "0", final


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs for the state directory, so the spool can really run out of space."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_spool_disk_full_keeps_the_agent_up_and_recovers(fimon_bin, es, stream, tmp_path, proxy, small_disk):
    watched = tmp_path / "watched"
    watched.mkdir()
    state = small_disk / "state"
    agent = Agent(fimon_bin, Elasticsearch(proxy.url), stream, watched, state)
    proxy.down()  # Elasticsearch unreachable: everything stays in the spool
    st = os.statvfs(small_disk)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (st.f_bavail * st.f_frsize - 512 * 1024))  # leave 512 KiB
    writer = Writer(watched, 3000)
    writer.start()
    paths = writer.finish()
    try:
        agent.wait_log("No space left on device", timeout=60)
        assert agent.proc.poll() is None, "the agent died on a full disk"
        filler.unlink()  # space returns, and so does Elasticsearch
        proxy.up()
        assert_each_exactly_once(es, stream, paths, timeout=180)
    finally:
        agent.stop()
    assert int(status_of(fimon_bin, state)["queue_errors"]) > 0


def test_a_refused_document_goes_to_the_dead_letter_file(fimon_bin, es, installed, tree):
    watched, state = tree
    index = f"fimon-deadletter-{os.getpid()}-{int(time.time())}"
    # A mapping no file event fits: file.size as a boolean makes Elasticsearch refuse the document.
    status, res = es.request("PUT", f"/{index}", {"mappings": {"properties": {"file": {
        "properties": {"size": {"type": "boolean"}}}}}})
    assert status == 200, res
    agent = Agent(fimon_bin, es, index, watched, state, extra=["--index-mode", "index"])
    dead_letters = state / "dead-letter.ndjson"

    def wait_for_lines(n):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if dead_letters.exists() and len(dead_letters.read_text().splitlines()) >= n:
                return
            time.sleep(0.2)
        raise AssertionError(f"fewer than {n} dead letters:\n{agent.log_text()}")

    try:
        (watched / "refused").write_bytes(b"123")
        wait_for_lines(1)
        (watched / "refused").write_bytes(b"still running")  # the agent carries on
        wait_for_lines(2)
    finally:
        agent.stop()
    assert "refused (HTTP 400)" in agent.log_text()
    lines = [json.loads(line) for line in dead_letters.read_text().splitlines()]
    assert lines and lines[0]["status"] == 400, lines
    assert "size" in lines[0]["reason"]
    assert any(d["document"]["file"]["path"] == str(watched / "refused") for d in lines)
    final = status_of(fimon_bin, state)
    assert final["rejected"] == final["dead_lettered"] and int(final["rejected"]) >= 1, final


def test_a_cluster_that_cannot_create_the_stream_keeps_the_events_until_it_can(fimon_bin, es, stream, tree):
    """The cluster's shard limit reached (as on a long-lived test node): the data stream cannot be
    created, every item comes back 400 validation_exception. That is the cluster's problem, not the
    documents': nothing is dead-lettered, and all arrive once an operator lifts the limit."""
    watched, state = tree
    # The limit counts the copies of open indices only (closed ones, like those the benchmark leaves
    # on a shared dev node, still show in the cluster's health).
    _, indices = es.request("GET", "/_cat/indices?h=status,pri,rep&format=json&expand_wildcards=all")
    shards_now = sum(int(i["pri"]) * (1 + int(i["rep"])) for i in indices if i["status"] == "open")

    def shard_limit(value):
        status, res = es.request("PUT", "/_cluster/settings", {"persistent": {"cluster.max_shards_per_node": value}})
        assert status == 200, res

    shard_limit(shards_now)
    agent = None
    try:
        agent = Agent(fimon_bin, es, stream, watched, state)
        writer = Writer(watched, 50)
        writer.start()
        paths = writer.finish()
        agent.wait_log("maximum normal shards open", timeout=30)
        during = status_of(fimon_bin, state)
        assert during["delivered"] == "0" and during["dead_lettered"] == "0", during
        shard_limit(None)
        assert_each_exactly_once(es, stream, paths, timeout=120)
    finally:
        shard_limit(None)
        if agent:
            agent.stop()
    assert "kept and retried" in agent.log_text()
    after = status_of(fimon_bin, state)
    assert after["dead_lettered"] == "0" and after["rejected"] == "0", after


def test_a_full_spool_pauses_analysis_and_loses_nothing(fimon_bin, es, stream, tree, proxy):
    watched, state = tree
    # 256 KiB of spool holds about 150 documents; Elasticsearch is unreachable while 1,000 files
    # are written, so analysis must wait (the coalescer holding the rest) rather than drop.
    agent = Agent(fimon_bin, Elasticsearch(proxy.url), stream, watched, state,
                  extra=["--spool-max-size", "256KiB"])
    proxy.down()
    writer = Writer(watched, 1000)
    writer.start()
    paths = writer.finish()
    try:
        agent.wait_log("spool full", timeout=60)
        deadline = time.monotonic() + 15  # status.json is rewritten every 5 s
        during = status_of(fimon_bin, state)
        while int(during["queue_full"]) < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
            during = status_of(fimon_bin, state)
        assert int(during["queue_full"]) >= 1 and int(during["spool_bytes"]) <= 256 * 1024, during
        assert int(during["pending_files"]) > 0, during  # held back, not dropped
        proxy.up()
        assert_each_exactly_once(es, stream, paths, timeout=180)
    finally:
        agent.stop()
    assert status_of(fimon_bin, state)["dropped"] == "0"


def test_several_hosts_take_turns_and_a_dead_one_is_skipped(fimon_bin, es, stream, tree, proxy):
    watched, state = tree
    dead = FaultProxy(es.url).start()
    dead.down()  # refuses connections for the whole test
    agent = Agent(fimon_bin, Elasticsearch(proxy.url), stream, watched, state,
                  extra=["--es-url", dead.url, "--es-url", es.url, "--bulk-max-docs", "50"])
    writer = Writer(watched, 500)
    writer.start()
    paths = writer.finish()
    try:
        assert_each_exactly_once(es, stream, paths, timeout=120)
    finally:
        agent.stop()
        dead.stop()
    assert proxy.counts.get("bulk-forwarded", 0) > 0, "the first host never took a _bulk: no round-robin"


def test_a_huge_answer_is_refused_not_buffered(fimon_bin, proxy):
    proxy.huge_answers = True
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", proxy.url])
    assert res.returncode == 1
    assert "larger than 64 MiB" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_shutdown_with_a_full_spool_and_no_elasticsearch_loses_nothing(fimon_bin, es, stream, tree, proxy):
    """The changes that cannot be queued at shutdown keep their old baseline, so the next start
    reports them: nothing is lost, and the agent does not hang waiting for room."""
    watched, state = tree
    first = Agent(fimon_bin, Elasticsearch(proxy.url), stream, watched, state, extra=["--spool-max-size", "128KiB"])
    proxy.down()
    writer = Writer(watched, 600)
    writer.start()
    paths = writer.finish()
    first.wait_log("spool full", timeout=60)
    started = time.monotonic()
    first.stop()
    assert time.monotonic() - started < 20, "shutdown waited for a queue that could not drain"
    assert "could not be queued before shutdown" in first.log_text()
    proxy.up()
    second = Agent(fimon_bin, Elasticsearch(proxy.url), stream, watched, state, extra=["--spool-max-size", "128KiB"])
    try:
        assert_each_exactly_once(es, stream, paths, timeout=180)
    finally:
        second.stop()
