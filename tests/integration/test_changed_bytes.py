"""Which bytes changed and what they were, against the baseline kept in the state directory."""
import base64
import hashlib
import os
import subprocess
import time

from fimon_harness import Agent, by_path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def modified_docs(agent, path, count=1, timeout=15.0):
    docs = agent.docs(lambda d: len([x for x in by_path(d, path) if x["event"]["action"] == "modified"]) >= count,
                      timeout=timeout)
    return [x for x in by_path(docs, path) if x["event"]["action"] == "modified"]


def test_overwrite_in_a_large_file_is_one_small_range(agent, tree):
    watched, _ = tree
    path = watched / "big.bin"
    content = bytearray(os.urandom(4 << 20))
    old = bytes(content)
    path.write_bytes(content)
    agent.docs(lambda d: by_path(d, path))
    with open(path, "r+b") as f:
        f.seek(1_000_000)
        f.write(b"0123456789")
    content[1_000_000:1_000_010] = b"0123456789"
    (doc,) = modified_docs(agent, path)
    change = doc["fim"]["change"]
    assert change["granularity"] == "chunk"
    covering = [r for r in change["ranges"] if r["offset"] <= 1_000_000 and r["offset"] + r["length"] >= 1_000_010]
    assert len(covering) == 1 and covering[0]["length"] <= 65536 * 2
    assert change["bytes_added"] <= 2 * 65536
    assert doc["fim"]["previous"]["hash"]["sha256"] != doc["file"]["hash"]["sha256"]
    assert doc["file"]["hash"]["sha256"] == sha256(bytes(content))
    assert doc["fim"]["previous"]["size"] == 4 << 20
    # The excerpt is narrowed to the 256-byte block holding the first changed byte. Blocks start
    # at content-defined chunk boundaries, so the 10 written bytes may straddle two blocks (about
    # one run in 28): the excerpt is then the new content up to that block's end, not all 10.
    excerpt = change["excerpt"]
    start = excerpt["offset"]
    captured = base64.b64decode(excerpt["base64"])
    first = next(i for i in range(1_000_000, 1_000_010) if content[i] != old[i])  # "0" may equal the old byte
    assert start <= first < start + len(captured) and len(captured) <= 256
    assert captured == bytes(content[start:start + len(captured)])


def test_prepend_to_a_large_file_adds_little(agent, tree):
    watched, _ = tree
    path = watched / "log.bin"
    body = os.urandom(4 << 20)
    path.write_bytes(body)
    agent.docs(lambda d: by_path(d, path))
    path.write_bytes(os.urandom(100) + body)
    (doc,) = modified_docs(agent, path)
    assert doc["fim"]["change"]["bytes_added"] <= 65536
    assert doc["fim"]["change"]["ranges"][0]["offset"] == 0


def test_sed_in_place_is_a_modification_of_the_target_with_a_diff(fimon_bin, es, stream, tree):
    watched, state = tree
    agent = Agent(fimon_bin, es, stream, watched, state, extra=["--diff-paths", "*.conf"])
    try:
        path = watched / "app.conf"
        path.write_bytes(b"listen=80\nuser=www\ntoken=abc123\n")
        agent.docs(lambda d: by_path(d, path))
        subprocess.run(["sed", "-i", "s/80/8080/", str(path)], check=True)
        (doc,) = modified_docs(agent, path)
        assert doc["file"]["hash"]["sha256"] == sha256(b"listen=8080\nuser=www\ntoken=abc123\n")
        assert doc["fim"]["previous"]["hash"]["sha256"] == sha256(b"listen=80\nuser=www\ntoken=abc123\n")
        change = doc["fim"]["change"]
        assert change["diff"] == "@@ -1,3 +1,3 @@\n-listen=80\n+listen=8080\n user=www\n token=<redacted>\n"
        assert change["excerpt"]["text"] == "listen=8080\nuser=www\ntoken=<redacted>\n"
        assert change["redactions"] == 2
        time.sleep(1.0)
        actions = [d["event"]["action"] for d in es.search(stream) if d["file"]["path"] == str(path)]
        assert actions == ["created", "modified"]  # not a create + rename of sed's temporary file
    finally:
        agent.stop()


def test_secret_files_get_no_excerpt(agent, tree):
    watched, _ = tree
    path = watched / "server.key"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n")
    agent.docs(lambda d: by_path(d, path))
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nBBBB\n")
    (doc,) = modified_docs(agent, path)
    assert "excerpt" not in doc["fim"]["change"]
    assert doc["fim"]["change"]["content_capture_excluded"] is True
    assert doc["fim"]["change"]["bytes_added"] > 0


def test_touch_and_identical_rewrite_are_attributes_only(agent, tree):
    watched, _ = tree
    path = watched / "same"
    path.write_bytes(b"unchanged content")
    agent.docs(lambda d: by_path(d, path))
    time.sleep(0.05)
    path.write_bytes(b"unchanged content")
    docs = agent.docs(lambda d: len(by_path(d, path)) >= 2)
    assert by_path(docs, path)[1]["event"]["action"] == "attributes_modified"
    assert "change" not in by_path(docs, path)[1]["fim"]


def test_changes_while_the_agent_was_down_are_caught_up_at_start(fimon_bin, es, stream, tree):
    watched, state = tree
    (watched / "kept").write_bytes(b"v1")
    (watched / "removed").write_bytes(b"bye")
    agent = Agent(fimon_bin, es, stream, watched, state)
    agent.wait_log("first baseline recorded")
    agent.stop()
    assert es.search(stream) == []  # the first baseline is recorded silently

    (watched / "kept").write_bytes(b"v2 while down")
    (watched / "removed").unlink()
    (watched / "arrived").write_bytes(b"new")
    agent = Agent(fimon_bin, es, stream, watched, state)
    try:
        docs = agent.docs(lambda d: len(d) >= 3)
        assert {d["fim"]["source"] for d in docs} == {"scan"}
        (kept,) = by_path(docs, watched / "kept")
        assert kept["event"]["action"] == "modified"
        assert kept["fim"]["previous"]["hash"]["sha256"] == sha256(b"v1")
        assert by_path(docs, watched / "removed")[0]["event"]["action"] == "deleted"
        assert by_path(docs, watched / "arrived")[0]["event"]["action"] == "created"
    finally:
        agent.stop()


def test_scan_respects_its_rate_limit_and_reports_progress(fimon_bin, tree):
    watched, state = tree
    for i in range(4):
        (watched / f"f{i}").write_bytes(os.urandom(2 << 20))
    start = time.monotonic()
    res = Agent.run_cli(fimon_bin, ["scan", "--watch", str(watched), "--state-dir", str(state), "--output", "console",
                                    "--scan-rate", "4MiB"])
    elapsed = time.monotonic() - start
    assert res.returncode == 0, res.stderr
    assert elapsed >= 1.5  # 8 MiB at 4 MiB/s: a lower bound only, the limit must never be exceeded
    assert "scan: 5 entries" in res.stderr and "files/s" in res.stderr
