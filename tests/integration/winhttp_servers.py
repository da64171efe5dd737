"""Loopback servers for src/platform/windows/http_winhttp_smoke.cpp (its header comment is the spec).

    servers = start(cert_dir)   # all of them, in daemon threads of this process
    ...
    servers.stop()

  18080  HTTP echo: lists the request back (method, path, headers, body length and SHA-256)
  18081  accepts connections and never answers (the client's timeout must trip)
  18082  nothing: connections are refused
  18443  HTTPS echo, server.pem (127.0.0.1, localhost; issued by ca.pem) sent with ca.pem
  18444  HTTPS echo, leaf2.pem sent with inter.pem (issued by the self-signed root2.pem)
  18445  HTTPS echo, wrongname.pem (other.example only; issued by ca.pem) sent with ca.pem

cert_dir must hold server-chain.pem, leaf2-chain.pem, wrongname-chain.pem (leaf first, then the
certificate sent along) and their keys server.key, leaf2.key, wrongname.key.
"""
import gzip
import hashlib
import http.server
import os
import socketserver
import ssl
import threading

HTTP_PORT, HANG_PORT, CLOSED_PORT = 18080, 18081, 18082
TLS_PORTS = {18443: "server", 18444: "leaf2", 18445: "wrongname"}  # port -> file stem in cert_dir

BIG = (64 << 20) + 1  # one byte over the client's 64 MiB cap on an answer


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Elasticsearch: the client reuses connections
    timeout = 30  # a client that went quiet must not hold a thread for ever

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        """The declared body, counted in `last` as it arrives: /last/PORT must show what a client
        that refused the server's certificate actually delivered, even if it keeps the connection
        open without sending the rest."""
        last, port = self.server.last, self.server.server_port
        want = int(self.headers.get("Content-Length") or 0)
        got = bytearray()
        last[port] = f"{self.path} body=0"
        while len(got) < want:
            try:
                chunk = self.rfile.read1(min(want - len(got), 1 << 16))
            except OSError:
                chunk = b""
            if not chunk:
                break
            got += chunk
            last[port] = f"{self.path} body={len(got)}"
        return bytes(got), len(got) == want

    def stream(self, total):
        """Writes `total` bytes of filler; the client is expected to hang up before the end."""
        chunk = b"x" * (1 << 20)
        try:
            for sent in range(0, total, len(chunk)):
                self.wfile.write(chunk[: total - sent])
        except OSError:
            pass

    def answer(self):
        if self.path.startswith("/last/"):
            # Not counted in `last` itself, so it can report on any port including its own.
            port = int(self.path.removeprefix("/last/"))
            return self.send(200, self.server.last.get(port, "none").encode())
        body, complete = self.read_body()
        if not complete:
            self.close_connection = True
            return
        if self.path == "/big":  # the declared length alone is over the cap
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            self.stream(BIG)
            return
        if self.path == "/bigstream":  # no length, ends at close: the cap must trip while reading
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self.stream(70 << 20)
            return
        if self.path == "/redirect":
            return self.send(302, headers=[("Location", "/elsewhere")])
        if self.path == "/gzip":
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                return self.send(200, gzip.compress(b"decompressed fine"), [("Content-Encoding", "gzip")])
            return self.send(200, b"decompressed fine")
        status = 200
        if self.path.startswith("/status/"):
            status = int(self.path.split("?")[0].split("/")[2])
        h = self.headers
        listing = (f"method={self.command}\npath={self.path}\nauth={h.get('Authorization')}\n"
                   f"ctype={h.get('Content-Type')}\nx-test={h.get('X-Test')}\n"
                   f"len={len(body)}\nsha256={hashlib.sha256(body).hexdigest()}\n")
        self.send(status, listing.encode(), [("Content-Type", "text/plain")])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = answer


class EchoServer(http.server.ThreadingHTTPServer):
    def __init__(self, port, last, tls=None):
        self.last = last  # port -> "PATH body=N", shared by all echo servers (asked on 18080)
        self.tls = tls
        super().__init__(("127.0.0.1", port), Echo)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, not in accept(): a client
        # that stalls in it or rejects the certificate (as several checks want) blocks no one.
        if self.tls:
            request.settimeout(Echo.timeout)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except OSError:
                return
        try:
            super().finish_request(request, client_address)
        finally:
            if self.tls:
                request.close()

    def handle_error(self, request, client_address):
        pass  # clients hanging up mid-answer (the 64 MiB cap) are expected, not worth a traceback


class Hang(socketserver.BaseRequestHandler):
    def handle(self):
        self.server.stopping.wait()  # holds the connection open, unanswered, until stop()


class HangServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True  # Linux still refuses a port someone listens on

    def __init__(self, port):
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", port), Hang)


class Servers:
    def __init__(self, cert_dir):
        self.servers, self.started = [], False
        last = {}
        try:
            self.servers += [EchoServer(HTTP_PORT, last), HangServer(HANG_PORT)]
            for port, stem in TLS_PORTS.items():
                tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                tls.load_cert_chain(os.path.join(cert_dir, f"{stem}-chain.pem"), os.path.join(cert_dir, f"{stem}.key"))
                self.servers.append(EchoServer(port, last, tls))
        except BaseException:
            self.stop()  # release the ports bound so far
            raise
        for server in self.servers:
            # A short poll interval: stop() waits up to one interval per server.
            threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True).start()
        self.started = True

    def stop(self):
        for server in self.servers:
            if isinstance(server, HangServer):
                server.stopping.set()
            if self.started:
                server.shutdown()  # waits for serve_forever to return; it never would if not started
            server.server_close()


def start(cert_dir):
    """Binds every port (OSError if one is taken) and serves them until .stop()."""
    return Servers(cert_dir)
