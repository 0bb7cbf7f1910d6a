"""Guestbook entries: what a valid entry is, and where entries are kept.

Pure validation (validate_entry) is kept apart from the file store (EntryLog) so each can be
tested alone. Standard library only.
"""

import json
import os
import threading
import time
import uuid

NAME_MAX = 80
MESSAGE_MAX = 1000
FIELDS = ("name", "message")


class Invalid(ValueError):
    """A request body that is not an entry; its message says what is wrong, for a 400."""


def validate_entry(body):
    """Returns {"name", "message"} from a decoded JSON body, or raises Invalid naming the problem."""
    if not isinstance(body, dict):
        raise Invalid(f"body must be a JSON object with {' and '.join(FIELDS)}; got {_json_type(body)}")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise Invalid(f"unknown field {unknown[0]!r}; allowed: {', '.join(FIELDS)}")
    entry = {}
    for field, limit in (("name", NAME_MAX), ("message", MESSAGE_MAX)):
        if field not in body:
            raise Invalid(f"{field} is required")
        value = body[field]
        if not isinstance(value, str):
            raise Invalid(f"{field} must be a string; got {_json_type(value)}")
        value = value.strip()
        if not value:
            raise Invalid(f"{field} must not be empty")
        if len(value) > limit:
            raise Invalid(f"{field} must be at most {limit} characters; got {len(value)}")
        entry[field] = value
    return entry


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class EntryLog:
    """An append-only JSON-lines file, one entry a line, in the data directory.

    An append is written and fsync'd before it returns, so an entry the server acknowledged (201)
    survives a SIGKILL or a power cut. A line cut short by a crash mid-append was never
    acknowledged: readers skip it, and the next append cuts it off first.
    """

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.path = os.path.join(data_dir, "entries.jsonl")
        self._lock = threading.Lock()

    def writable(self):
        """None when the data directory takes a write, else the reason it does not."""
        probe = os.path.join(self.data_dir, f".probe-{os.getpid()}-{threading.get_ident()}")
        try:
            with open(probe, "w") as f:
                f.write("ok")
            os.unlink(probe)
            return None
        except OSError as e:
            return f"data directory {self.data_dir} is not writable: {e.strerror}"

    def all(self):
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        entries = []
        for line in data.split(b"\n")[:-1]:  # the part after the last newline is a torn append
            if line:
                entries.append(json.loads(line))
        return entries

    def append(self, entry):
        record = {"id": uuid.uuid4().hex, **entry, "createdAt": _now()}
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            created = not os.path.exists(self.path)
            # Read and write: a torn tail is read back (pread) before it is cut off.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
            try:
                self._cut_torn_tail(fd)
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                # The new file's name is durable only once its directory is.
                dir_fd = os.open(self.data_dir, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
        return record

    @staticmethod
    def _cut_torn_tail(fd):
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return
        # Find the last newline; everything after it is an append that never completed.
        keep, step = 0, 4096
        end = size
        while end > 0:
            start = max(0, end - step)
            chunk = os.pread(fd, end - start, start)
            at = chunk.rfind(b"\n")
            if at >= 0:
                keep = start + at + 1
                break
            end = start
        os.ftruncate(fd, keep)


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
