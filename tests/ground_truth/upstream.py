"""A tiny upstream for the nginx ground-truth runs: status by path, with or without CORS.

Usage: python upstream.py  → prints `READY PLAIN_PORT CORS_PORT FASTCGI_PLAIN_PORT FASTCGI_CORS_PORT`.
Paths: `.../missing` → 404, `.../private` → 401, `.../boom` → 500, `/verify` (auth_request) → 200
with an `Authorization` header else 401, anything else → 200. OPTIONS → 405 (an app without CORS
handling, like a FastAPI route). The CORS port behaves like an app with CORSMiddleware: it
reflects every Origin with credentials, on every status, and answers preflights with 200.

The two FastCGI ports stand in for PHP-FPM behind `fastcgi_pass`: the same statuses by path (from
`REQUEST_URI`), `X-Powered-By: PHP/8.3`, and on the CORS port the same reflected `Origin` with
credentials (what a PHP app that sets its own CORS headers sends).
"""

import http.server
import socketserver
import struct
import threading


def status_for_path(path):
    for word, status in (("missing", 404), ("private", 401), ("boom", 500)):
        if path.endswith(word):
            return status
    return 200


class Plain(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cors = False

    def log_message(self, *args):
        pass

    def status_for(self):
        path = self.path.split("?")[0]
        if path == "/verify":
            return 200 if self.headers.get("Authorization") else 401
        return status_for_path(path)

    def reply(self, status, preflight=False):
        body = b"" if self.command == "HEAD" else f'{{"status": {status}}}'.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        origin = self.headers.get("Origin")
        if self.cors and origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
            self.send_header("Vary", "Origin")
            if preflight:
                self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
                self.send_header("Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers", ""))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(self.status_for())

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def do_OPTIONS(self):
        if self.cors and self.headers.get("Access-Control-Request-Method"):
            self.reply(200, preflight=True)
        else:
            self.reply(405)


class WithCors(Plain):
    cors = True


class FastCgi(socketserver.BaseRequestHandler):
    """A FastCGI responder: one request per connection, records as in the FastCGI 1.0 spec."""

    cors = False

    def record(self, kind, request_id, content):
        header = struct.pack(">BBHHBB", 1, kind, request_id, len(content), 0, 0)
        self.request.sendall(header + content)

    def read_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def handle(self):
        params, request_id = b"", 1
        try:
            while True:
                _, kind, request_id, length, padding, _ = struct.unpack(">BBHHBB", self.read_exact(8))
                content = self.read_exact(length + padding)[:length]
                if kind == 4:  # FCGI_PARAMS
                    params += content
                elif kind == 5 and not content:  # the empty FCGI_STDIN ends the request
                    break
        except EOFError:
            return
        env = decode_params(params)
        uri = env.get("REQUEST_URI", "/").split("?")[0]
        method, origin = env.get("REQUEST_METHOD"), env.get("HTTP_ORIGIN")
        preflight = method == "OPTIONS" and self.cors and env.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        status = 200 if preflight else 405 if method == "OPTIONS" else status_for_path(uri)
        body = b"" if method == "HEAD" else f'{{"status": {status}}}'.encode()
        head = [f"Status: {status}", "Content-Type: application/json", "X-Powered-By: PHP/8.3"]
        if self.cors and origin:
            head += [f"Access-Control-Allow-Origin: {origin}", "Access-Control-Allow-Credentials: true"]
            head += ["Vary: Origin"]
            if preflight:
                head += ["Access-Control-Allow-Methods: GET, POST, PUT, DELETE"]
                head += [f"Access-Control-Allow-Headers: {env.get('HTTP_ACCESS_CONTROL_REQUEST_HEADERS', '')}"]
        self.record(6, request_id, ("\r\n".join(head) + "\r\n\r\n").encode() + body)  # FCGI_STDOUT
        self.record(6, request_id, b"")
        self.record(3, request_id, struct.pack(">IB3x", 0, 0))  # FCGI_END_REQUEST, complete


class FastCgiWithCors(FastCgi):
    cors = True


def decode_params(data):
    """FastCGI name-value pairs: each length one byte, or four with the high bit set."""
    env, i = {}, 0

    def length():
        nonlocal i
        if data[i] < 128:
            i += 1
            return data[i - 1]
        i += 4
        return struct.unpack(">I", data[i - 4 : i])[0] & 0x7FFFFFFF

    while i < len(data):
        name_len, value_len = length(), length()
        name = data[i : i + name_len].decode("latin-1")
        env[name] = data[i + name_len : i + name_len + value_len].decode("latin-1")
        i += name_len + value_len
    return env


def serve_fastcgi(handler):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


if __name__ == "__main__":
    plain, cors = serve(Plain), serve(WithCors)
    fastcgi_plain, fastcgi_cors = serve_fastcgi(FastCgi), serve_fastcgi(FastCgiWithCors)
    print(f"READY {plain} {cors} {fastcgi_plain} {fastcgi_cors}", flush=True)
    threading.Event().wait()
