"""A loopback HTTP proxy in front of the real Elasticsearch that misbehaves on a schedule.

The agent talks to the proxy; the proxy forwards to Elasticsearch, except that, request by request,
it can answer 429 or 500 itself, reset the connection before or after forwarding (the latter: ES
has the documents, the agent never hears so), answer slowly, refuse bodies over a size with 413, or
refuse connections altogether (`down`). Nothing of Elasticsearch is imitated: every answer the
agent gets that is not an injected fault is the real one.
"""
import http.client
import http.server
import itertools
import socket
import socketserver
import threading
import time
import urllib.parse

FORWARD = "forward"
TOO_MANY = "429"
SERVER_ERROR = "500"
RESET_BEFORE = "reset-before"  # the request never reaches ES
RESET_AFTER = "reset-after"    # ES handled it; the answer is lost
SLOW = "slow"                  # forwarded, answered after `slow_seconds`


class FaultProxy:
    def __init__(self, upstream, schedule=(FORWARD,), max_body=None, slow_seconds=2.0):
        self.upstream = urllib.parse.urlparse(upstream)
        self.schedule = itertools.cycle(schedule)
        self.max_body = max_body  # bulk bodies larger than this get 413
        self.slow_seconds = slow_seconds
        self.huge_answers = False  # answer everything with 100 MB of JSON-looking bytes
        self.lock = threading.Lock()
        self.counts = {}
        self.server = None
        self.port = None
        self.thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def fault(self, kind):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def next_action(self):
        with self.lock:
            return next(self.schedule)

    def set_schedule(self, schedule):
        with self.lock:
            self.schedule = itertools.cycle(schedule)

    def start(self, port=0):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.huge_answers:
                    proxy.fault("huge")
                    return self.huge()
                action = proxy.next_action() if self.path.startswith("/_bulk") else FORWARD
                if proxy.max_body is not None and body and len(body) > proxy.max_body:
                    proxy.fault("413")
                    return self.answer(413, b'{"error":"request entity too large (fault proxy)"}')
                if action == TOO_MANY:
                    proxy.fault(action)
                    return self.answer(429, b'{"error":{"type":"es_rejected_execution_exception",'
                                            b'"reason":"injected by the fault proxy"},"status":429}')
                if action == SERVER_ERROR:
                    proxy.fault(action)
                    return self.answer(500, b'{"error":{"type":"injected","reason":"fault proxy"},"status":500}')
                if action == RESET_BEFORE:
                    proxy.fault(action)
                    return self.reset()
                status, headers, data = self.forward(body)
                if action == RESET_AFTER:
                    proxy.fault(action)
                    return self.reset()
                if action == SLOW:
                    proxy.fault(action)
                    time.sleep(proxy.slow_seconds)
                proxy.fault("forwarded")
                if self.path.startswith("/_bulk"):
                    proxy.fault("bulk-forwarded")
                self.answer(status, data, headers.get("Content-Type", "application/json"))

            def forward(self, body):
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                # Plain answers: the proxy passes bodies through but not Content-Encoding.
                dropped = ("host", "connection", "accept-encoding")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                return resp.status, dict(resp.getheaders()), data

            def answer(self, status, data, content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def huge(self):
                size = 100 * 1000 * 1000
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                chunk = b"[" * (1 << 20)
                try:
                    for _ in range(size // len(chunk)):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should
                self.close_connection = True

            def reset(self):
                # SO_LINGER 0: close() sends RST, like a crashed peer or a dropped connection.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.close_connection = True
                self.connection.close()

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def down(self):
        """Stops listening: connections are refused, as with a stopped Elasticsearch."""
        self.server.shutdown()
        self.server.server_close()

    def up(self):
        """Listens again on the same port."""
        self.start(self.port)

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
