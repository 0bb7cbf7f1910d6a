"""The AWS JSON 1.1 protocol (awsJson1_1) as the simulated AWS endpoints answer it: ssm.py (SSM, and
Secrets Manager) and logs.py (CloudWatch Logs) each subclass Handler with its own operations.

  POST /  X-Amz-Target: <Service>.<Operation>, a JSON object as the body
  200     the operation's answer, Content-Type application/x-amz-json-1.1, an x-amzn-RequestId
  4xx     {"__type": <code>, "message": <text, when there is one>}, the same headers
  GET     400 MissingAuthenticationTokenException, as an AWS JSON endpoint answers a bare GET

Every POST, accepted or not, is appended as one JSON line to the subclass's calls_path: {time,
target, accessKeyId (from the Authorization header, as sent: verified or not), status, error} and
the subclass's own fields about the request (describe()). Nothing here needs the environment, so
logs.py's operations stay importable by the unit tests without a host.
"""
import datetime as dt
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler

# The SigV4 Authorization header; ssm.verify() checks it, the calls line names its access key id.
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$")

_calls_lock = threading.Lock()


class ApiError(Exception):
    """An AWS error answer: HTTP status (400 unless said) with the error's code as __type."""

    def __init__(self, code, message=None, status=400):
        super().__init__(code)
        self.code, self.message, self.status = code, message, status

    def body(self):
        err = {"__type": self.code}
        if self.message is not None:
            err["message"] = self.message
        return err


def access_key_id(headers):
    m = AUTH_RE.match(headers.get("Authorization") or "")
    return m.group(1).split("/")[0] if m else None


class Handler(BaseHTTPRequestHandler):
    """Subclasses set log_name (the word in each log line) and calls_path, and define
    answer(target, req, body) -> the answer's object (or raise ApiError); they may define
    describe(req, body) -> more fields for the calls line, and parse(body) -> the request."""
    protocol_version = "HTTP/1.1"
    server_version = "Server"
    sys_version = ""
    log_name = "aws"
    calls_path = None

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s %s\n" % (dt.datetime.now(dt.timezone.utc).isoformat(), self.log_name, fmt % args))

    def send_json(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def parse(self, body):
        """The request as sent: None where the body is not JSON (an empty body is {})."""
        try:
            return json.loads(body or b"{}")
        except ValueError:
            return None

    def describe(self, req, body):
        return {}

    def answer(self, target, req, body):
        raise NotImplementedError

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target")
        req = self.parse(body)
        entry = {"time": time.time(), "target": target, **self.describe(req, body),
                 "accessKeyId": access_key_id(self.headers), "status": 200, "error": None}
        try:
            self.send_json(200, self.answer(target, req, body))
        except ApiError as e:
            entry.update(status=e.status, error=e.code)
            self.send_json(e.status, e.body())
        with _calls_lock, open(self.calls_path, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def do_GET(self):
        self.send_json(400, ApiError("MissingAuthenticationTokenException", "Missing Authentication Token").body())
