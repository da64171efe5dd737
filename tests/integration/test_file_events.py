"""One document per file operation, with the right action, path, hash and writer."""
import hashlib
import os
import subprocess
import sys
import time

from fimon_harness import by_path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_done_when_echo_hi_is_searchable_within_5s(agent, tree):
    """The issue's acceptance check: `echo hi > DIR/a` from a shell."""
    watched, _ = tree
    target = watched / "a"
    # "; exit 0" keeps bash from exec()ing sleep in its own process: a pid is looked up when the
    # event is read, so an exec right after the write would be reported instead (docs/sources.md).
    writer = subprocess.Popen(["bash", "-c", f"echo hi > '{target}'; sleep 3; exit 0"])
    start = time.monotonic()
    docs = agent.docs(lambda d: by_path(d, target), timeout=5.0)
    elapsed = time.monotonic() - start
    writer.wait()
    (doc,) = by_path(docs, target)
    assert doc["event"]["action"] == "created"
    assert doc["file"]["hash"]["sha256"] == sha256(b"hi\n")
    assert doc["process"]["executable"] == "/usr/bin/bash"
    assert doc["process"]["pid"] == writer.pid
    assert doc["fim"]["source"] == "ebpf"  # what --backend auto picks here (fallbacks: test_ebpf.py)
    assert elapsed < 5.0


def test_each_operation_is_one_document(agent, tree):
    watched, _ = tree
    path = watched / "report.txt"
    moved = watched / "report-final.txt"
    me = os.getpid()
    exe = os.path.realpath(sys.executable)
    seen = 0

    def expect(action, p, content=None):
        nonlocal seen
        docs = agent.docs(lambda d: len(d) > seen)
        assert len(docs) == seen + 1, [(x["event"]["action"], x["file"]["path"]) for x in docs[seen:]]
        doc = docs[seen]
        seen += 1
        assert doc["event"]["action"] == action
        assert doc["file"]["path"] == str(p)
        if content is not None:
            assert doc["file"]["hash"]["sha256"] == sha256(content)
            assert doc["file"]["size"] == len(content)
        assert doc["process"]["pid"] == me
        assert doc["process"]["executable"] == exe
        assert doc["user"]["id"] == str(os.geteuid())
        assert doc["event"]["sequence"] == seen
        return doc

    path.write_bytes(b"first\n")
    created = expect("created", path, b"first\n")
    assert created["event"]["type"] == ["creation"]
    assert created["file"]["type"] == "file"
    assert created["file"]["inode"] == str(os.stat(path).st_ino)

    with open(path, "ab") as f:
        f.write(b"appended\n")
    expect("modified", path, b"first\nappended\n")

    path.write_bytes(b"overwritten")
    expect("modified", path, b"overwritten")

    os.rename(path, moved)
    renamed = expect("renamed", moved, b"overwritten")
    assert renamed["fim"]["previous"]["path"] == str(path)

    os.chmod(moved, 0o600)
    attrs = expect("attributes_modified", moved, b"overwritten")
    assert attrs["file"]["mode"] == "0600"

    os.unlink(moved)
    deleted = expect("deleted", moved)
    assert deleted["event"]["type"] == ["deletion"]
    assert "hash" not in deleted["file"]

    ids = {d["event"]["id"] for d in agent.es.search(agent.stream)}
    assert len(ids) == 6


def test_a_burst_of_writes_is_one_event(agent, tree):
    watched, _ = tree
    path = watched / "burst.log"
    with open(path, "wb") as f:
        for i in range(500):
            f.write(b"line %d\n" % i)
            f.flush()
    content = path.read_bytes()
    docs = agent.docs(lambda d: by_path(d, path))
    time.sleep(1.5)  # anything that would follow has had its chance
    docs = by_path(agent.es.search(agent.stream), path)
    assert len(docs) == 1
    assert docs[0]["event"]["action"] == "created"
    assert docs[0]["file"]["hash"]["sha256"] == sha256(content)


def test_a_name_unlinked_and_created_again_is_a_file_the_agent_still_knows(agent, tree):
    """unlink, then create under the same name (tar, install, git checkout): fanotify merges the two
    into one event, whose bits do not say which came first. The agent must end up knowing the new
    file, not having recorded it deleted."""
    watched, _ = tree
    path = watched / "replaced.conf"
    path.write_bytes(b"old\n")
    agent.docs(lambda d: by_path(d, path))
    os.unlink(path)
    path.write_bytes(b"new\n")
    time.sleep(1.5)  # the quiet period (1 s in tests): the replacement's documents are out
    replaced = by_path(agent.es.search(agent.stream), path)
    assert replaced[-1]["event"]["action"] != "deleted", [d["event"]["action"] for d in replaced]
    assert replaced[-1]["file"]["hash"]["sha256"] == sha256(b"new\n")
    with open(path, "ab") as f:
        f.write(b"more\n")
    docs = agent.docs(lambda d: len(by_path(d, path)) > len(replaced))
    last = by_path(docs, path)[-1]
    assert last["event"]["action"] == "modified"
    assert last["file"]["hash"]["sha256"] == sha256(b"new\nmore\n")


def test_file_held_open_is_reported_after_the_quiet_period(agent, tree):
    watched, _ = tree
    path = watched / "held.log"
    with open(path, "wb") as f:
        f.write(b"still open\n")
        f.flush()
        docs = agent.docs(lambda d: by_path(d, path), timeout=5.0)  # quiet period is 1 s in tests
        assert by_path(docs, path)[0]["file"]["hash"]["sha256"] == sha256(b"still open\n")


def test_directories_symlinks_and_fifos(agent, tree):
    watched, _ = tree
    sub = watched / "sub"
    sub.mkdir()
    fifo = sub / "pipe"
    os.mkfifo(fifo)
    link = sub / "link"
    os.symlink("/etc/shadow", link)
    docs = agent.docs(lambda d: by_path(d, sub) and by_path(d, fifo) and by_path(d, link))
    assert by_path(docs, sub)[0]["file"]["type"] == "dir"
    (f,) = by_path(docs, fifo)
    assert f["file"]["type"] == "fifo" and f["fim"]["hash_skipped"] == "not_regular_file"
    (s,) = by_path(docs, link)
    assert s["file"]["type"] == "symlink" and s["file"]["target_path"] == "/etc/shadow"
    assert "hash" not in s["file"]


def test_excluded_paths_and_own_state_produce_nothing(fimon_bin, es, stream, tree):
    from fimon_harness import Agent

    watched, _ = tree
    state = watched / ".fimon-state"  # state inside the watched tree: must still be invisible
    agent = Agent(fimon_bin, es, stream, watched, state, extra=["--exclude", "*.swp", "--exclude", f"{watched}/cache/**"])
    try:
        (watched / "cache").mkdir()
        (watched / "cache" / "x").write_bytes(b"x")
        (watched / ".edit.swp").write_bytes(b"x")
        (watched / "kept").write_bytes(b"x")
        docs = agent.docs(lambda d: by_path(d, watched / "kept"))
        time.sleep(1.0)
        paths = {d["file"]["path"] for d in es.search(stream)}
        assert paths == {str(watched / "kept"), str(watched / "cache")}
        assert (state / "agent-id").exists()
    finally:
        agent.stop()


def test_shutdown_flushes_pending_changes(fimon_bin, es, stream, tree):
    from fimon_harness import Agent

    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state, extra=["--quiet-period", "60s", "--close-settle", "60s"])
    path = watched / "late"
    path.write_bytes(b"written just before shutdown")
    time.sleep(0.5)  # the kernel event has reached the agent, the timers have not fired
    import signal

    agent.stop(signal.SIGTERM)
    docs = es.wait_for(stream, lambda d: by_path(d, path), timeout=5.0)
    assert by_path(docs, path)[0]["file"]["hash"]["sha256"] == sha256(b"written just before shutdown")
    assert "health (final)" in agent.log_text()


def test_the_agent_keeps_only_the_capabilities_it_needs(agent, tree):
    wanted = (1 << 2) | (1 << 19) | (1 << 21)  # CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_ADMIN
    tasks = os.listdir(f"/proc/{agent.proc.pid}/task")
    assert len(tasks) > 3  # capabilities are per thread: every one of them is checked
    for tid in tasks:
        try:
            text = open(f"/proc/{agent.proc.pid}/task/{tid}/status").read()
        except FileNotFoundError:
            continue  # a short-lived thread (the start-up scan, a chunking helper) has ended
        status = dict(line.split(":", 1) for line in text.splitlines())
        for field in ("CapEff", "CapPrm", "CapBnd"):
            assert int(status[field], 16) == wanted, (tid, field, status[field])
        assert int(status["NoNewPrivs"]) == 1
    # ...and still sees, reads and attributes a change by another process.
    watched, _ = tree
    path = watched / "after-drop"
    subprocess.run(["sh", "-c", f"printf dropped > '{path}'"], check=True)
    docs = agent.docs(lambda d: by_path(d, path))
    doc = by_path(docs, path)[0]
    assert doc["file"]["hash"]["sha256"] == sha256(b"dropped")
    assert doc["process"]["pid"] > 0
