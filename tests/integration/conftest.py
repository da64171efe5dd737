"""Fixtures for integration tests: the real fimon binary, the real kernel, a real Elasticsearch.

Nothing here is mocked. A missing Elasticsearch or kernel feature is a test *failure*, never a
skip: CI must not turn green because the environment could not run the tests.

Environment:
  FIMON_BIN          the agent binary (default build/dev/fimon)
  FIMON_ES_URL       the dev Elasticsearch (default http://127.0.0.1:9200)
  FIMON_ES_SECURE_URL, FIMON_ES_CA_FILE, FIMON_ES_PASSWORD: the security-enabled node
"""
import os
import pathlib
import uuid

import pytest

import fimon_harness
from fimon_harness import Agent, Elasticsearch, REPO

FIMON_BIN = os.environ.get("FIMON_BIN", str(REPO / "build" / "dev" / "fimon"))


@pytest.fixture(autouse=True)
def no_agent_outlives_its_test():
    yield
    for proc in fimon_harness.STARTED:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    fimon_harness.STARTED.clear()


@pytest.fixture(scope="session")
def fimon_bin():
    if not os.access(FIMON_BIN, os.X_OK):
        pytest.fail(f"fimon binary not found at {FIMON_BIN}: build first (scripts/test does)")
    return FIMON_BIN


@pytest.fixture(scope="session")
def es():
    es = Elasticsearch(os.environ.get("FIMON_ES_URL", "http://127.0.0.1:9200"))
    es.require_up()
    return es


@pytest.fixture(scope="session")
def installed(fimon_bin, es):
    """`fimon setup` once per session (it is idempotent; a test checks that too)."""
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url])
    assert res.returncode == 0, res.stderr
    return True


@pytest.fixture
def stream(installed):
    """A fresh data stream per test: streams cannot be deleted on the test distribution."""
    return f"logs-fimon.file-t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def tree(tmp_path):
    """A watched directory on the root filesystem (ext4 here) and a state dir outside it."""
    watched = tmp_path / "watched"
    watched.mkdir()
    state = tmp_path / "state"
    return watched, state


@pytest.fixture
def agent(fimon_bin, es, stream, tree):
    """A running agent on `tree`, stopped (SIGINT, exit code checked) after the test."""
    watched, state = tree
    a = Agent(fimon_bin, es, stream, watched, state)
    yield a
    a.stop()
