"""`fimon setup`, the plain-index mode, and the CLI's exit codes on bad input."""
import json
import os
import signal
import subprocess
import uuid

from fimon_harness import Agent, Elasticsearch, by_path


def test_setup_is_idempotent_and_installs_the_template(fimon_bin, es):
    for _ in range(2):
        res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url])
        assert res.returncode == 0, res.stderr
        assert "index template 'fimon-file'" in res.stdout
    status, body = es.request("GET", "/_index_template/fimon-file")
    assert status == 200
    template = body["index_templates"][0]["index_template"]
    assert template["priority"] > 500
    assert template["index_patterns"] == ["logs-fimon.*"]
    assert "data_stream" in template


def test_setup_fails_clearly_when_elasticsearch_is_unreachable(fimon_bin):
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", "http://127.0.0.1:1"])
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Elasticsearch unreachable" in lines[0], res.stderr


def test_setup_fails_clearly_when_the_server_is_not_elasticsearch(fimon_bin, tmp_path):
    server = subprocess.Popen(["python3", "-m", "http.server", "0", "--bind", "127.0.0.1", "-d", str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()
        port = int(line.split("port ")[1].split()[0])
        res = Agent.run_cli(fimon_bin, ["setup", "--es-url", f"http://127.0.0.1:{port}"])
        assert res.returncode == 1
        assert "Elasticsearch" in res.stderr
    finally:
        server.kill()


def test_plain_index_mode(fimon_bin, es, tree):
    watched, state = tree
    index = f"fimon-file-idx{uuid.uuid4().hex[:8]}"
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url, "--index-mode", "index"])
    assert res.returncode == 0, res.stderr
    assert "fimon-file-index" in res.stdout and "plain index mode" in res.stdout
    agent = Agent(fimon_bin, es, index, watched, state, extra=["--index-mode", "index"])
    try:
        (watched / "p").write_bytes(b"plain")
        (doc,) = by_path(agent.docs(lambda d: by_path(d, watched / "p")), watched / "p")
        assert "data_stream" not in doc
    finally:
        agent.stop()
    status, body = es.request("GET", f"/{index}")
    assert status == 200 and index in body  # a concrete index, not a data stream's backing index
    assert body[index]["mappings"]["properties"]["file"]["properties"]["hash"]["properties"]["sha256"]["type"] == "keyword"


def test_bad_config_exits_2_with_one_line_naming_the_key(fimon_bin, tmp_path):
    cases = [
        (["run", "--watch", "/tmp", "--backend", "magic"], "backend"),
        (["run", "--watch", "/tmp", "--es-url", "gopher://x"], "es-url"),
        (["run"], "watch"),
        (["frobnicate"], "unknown verb"),
    ]
    bad_yaml = tmp_path / "bad.yml"
    bad_yaml.write_text("watch: [/tmp\n")
    cases.append((["run", "--config", str(bad_yaml)], "bad.yml"))
    for args, needle in cases:
        res = Agent.run_cli(fimon_bin, args)
        assert res.returncode == 2, (args, res.stderr)
        first = res.stderr.splitlines()[0]
        assert needle in first, (args, res.stderr)


def test_check_config_redacts_secrets(fimon_bin, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("hunter2-very-secret\n")
    cfg = tmp_path / "fimon.yml"
    cfg.write_text(f"watch: [/etc]\nes-username: fimon\nes-password-file: {pw}\nhashes: [sha256, sha512]\n")
    res = Agent.run_cli(fimon_bin, ["check-config", "--config", str(cfg)])
    assert res.returncode == 0, res.stderr
    assert "hunter2" not in res.stdout + res.stderr
    assert "es-password: <redacted>" in res.stdout
    assert "hashes: sha256,sha512" in res.stdout


def test_version_and_help(fimon_bin):
    res = Agent.run_cli(fimon_bin, ["version"])
    assert res.returncode == 0 and res.stdout.startswith("fimon ")
    res = Agent.run_cli(fimon_bin, ["--help"])
    assert res.returncode == 0 and "--es-url" in res.stdout


def test_console_output(fimon_bin, tree):
    watched, state = tree
    proc = subprocess.Popen([fimon_bin, "run", "--watch", str(watched), "--state-dir", str(state), "--output", "console",
                             "--close-settle", "100ms"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        import time

        time.sleep(1.0)
        (watched / "c").write_bytes(b"console")
        line = proc.stdout.readline()
        doc = json.loads(line)
        assert doc["file"]["path"] == str(watched / "c")
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0


def test_scan_is_an_integrity_check_against_the_baseline(fimon_bin, es, installed, stream, tree):
    import hashlib

    watched, state = tree
    (watched / "d").mkdir()
    (watched / "d" / "f").write_bytes(b"original")
    (watched / "gone").write_bytes(b"to be deleted")
    scan = ["scan", "--watch", str(watched), "--state-dir", str(state), "--es-url", es.url, "--data-stream", stream]
    first = Agent.run_cli(fimon_bin, scan)
    assert first.returncode == 0, first.stderr  # the first pass records the baseline, reports nothing
    assert "first baseline recorded" in first.stderr
    assert Agent.run_cli(fimon_bin, scan).returncode == 0  # nothing changed

    (watched / "d" / "f").write_bytes(b"tampered")
    (watched / "new").write_bytes(b"new file")
    (watched / "gone").unlink()
    third = Agent.run_cli(fimon_bin, scan)
    assert third.returncode == 1, third.stderr  # changes found
    docs = es.wait_for(stream, lambda d: len(d) == 3)
    assert {d["fim"]["source"] for d in docs} == {"scan"}
    (f,) = by_path(docs, watched / "d" / "f")
    assert f["event"]["action"] == "modified"
    assert f["file"]["hash"]["sha256"] == hashlib.sha256(b"tampered").hexdigest()
    assert f["fim"]["previous"]["hash"]["sha256"] == hashlib.sha256(b"original").hexdigest()
    assert by_path(docs, watched / "new")[0]["event"]["action"] == "created"
    assert by_path(docs, watched / "gone")[0]["event"]["action"] == "deleted"
