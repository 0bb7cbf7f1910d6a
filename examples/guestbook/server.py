"""The guestbook: a small HTTP server in Python's standard library, berth's second example app.

  GET  /          which app and revision this is
  GET  /up        200 when the data directory takes a write, else 503 with the reason
  GET  /entries   every entry, oldest first
  POST /entries   {"name": "...", "message": "..."} -> 201 and the entry, once it is on disk

Env: PORT (5000), DATA_DIR (/var/lib/guestbook), APP_REVISION (set from the image's build).
One thread a connection (ThreadingHTTPServer), HTTP/1.1 keep-alive with Content-Length on every
response, so a proxy's idle pooled connections never hold up other clients. On SIGTERM or SIGINT
it stops accepting, lets requests in flight finish, closes idle keep-alive connections and
exits 0; only a request still running after DRAIN_S makes it exit 1.
"""

import json
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from entries import EntryLog, Invalid, validate_entry

BODY_MAX = 16 * 1024
DRAIN_S = 8  # under docker stop's default 10 s, so a stuck request still ends in our own exit


def log(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


class Connections:
    """Which connections are in a request and which are idle between keep-alive requests."""

    def __init__(self):
        self._lock = threading.Condition()
        self._state = {}  # socket -> "idle" | "busy"
        self._threads = 0  # request threads started and not yet ended
        self.draining = False

    def thread_started(self):
        with self._lock:
            self._threads += 1

    def thread_ended(self):
        with self._lock:
            self._threads -= 1
            self._lock.notify_all()

    def wait_ended(self, timeout):
        """True once every request thread has ended, False if some still run after timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._threads == 0, timeout)

    def opened(self, conn):
        with self._lock:
            self._state[conn] = "idle"

    def closed(self, conn):
        with self._lock:
            self._state.pop(conn, None)

    def busy(self, conn):
        with self._lock:
            self._state[conn] = "busy"

    def idle(self, conn):
        with self._lock:
            self._state[conn] = "idle"

    def drain(self):
        """From now on every response closes its connection; idle ones are closed now. Returns how
        many connections were in a request."""
        with self._lock:
            self.draining = True
            busy = 0
            for conn, state in self._state.items():
                busy += state == "busy"
                if state == "idle":
                    # Wakes the handler's blocked read with end-of-file, so it returns at once.
                    try:
                        conn.shutdown(socket.SHUT_RD)
                    except OSError:
                        pass
            return busy


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    server_version = "guestbook"
    # An idle keep-alive connection is closed after this, freeing its thread. Longer than the
    # proxy's own idle timeout (Caddy's reverse_proxy keeps idle upstream connections 2 minutes
    # by default: caddyserver/caddy modules/caddyhttp/reverseproxy/httptransport.go, v2.11.4),
    # so it is Caddy that retires a pooled connection, never the server under a request Caddy
    # is just sending on it.
    timeout = 150

    def setup(self):
        super().setup()
        self.server.connections.opened(self.connection)

    def finish(self):
        try:
            super().finish()  # flushes the last response
        finally:
            self.server.connections.closed(self.connection)

    def parse_request(self):
        # Called once a request line has arrived: from here the connection is in a request.
        self.server.connections.busy(self.connection)
        return super().parse_request()

    def handle_one_request(self):
        try:
            super().handle_one_request()
        finally:
            self.server.connections.idle(self.connection)

    # --- routes

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/":
            self.send_json(200, {"app": "guestbook", "revision": os.environ.get("APP_REVISION", "unknown")})
        elif path == "/up":
            reason = self.server.entries.writable()
            if reason:
                self.send_json(503, {"status": "unavailable", "reason": reason})
            else:
                self.send_json(200, {"status": "ok"})
        elif path == "/entries":
            self.send_json(200, {"entries": self.server.entries.all()})
        else:
            self.send_error_json(404, "not_found", f"no route for GET {path}")

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        if path != "/entries":
            self.discard_body()
            return self.send_error_json(404, "not_found", f"no route for POST {path}")
        body = self.read_json()
        if body is None:
            return
        try:
            entry = validate_entry(body)
        except Invalid as e:
            return self.send_error_json(400, "invalid_entry", str(e))
        try:
            record = self.server.entries.append(entry)
        except OSError as e:
            log("append_failed", error=str(e))
            return self.send_error_json(503, "unavailable", f"the entry could not be stored: {e.strerror}")
        self.send_json(201, record)

    # --- helpers

    def read_json(self):
        """The decoded JSON body, or None once an error response has been sent."""
        ctype = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self.send_error_json(411, "length_required", "send the body with a Content-Length, not chunked")
            return None
        if length is None or not length.isdigit():
            self.close_connection = True
            self.send_error_json(411, "length_required", "a Content-Length header is required")
            return None
        if int(length) > BODY_MAX:
            self.close_connection = True  # the unread body must not be taken for the next request
            self.send_error_json(413, "too_large", f"body must be at most {BODY_MAX} bytes; got {length}")
            return None
        raw = self.rfile.read(int(length))
        if ctype != "application/json":
            self.send_error_json(415, "unsupported_media_type", f"Content-Type must be application/json; got {ctype or 'none'}")
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            self.send_error_json(400, "malformed_json", f"body is not valid JSON: {e}")
            return None

    def discard_body(self):
        length = self.headers.get("Content-Length", "0")
        if length.isdigit() and int(length) <= BODY_MAX:
            self.rfile.read(int(length))
        else:
            self.close_connection = True

    def send_error_json(self, status, code, message):
        self.send_json(status, {"error": {"code": code, "message": message}})

    def send_json(self, status, payload):
        data = json.dumps(payload, ensure_ascii=False).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if self.server.connections.draining or self.close_connection:
            self.send_header("Connection", "close")  # also sets close_connection
        self.end_headers()
        self.wfile.write(data)

    def log_request(self, code="-", size="-"):
        # The health check asks every few seconds; only its failures are worth a line.
        if self.path == "/up" and str(code) == "200":
            return
        super().log_request(code, size)

    def log_message(self, format, *args):
        # One JSON line a request on stdout, where `docker logs` reads it.
        log("request", client=self.client_address[0], line=format % args)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # shutdown joins the request threads itself, with a deadline

    def __init__(self, address, entries):
        self.entries = entries
        self.connections = Connections()
        super().__init__(address, Handler)

    def process_request(self, request, client_address):
        # Counted in the accepting thread, before the request thread starts, so a drain that
        # begins right after an accept still waits for it.
        self.connections.thread_started()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.connections.thread_ended()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.thread_ended()


def main():
    port = int(os.environ.get("PORT", "5000"))
    data_dir = os.environ.get("DATA_DIR", "/var/lib/guestbook")
    server = Server(("0.0.0.0", port), EntryLog(data_dir))
    stop = threading.Event()
    signals = []

    def on_signal(signum, _frame):
        signals.append(signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # serve_forever runs in its own thread: shutdown() waits for that loop to end, so it cannot be
    # called from the loop's thread (a signal handler runs in the main thread).
    loop = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="accept", daemon=True)
    loop.start()
    log("listening", port=server.server_address[1], dataDir=data_dir, revision=os.environ.get("APP_REVISION", "unknown"))
    stop.wait()

    log("stopping", signal=signals[0] if signals else None)
    server.shutdown()  # no new connections
    server.socket.close()
    log("draining", requestsInFlight=server.connections.drain())
    if not server.connections.wait_ended(DRAIN_S):
        log("stopped", clean=False, reason=f"requests still running after {DRAIN_S}s")
        sys.exit(1)
    log("stopped", clean=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
