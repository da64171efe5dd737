"""Small helpers for the integration tests: run the agent, query Elasticsearch over plain HTTP."""
import base64
import json
import os
import pathlib
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]

# Short timers so tests run fast; the behaviour is the same as with the defaults.
FAST = ["--close-settle", "100ms", "--quiet-period", "1s", "--bulk-flush-interval", "200ms"]


class Elasticsearch:
    def __init__(self, url, ca_file=None, user=None, password=None):
        self.url = url.rstrip("/")
        self.context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        self.auth = None
        if user:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.auth = f"Basic {token}"

    def request(self, method, path, body=None):
        data = None
        headers = {}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.auth:
            headers["Authorization"] = self.auth
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.context) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def require_up(self):
        try:
            status, _ = self.request("GET", "/_cluster/health")
        except Exception as e:  # noqa: BLE001 - any failure means the same thing here
            raise AssertionError(
                f"Elasticsearch is not reachable at {self.url} ({e}); start it with scripts/dev-elasticsearch start"
            ) from e
        assert status == 200, f"Elasticsearch at {self.url} answered {status}"

    def health_summary(self):
        try:
            status, health = self.request("GET", "/_cluster/health")
            return f"{status} {health}"
        except Exception as e:  # noqa: BLE001 - a diagnostic line, never the failure itself
            return f"unreachable ({e})"

    def search(self, index, query=None, size=2000):
        self.request("POST", f"/{index}/_refresh")
        # File events only: the agent's health reports (event.kind: metric) share the data stream.
        body = {"size": size, "sort": [{"event.sequence": "asc"}],
                "query": {"bool": {"must": query or {"match_all": {}},
                                   "must_not": {"term": {"event.kind": "metric"}}}}}
        status, res = self.request("POST", f"/{index}/_search?ignore_unavailable=true", body)
        if status in (404, 503):  # not created yet, or its shard is still starting
            return []
        assert status == 200, res
        return [h["_source"] for h in res["hits"]["hits"]]

    def wait_for(self, index, predicate, timeout=15.0, query=None):
        """Polls until predicate(docs) is true; returns the docs. Fails with what was seen."""
        deadline = time.monotonic() + timeout
        docs = []
        while time.monotonic() < deadline:
            docs = self.search(index, query)
            if predicate(docs):
                return docs
            time.sleep(0.2)
        summary = [(d["event"]["action"], d["file"]["path"]) for d in docs]
        raise AssertionError(f"timed out after {timeout}s waiting in {index}; saw {summary}")


# Every agent a test started: one its test never stopped (it failed first) is killed afterwards,
# or its eBPF programs and CPU would slow every later test.
STARTED = []


class Agent:
    def __init__(self, binary, es, stream, watched, state, extra=(), backend="auto"):
        self.es = es
        self.stream = stream
        self.log_path = pathlib.Path(state).parent / f"agent-{stream}.log"
        # `binary` may be a command prefix (e.g. setpriv ... fimon) given as a list.
        args = [*(binary if isinstance(binary, list) else [binary]), "run", "--watch", str(watched), "--state-dir", str(state), "--es-url", es.url,
                "--data-stream", stream, "--backend", backend, *FAST, *extra]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        STARTED.append(self.proc)
        self.wait_log("running:")

    def wait_log(self, text, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"agent exited with {self.proc.returncode}:\n{self.log_text()}")
            time.sleep(0.05)
        raise AssertionError(f"agent never logged {text!r}:\n{self.log_text()}")

    def log_text(self):
        return self.log_path.read_text(errors="replace")

    def docs(self, predicate, timeout=15.0):
        try:
            return self.es.wait_for(self.stream, predicate, timeout)
        except AssertionError as e:
            # What the agent said is what tells a slow Elasticsearch from a missed event.
            tail = "\n".join(self.log_text().splitlines()[-40:])
            raise AssertionError(f"{e}\nElasticsearch: {self.es.health_summary()}\nagent log (tail):\n{tail}") from None

    def stop(self, sig=signal.SIGINT):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError(f"agent did not stop on {sig!r}:\n{self.log_text()}")
        self.log.close()
        assert self.proc.returncode == 0, f"agent exit code {self.proc.returncode}:\n{self.log_text()}"

    @staticmethod
    def run_cli(binary, args, timeout=60):
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)


def by_path(docs, path):
    return [d for d in docs if d["file"]["path"] == str(path)]
