"""The inotify fallback, and event loss in the kernel: counted, logged, reconciled by a rescan."""
import hashlib
import os
import signal
import time

import pytest

from fimon_harness import Agent, by_path


def test_inotify_backend_reports_creates_in_new_directories(fimon_bin, es, stream, tree):
    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state, backend="inotify")
    try:
        assert "source: inotify" in agent.log_text()
        path = watched / "a"
        path.write_bytes(b"hi\n")
        # Files written into a directory before its watch exists are found by the subtree scan.
        os.makedirs(watched / "new" / "deeper")
        (watched / "new" / "deeper" / "early").write_bytes(b"early")
        docs = agent.docs(lambda d: by_path(d, path) and by_path(d, watched / "new" / "deeper" / "early"))
        (doc,) = by_path(docs, path)
        assert doc["event"]["action"] == "created"
        assert doc["fim"]["source"] == "inotify"
        assert doc["file"]["hash"]["sha256"] == hashlib.sha256(b"hi\n").hexdigest()
        assert "process" not in doc  # inotify does not say who
        os.rename(path, watched / "b")
        docs = agent.docs(lambda d: by_path(d, watched / "b"))
        assert by_path(docs, watched / "b")[0]["fim"]["previous"]["path"] == str(path)
    finally:
        agent.stop()


@pytest.mark.parametrize("backend", ["fanotify", "ebpf"])
def test_files_of_a_renamed_directory_get_its_new_path(backend, fimon_bin, es, stream, tree):
    # The source caches directory paths between events: a directory rename must not leave files
    # written afterwards under the old name, nor a rename of an ancestor two levels up.
    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state, backend=backend)
    try:
        (watched / "top" / "old").mkdir(parents=True)
        (watched / "top" / "old" / "a").write_bytes(b"a")
        agent.docs(lambda d: by_path(d, watched / "top" / "old" / "a"))
        os.rename(watched / "top" / "old", watched / "top" / "new")
        (watched / "top" / "new" / "b").write_bytes(b"b")
        os.rename(watched / "top", watched / "upper")
        (watched / "upper" / "new" / "c").write_bytes(b"c")
        # b is named where it was when the agent read its event: under top/new, or under upper/new
        # when the second rename came first. Never under the old name the cache once held.
        b_paths = [watched / "top" / "new" / "b", watched / "upper" / "new" / "b"]
        c_path = watched / "upper" / "new" / "c"
        docs = agent.docs(lambda d: by_path(d, c_path) and any(by_path(d, p) for p in b_paths))
        paths = {d["file"]["path"] for d in docs}
        assert not any("/old/" in p for p in paths if p.endswith(("/b", "/c"))), paths
        (c,) = [d for d in by_path(docs, c_path) if d["event"]["action"] == "created"]
        assert c["file"]["hash"]["sha256"] == hashlib.sha256(b"c").hexdigest()
    finally:
        agent.stop()


@pytest.fixture
def tiny_kernel_queues():
    """Shrinks the kernel queues so a paused agent overflows them; restores them afterwards."""
    knobs = ["/proc/sys/fs/fanotify/max_queued_events", "/proc/sys/fs/inotify/max_queued_events"]
    saved = {k: open(k).read() for k in knobs}
    for k in knobs:
        with open(k, "w") as f:
            f.write("64")
    yield
    for k, v in saved.items():
        with open(k, "w") as f:
            f.write(v)


@pytest.mark.parametrize("backend", ["fanotify", "inotify"])
def test_queue_overflow_is_counted_and_reconciled(backend, fimon_bin, es, stream, tree, tiny_kernel_queues):
    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state, backend=backend)
    try:
        agent.proc.send_signal(signal.SIGSTOP)  # the kernel queue fills while the agent sleeps
        for i in range(300):
            (watched / f"f{i:03d}").write_bytes(b"%d" % i)
        agent.proc.send_signal(signal.SIGCONT)
        expected = {str(watched / f"f{i:03d}") for i in range(300)}
        # Wait for these very files: other documents (the watched directory itself) may come first.
        docs = agent.docs(lambda d: expected <= {x["file"]["path"] for x in d}, timeout=30.0)
        agent.wait_log("queue overflowed")
        assert any(d["fim"]["source"] == "scan" for d in docs)
    finally:
        agent.stop()
    assert "rescans=1" in agent.log_text() or "rescans=2" in agent.log_text()
    assert "kernel_drops=0" not in agent.log_text()
