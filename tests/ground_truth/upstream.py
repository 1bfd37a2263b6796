"""A tiny upstream for the nginx ground-truth runs: status by path, with or without CORS.

Usage: python upstream.py  → prints `READY PLAIN_PORT CORS_PORT`.
Paths: `.../missing` → 404, `.../private` → 401, `.../boom` → 500, `/verify` (auth_request) → 200
with an `Authorization` header else 401, anything else → 200. OPTIONS → 405 (an app without CORS
handling, like a FastAPI route). The CORS port behaves like an app with CORSMiddleware: it
reflects every Origin with credentials, on every status, and answers preflights with 200.
"""

import http.server
import threading


class Plain(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cors = False

    def log_message(self, *args):
        pass

    def status_for(self):
        path = self.path.split("?")[0]
        if path == "/verify":
            return 200 if self.headers.get("Authorization") else 401
        for word, status in (("missing", 404), ("private", 401), ("boom", 500)):
            if path.endswith(word):
                return status
        return 200

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


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


if __name__ == "__main__":
    plain, cors = serve(Plain), serve(WithCors)
    print(f"READY {plain} {cors}", flush=True)
    threading.Event().wait()
