"""The Windows agent (fimon.exe, cross-built with mingw-w64) under Wine: ReadDirectoryChangesW
for the names, WinHTTP to the real Elasticsearch on loopback, the same pipeline and documents as
on Linux. Wine maps drive Z: to /, so the watched tree is a Linux temp directory seen as Z:/...

What Wine cannot run (ETW, the USN journal, the service control manager's real behaviour) is
tested by decoding records in the Windows unit tests instead (docs/windows.md).
"""
import base64
import hashlib
import os
import pathlib
import subprocess
import time

import pytest

from fimon_harness import FAST, REPO, STARTED, Agent, by_path

EXE = pathlib.Path(os.environ.get("FIMON_WINDOWS_BUILD_DIR", REPO / "build" / "mingw")) / "fimon.exe"
WINE_RUN = str(REPO / "scripts" / "wine-run")


def windows_path(path):
    return "Z:" + str(path)


def shown(path):
    """How documents name a Windows path: with backslashes."""
    return windows_path(path).replace("/", "\\")


class WineAgent(Agent):
    """Agent's waits and queries, around `wine fimon.exe run`."""

    def __init__(self, es, stream, watched, state, extra=()):
        self.es = es
        self.stream = stream
        self.log_path = pathlib.Path(state).parent / f"agent-{stream}.log"
        args = [WINE_RUN, str(EXE), "run", "--watch", windows_path(watched), "--state-dir", windows_path(state),
                "--es-url", es.url, "--data-stream", stream, "--backend", "auto", *FAST, *extra]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        STARTED.append(self.proc)
        self.wait_log("running:", timeout=60)  # a fresh Wine prefix takes a few seconds


@pytest.fixture(scope="module")
def exe():
    if not EXE.is_file():
        pytest.fail(f"{EXE} not found: scripts/test builds build/mingw first")
    return EXE


@pytest.fixture
def wine_agent(exe, es, stream, tree):
    watched, state = tree
    agent = WineAgent(es, stream, watched, state)
    yield agent
    agent.stop()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_created_modified_renamed_deleted_reach_elasticsearch_with_hashes_and_ranges(wine_agent, tree):
    watched, _ = tree
    name = shown
    first, moved = watched / "report.txt", watched / "report-final.txt"
    body = b"line one\n" * 2000
    first.write_bytes(body)
    docs = wine_agent.docs(lambda d: any(x["file"]["path"] == name(first) for x in d), timeout=30)
    (created,) = [x for x in docs if x["file"]["path"] == name(first)]
    assert created["event"]["action"] == "created"
    assert created["file"]["hash"]["sha256"] == sha256(body)
    assert created["host"]["os"]["type"] == "windows"
    assert created["file"]["uid"].startswith("S-1-"), created["file"]  # the owner's SID
    assert created["file"]["owner"], created["file"]
    assert "gid" not in created["file"] and "mode" not in created["file"]

    edited = body[:9000] + b"EDITED" + body[9006:]
    with open(first, "r+b") as f:
        f.seek(9000)
        f.write(b"EDITED")
    docs = wine_agent.docs(lambda d: any(x["file"]["path"] == name(first) and x["event"]["action"] == "modified"
                                         for x in d), timeout=30)
    (modified,) = [x for x in docs if x["file"]["path"] == name(first) and x["event"]["action"] == "modified"]
    assert modified["file"]["hash"]["sha256"] == sha256(edited)
    assert modified["fim"]["previous"]["hash"]["sha256"] == sha256(body)
    ranges = modified["fim"]["change"]["ranges"]
    assert any(r["offset"] <= 9000 < r["offset"] + r["length"] for r in ranges), ranges
    assert base64.b64decode(modified["fim"]["change"]["excerpt"]["base64"]).find(b"EDITED") >= 0

    # A named stream: Wine keeps it as a file called "report.txt:note", and reports it so; the
    # agent reports a modification of report.txt naming the stream (NTFS reports streams with
    # FILE_ACTION_*_STREAM instead, not testable here). The main stream is unchanged.
    (watched / "report.txt:note").write_bytes(b"hidden words")
    docs = wine_agent.docs(lambda d: any(x["file"]["path"] == name(first) and x.get("fim", {}).get("streams")
                                         for x in d), timeout=30)
    (streamed,) = [x for x in docs if x["file"]["path"] == name(first) and x["fim"].get("streams")]
    assert streamed["fim"]["streams"] == ["note"], streamed["fim"]
    assert streamed["event"]["action"] == "modified"
    assert streamed["file"]["hash"]["sha256"] == sha256(edited), "the main stream is what is hashed"
    (watched / "report.txt:note").unlink()

    first.rename(moved)
    docs = wine_agent.docs(lambda d: any(x["file"]["path"] == name(moved) for x in d), timeout=30)
    (renamed,) = [x for x in docs if x["file"]["path"] == name(moved)]
    assert renamed["event"]["action"] == "renamed"
    assert renamed["fim"]["previous"]["path"] == name(first)

    moved.unlink()
    docs = wine_agent.docs(lambda d: any(x["file"]["path"] == name(moved) and x["event"]["action"] == "deleted"
                                         for x in d), timeout=30)
    assert all(x["fim"]["source"] in ("rdcw", "scan") for x in docs), [x["fim"]["source"] for x in docs]


def test_the_agent_stops_cleanly_and_flushes(exe, es, stream, tree):
    watched, state = tree
    agent = WineAgent(es, stream, watched, state)
    (watched / "last.bin").write_bytes(b"\x00\x01" * 5000)
    agent.docs(lambda d: by_path(d, shown(watched / "last.bin")), timeout=30)
    agent.stop()  # Ctrl-C: the console control handler ends the run loop; exit code 0
    log = agent.log_path.read_text(errors="replace")
    # Wine has no ETW: "auto" says why it skipped it, in one line, and runs on ReadDirectoryChangesW.
    assert "source: etw unavailable (etw: OpenTrace" in log, log
    assert "source: rdcw" in log, log


def test_the_etw_backend_refuses_to_start_without_a_kernel_file_session(exe, es, tree):
    watched, state = tree
    res = wine("run", "--watch", windows_path(watched), "--state-dir", windows_path(state), "--es-url", es.url,
               "--backend", "etw", *FAST, timeout=120)
    assert res.returncode != 0
    errors = [line for line in res.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "etw: OpenTrace" in errors[0], res.stderr


def wine(*args, timeout=120):
    return subprocess.run([WINE_RUN, str(EXE), *args], capture_output=True, text=True, timeout=timeout)


def test_the_service_installs_runs_ships_stops_and_uninstalls(exe, es, stream, tree):
    """Wine has a Service Control Manager: the service is installed with run's options, started
    (the SCM runs `fimon.exe service-run ...`), ships an event, and stops cleanly on request."""
    watched, state = tree
    installed = wine("service", "install", "--watch", windows_path(watched), "--state-dir", windows_path(state),
                     "--es-url", es.url, "--data-stream", stream, *FAST)
    assert installed.returncode == 0, installed.stderr
    # install made the state directory private (SYSTEM, Administrators, the installing user). Wine
    # keeps an ACL only as Unix mode bits: Everyone's read access is gone from them.
    assert state.stat().st_mode & 0o007 == 0, oct(state.stat().st_mode)
    try:
        started = wine("service", "start")
        assert started.returncode == 0, started.stderr
        log = state / "fimon.log"
        deadline = time.monotonic() + 60
        while "running:" not in (log.read_text(errors="replace") if log.exists() else ""):
            assert time.monotonic() < deadline, "the service never logged that it runs"
            time.sleep(0.2)
        (watched / "from-service.txt").write_bytes(b"written while fimon runs as a service\n")
        es.wait_for(stream, lambda d: by_path(d, shown(watched / "from-service.txt")), 30)
        stopped = wine("service", "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert "stopping: flushing pending changes" in log.read_text(errors="replace")
    finally:
        removed = wine("service", "uninstall")
    assert removed.returncode == 0, removed.stderr
    assert wine("service", "start").returncode != 0, "uninstalled: nothing to start"


def test_a_bad_service_configuration_is_refused_at_install(exe):
    res = wine("service", "install", "--backend", "nonsense")
    assert res.returncode == 2 and "backend" in res.stderr, res.stderr
    res = wine("service", "install", "--watch", "relative\\dir")
    assert res.returncode == 2 and "relative" in res.stderr and "absolute" in res.stderr, res.stderr
    res = wine("service", "reinstall")
    assert res.returncode == 2 and "install, uninstall, start or stop" in res.stderr, res.stderr
