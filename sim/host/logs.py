#!/usr/bin/env python3
"""A fake Amazon CloudWatch Logs endpoint for a simulated host, beside its SSM stand-in (ssm.py).

Started by init.sh on every boot, in the host's network namespace "aws", listening with TLS on
$BERTH_SIM_LOGS_ADDRESS:443, where the host's /etc/hosts maps logs.<region>.amazonaws.com (the
certificate is issued by the world's test CA, which the host trusts). So dockerd's awslogs driver
and the AWS CLI reach it with the endpoint they would use on EC2; nothing is configured for it.

It speaks the AWS JSON 1.1 protocol (awsjson.py, as ssm.py does; X-Amz-Target: Logs_20140328.<Operation>) for what the
awslogs driver (CreateLogStream, PutLogEvents; CreateLogGroup only with awslogs-create-group,
which berth never sets) and `aws logs tail` (FilterLogEvents) call, plus DescribeLogStreams.
Every request must carry a SigV4 signature (scope <date>/<region>/logs/aws4_request) made with
credentials this host's IMDS issued: ssm.py's verify(), with the same refusals.

It refuses what CloudWatch Logs refuses, per its API reference (PutLogEvents, CreateLogStream,
FilterLogEvents, docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/):
  - a group that does not exist: ResourceNotFoundException ("The specified log group does not
    exist."), a stream that does not exist: ResourceNotFoundException;
  - CreateLogStream of an existing stream: ResourceAlreadyExistsException; a name outside
    1..512 characters or with ':' or '*' (logStreamName pattern [^:*]*): InvalidParameterException;
  - PutLogEvents: no events, more than 10,000, over 1,048,576 bytes counting each message's UTF-8
    plus 26 bytes per event, an event over 1 MB, events not in chronological order, or valid
    events spanning more than 24 hours: InvalidParameterException, nothing stored. Events more
    than 2 hours in the future, older than 14 days, or older than the group's retention are
    "rejected while processing remaining valid events": the call succeeds, the rest is stored,
    and rejectedLogEventsInfo names them (tooNewLogEventStartIndex inclusive,
    tooOldLogEventEndIndex and expiredLogEventEndIndex exclusive).
The sequence token is ignored, as CloudWatch Logs now ignores it.

The store is shared by every host of the world (a directory of the world's, bind-mounted at
$BERTH_SIM_LOGS, default /opt/berth-sim/logs), as CloudWatch Logs is regional:
  groups.json   { name: { "retentionInDays": n, "creationTime": ms } }, written by the harness
                (World.createLogGroup), as the stack makes its group; read here on every request;
  streams.json  { group: { stream: { "creationTime": ms, "events": [ { "timestamp", "message",
                "ingestionTime", "eventId" } ] } } }, written here under a lock (store.lock),
                replaced whole, so a reader never sees half of it.
Each call, accepted or not, is appended as one JSON line to $STATE/logs-calls.jsonl: {time,
target, request, accessKeyId, status, error} (the request as received, so tests can check that
nothing secret was sent).

The operations are plain functions of (groups, streams, request, now in ms) for the unit tests
(test/unit/logs-standin.test.ts); only __main__ serves.
"""
import fcntl
import json
import os
import threading
import time
import uuid
from contextlib import contextmanager

import awsjson
from awsjson import ApiError

LOGS = os.environ.get("BERTH_SIM_LOGS", "/opt/berth-sim/logs")
STATE = os.environ.get("BERTH_SIM_STATE", "/opt/berth-sim/state")

MAX_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_EVENT_BYTES = 1_048_576
MAX_SPAN_MS = 24 * 3600 * 1000
MAX_AHEAD_MS = 2 * 3600 * 1000
MAX_AGE_MS = 14 * 24 * 3600 * 1000
DAY_MS = 24 * 3600 * 1000


def invalid(message):
    return ApiError("InvalidParameterException", message)


def _group_name(req):
    name, ident = req.get("logGroupName"), req.get("logGroupIdentifier")
    if name is not None and ident is not None:
        raise invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if ident is not None and isinstance(ident, str) and ident.startswith("arn:"):
        name = ident.split(":log-group:", 1)[-1].removesuffix(":*")
    elif ident is not None:
        name = ident
    if not isinstance(name, str) or not 1 <= len(name) <= 512:
        raise invalid("1 validation error detected: Value at 'logGroupName' failed to satisfy constraint: Member must have length between 1 and 512")
    return name


def _group(groups, req):
    name = _group_name(req)
    if name not in groups:
        raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
    return name, groups[name]


def _stream_name(req):
    name = req.get("logStreamName")
    if not isinstance(name, str) or not 1 <= len(name) <= 512:
        raise invalid("1 validation error detected: Value at 'logStreamName' failed to satisfy constraint: Member must have length between 1 and 512")
    if ":" in name or "*" in name:
        raise invalid(f"1 validation error detected: Value '{name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*")
    return name


def create_log_stream(groups, streams, req, now):
    group, _ = _group(groups, req)
    name = _stream_name(req)
    if name in streams.get(group, {}):
        raise ApiError("ResourceAlreadyExistsException", "The specified log stream already exists")
    streams.setdefault(group, {})[name] = {"creationTime": now, "events": []}
    return {}


def put_log_events(groups, streams, req, now):
    group, meta = _group(groups, req)
    name = _stream_name(req)
    stream = streams.get(group, {}).get(name)
    if stream is None:
        raise ApiError("ResourceNotFoundException", "The specified log stream does not exist.")
    events = req.get("logEvents")
    if not isinstance(events, list) or not events:
        raise invalid("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1")
    if len(events) > MAX_EVENTS:
        raise invalid(f"1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to {MAX_EVENTS}")
    size = 0
    for e in events:
        if not isinstance(e, dict) or not isinstance(e.get("timestamp"), int) or not isinstance(e.get("message"), str) or not e["message"]:
            raise invalid("Each log event needs a timestamp (ms) and a message of at least 1 character.")
        n = len(e["message"].encode("utf-8"))
        if n > MAX_EVENT_BYTES:
            raise invalid("Log event too large.")
        size += n + EVENT_OVERHEAD_BYTES
    if size > MAX_BATCH_BYTES:
        raise invalid(f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")
    stamps = [e["timestamp"] for e in events]
    if any(b < a for a, b in zip(stamps, stamps[1:])):
        raise invalid("Log events in a single PutLogEvents request must be in chronological order.")
    retention = meta.get("retentionInDays")
    too_old_before = now - MAX_AGE_MS
    expired_before = now - retention * DAY_MS if retention else None
    too_new_after = now + MAX_AHEAD_MS
    too_old_end = sum(1 for t in stamps if t < too_old_before)
    expired_end = sum(1 for t in stamps if expired_before is not None and t < expired_before)
    too_new_start = next((i for i, t in enumerate(stamps) if t > too_new_after), len(stamps))
    valid = range(max(too_old_end, expired_end), too_new_start)
    if len(valid) > 0 and stamps[valid[-1]] - stamps[valid[0]] > MAX_SPAN_MS:
        raise invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
    for i in valid:
        stream["events"].append({"timestamp": stamps[i], "message": events[i]["message"],
                                 "ingestionTime": now, "eventId": uuid.uuid4().hex})
    out = {"nextSequenceToken": str(sum(len(s["events"]) for s in streams[group].values())).zfill(56)}
    rejected = {}
    if too_new_start < len(stamps):
        rejected["tooNewLogEventStartIndex"] = too_new_start
    if too_old_end:
        rejected["tooOldLogEventEndIndex"] = too_old_end
    if expired_end:
        rejected["expiredLogEventEndIndex"] = expired_end
    if rejected:
        out["rejectedLogEventsInfo"] = rejected
    return out


def describe_log_streams(groups, streams, req, now):
    group, _ = _group(groups, req)
    prefix = req.get("logStreamNamePrefix") or ""
    found = []
    for name, s in sorted(streams.get(group, {}).items()):
        if not name.startswith(prefix):
            continue
        d = {"logStreamName": name, "creationTime": s["creationTime"], "storedBytes": 0,
             "arn": f"arn:aws:logs:{_region()}:{_account()}:log-group:{group}:log-stream:{name}"}
        if s["events"]:
            d.update(firstEventTimestamp=s["events"][0]["timestamp"], lastEventTimestamp=s["events"][-1]["timestamp"],
                     lastIngestionTime=s["events"][-1]["ingestionTime"])
        found.append(d)
    if req.get("descending"):
        found.reverse()
    return {"logStreams": found[: int(req.get("limit") or 50)]}


def filter_log_events(groups, streams, req, now):
    """Every stored event of the group that matches, oldest first, in one page. The filter pattern
    is taken as CloudWatch takes plain terms: each term must appear (case-sensitive)."""
    group, _ = _group(groups, req)
    names = req.get("logStreamNames")
    if names is not None and req.get("logStreamNamePrefix") is not None:
        raise invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
    prefix = req.get("logStreamNamePrefix") or ""
    start, end = req.get("startTime"), req.get("endTime")
    terms = [t.strip('"') for t in (req.get("filterPattern") or "").split()]
    out = []
    for name, s in streams.get(group, {}).items():
        if (names is not None and name not in names) or not name.startswith(prefix):
            continue
        for e in s["events"]:
            if (start is not None and e["timestamp"] < start) or (end is not None and e["timestamp"] > end):
                continue
            if all(t in e["message"] for t in terms):
                out.append({"logStreamName": name, **e})
    out.sort(key=lambda e: (e["timestamp"], e["ingestionTime"]))
    if req.get("limit"):
        out = out[: int(req["limit"])]
    return {"events": out, "searchedLogStreams": [{"logStreamName": n, "searchedCompletely": True} for n in streams.get(group, {})]}


OPERATIONS = {
    "Logs_20140328.CreateLogStream": (create_log_stream, True),
    "Logs_20140328.PutLogEvents": (put_log_events, True),
    "Logs_20140328.DescribeLogStreams": (describe_log_streams, False),
    "Logs_20140328.FilterLogEvents": (filter_log_events, False),
}


def _config():
    try:
        return json.load(open(os.path.join(STATE, "config.json")))
    except (OSError, ValueError):
        return {}


def _region():
    return _config().get("region", "us-east-1")


def _account():
    return _config().get("accountId", "123456789012")


def read_json(path, default):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return default


@contextmanager
def locked():
    with open(os.path.join(LOGS, "store.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def call(target, req, now):
    """One operation against the shared store; writes it back only for the operations that change it."""
    entry = OPERATIONS.get(target or "")
    if entry is None:
        raise ApiError("UnknownOperationException")
    op, writes = entry
    if not isinstance(req, dict):
        raise ApiError("SerializationException")
    with locked():
        groups = read_json(os.path.join(LOGS, "groups.json"), {})
        path = os.path.join(LOGS, "streams.json")
        streams = read_json(path, {})
        out = op(groups, streams, req, now)
        if writes:
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}"
            with open(tmp, "w") as f:
                json.dump(streams, f)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
    return out


def serve(address):
    os.environ["BERTH_SIM_SERVICE"] = "logs"
    os.environ["BERTH_SIM_SSM_ADDRESS"] = address
    import ssl
    import ssm  # the signature checks and the TLS server, with SERVICE=logs

    class Handler(awsjson.Handler):
        log_name = "logs"
        calls_path = os.path.join(STATE, "logs-calls.jsonl")

        def describe(self, req, body):
            return {"request": req if req is not None else body.decode("utf-8", "replace")}

        def answer(self, target, req, body):
            ssm.verify(self, body)
            return call(target, req, int(time.time() * 1000))

    region = _region()
    server = ssm.TlsServer((address, 443), Handler)
    server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.tls.load_cert_chain(os.path.join(ssm.WORLD, f"logs.{region}.crt"), os.path.join(ssm.WORLD, f"logs.{region}.key"))
    server.serve_forever()


if __name__ == "__main__":
    serve(os.environ["BERTH_SIM_LOGS_ADDRESS"])
