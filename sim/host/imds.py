#!/usr/bin/env python3
"""The EC2 instance metadata service (IMDS) of a simulated host, IMDSv2 only.

Started by init.sh on every boot, on 169.254.169.254:80 in the host's network namespace
"aws" (a veth pair away from the host, so the host's own port 80 stays free). It behaves like IMDS with
HttpTokens=required:

  PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds (1..21600)
      -> a session token (400 without a valid TTL, 403 if X-Forwarded-For is set)
  GET anything without a valid X-aws-ec2-metadata-token -> 401

and serves, under any API version prefix (latest, 2021-03-23, 2009-04-04, ...),
the tree cloud-init's Ec2 datasource crawls and the AWS CLI reads: meta-data/
(instance-id, placement/region, placement/availability-zone, iam/info,
iam/security-credentials/<role>, network/interfaces/macs/..., ...),
dynamic/instance-identity/document and user-data. A path that names a directory
answers with its listing, one entry a line, directories suffixed with "/".

Instance role credentials are made up at start (one set per boot, valid 6 h,
like the ones EC2 rotates) and appended to $STATE/credentials.json, which the
fake SSM endpoint (ssm.py) reads to verify signatures.

Config: $STATE/config.json (written by sim/world.ts) and the
instance's current user-data in $STATE/user-data (read on every request).
"""
import base64
import datetime as dt
import json
import os
import secrets
import string
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
import simhttp
from urllib.parse import urlsplit

STATE = os.environ.get("BERTH_SIM_STATE", "/opt/berth-sim/state")
ADDRESS = os.environ.get("BERTH_SIM_IMDS_ADDRESS", "169.254.169.254")
CONFIG = json.load(open(os.path.join(STATE, "config.json")))


def _primary_interface():
    """The private IPv4, its subnet and the MAC of the host's primary interface, as init.sh
    recorded them before taking the interface down for cloud-init-local (see init.sh)."""
    import ipaddress
    net = json.load(open(os.environ.get("BERTH_SIM_NETWORK", "/run/berth-sim/network.json")))
    cidr = ipaddress.ip_interface(f"{net['privateIp']}/{net['prefixLen']}").network
    return {"privateIp": net["privateIp"], "subnetCidr": str(cidr), "mac": net["mac"]}


CONFIG.update(_primary_interface())
VERSIONS = [
    "1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
    "2008-02-01", "2008-09-01", "2009-04-04", "2011-01-01", "2011-05-01",
    "2012-01-12", "2014-02-25", "2014-11-05", "2015-10-20", "2016-04-19",
    "2016-06-30", "2016-09-02", "2018-03-28", "2018-08-17", "2018-09-24",
    "2019-10-01", "2020-10-27", "2021-01-03", "2021-03-23", "2021-07-15",
    "2022-09-24", "latest",
]
MAX_TTL = 21600
_tokens = {}
_lock = threading.Lock()


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rand(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def issue_credentials():
    now = time.time()
    creds = {
        "AccessKeyId": "ASIA" + _rand(string.ascii_uppercase + "234567", 16),
        "SecretAccessKey": _rand(string.ascii_letters + string.digits + "+/", 40),
        "Token": "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(300)).decode(),
        "Expiration": iso(now + 6 * 3600),
        "LastUpdated": iso(now),
        "RoleName": CONFIG["roleName"],
    }
    path = os.path.join(STATE, "credentials.json")
    try:
        issued = json.load(open(path))
    except (OSError, ValueError):
        issued = []
    issued.append(creds)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(issued, f, indent=1)
    os.replace(tmp, path)
    return creds


CREDS = issue_credentials()
BOOTED_AT = time.time()


def metadata_tree():
    c = CONFIG
    mac = c["mac"]
    ip = c["privateIp"]
    region = c["region"]
    domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    hostname = "ip-" + ip.replace(".", "-") + "." + domain
    role = c["roleName"]
    now = time.time()
    return {
        "ami-id": c["amiId"],
        "ami-launch-index": "0",
        "ami-manifest-path": "(unknown)",
        "block-device-mapping": {"ami": "/dev/xvda", "root": "/dev/xvda"},
        "events": {"maintenance": {"history": "[]", "scheduled": "[]"}},
        "hostname": hostname,
        "iam": {
            "info": json.dumps({
                "Code": "Success",
                "LastUpdated": iso(now),
                "InstanceProfileArn": f"arn:aws:iam::{c['accountId']}:instance-profile/{role}",
                "InstanceProfileId": "AIPA" + c["instanceId"][2:].upper()[:16].ljust(16, "X"),
            }, indent=2),
            "security-credentials": {
                role: json.dumps({
                    "Code": "Success",
                    "LastUpdated": CREDS["LastUpdated"],
                    "Type": "AWS-HMAC",
                    "AccessKeyId": CREDS["AccessKeyId"],
                    "SecretAccessKey": CREDS["SecretAccessKey"],
                    "Token": CREDS["Token"],
                    "Expiration": CREDS["Expiration"],
                }, indent=2),
            },
        },
        "identity-credentials": {"ec2": {"info": json.dumps({
            "Code": "Success", "LastUpdated": iso(now), "AccountId": c["accountId"]}, indent=2)}},
        "instance-action": "none",
        "instance-id": c["instanceId"],
        "instance-life-cycle": "on-demand",
        "instance-type": c["instanceType"],
        "local-hostname": hostname,
        "local-ipv4": ip,
        "mac": mac,
        "network": {"interfaces": {"macs": {mac: {
            "device-number": "0",
            "interface-id": "eni-" + c["instanceId"][2:],
            "local-hostname": hostname,
            "local-ipv4s": ip,
            "mac": mac,
            "owner-id": c["accountId"],
            "security-group-ids": "sg-0b5e0000000000001",
            "security-groups": "berth-sim",
            "subnet-id": "subnet-0b5e0000000000001",
            "subnet-ipv4-cidr-block": c["subnetCidr"],
            "vpc-id": "vpc-0b5e0000000000001",
            "vpc-ipv4-cidr-block": c["subnetCidr"],
            "vpc-ipv4-cidr-blocks": c["subnetCidr"],
        }}}},
        "placement": {
            "availability-zone": c["availabilityZone"],
            "availability-zone-id": c["availabilityZoneId"],
            "region": region,
        },
        "profile": "default-hvm",
        "reservation-id": "r-" + c["instanceId"][2:],
        "security-groups": "berth-sim",
        "services": {"domain": "amazonaws.com", "partition": "aws"},
    }


def identity_document():
    c = CONFIG
    return json.dumps({
        "accountId": c["accountId"],
        "architecture": "x86_64",
        "availabilityZone": c["availabilityZone"],
        "billingProducts": None,
        "devpayProductCodes": None,
        "marketplaceProductCodes": None,
        "imageId": c["amiId"],
        "instanceId": c["instanceId"],
        "instanceType": c["instanceType"],
        "kernelId": None,
        "pendingTime": iso(BOOTED_AT),
        "privateIp": c["privateIp"],
        "ramdiskId": None,
        "region": c["region"],
        "version": "2017-09-30",
    }, indent=2)


def user_data():
    try:
        with open(os.path.join(STATE, "user-data"), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def listing(node):
    return "\n".join(k + "/" if isinstance(v, dict) else k for k, v in node.items())


def lookup(path):
    """(status, body bytes) for a GET of path (already without the query)."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return 200, "\n".join(VERSIONS).encode()
    if parts[0] not in VERSIONS:
        return 404, b""
    rest = parts[1:]
    ud = user_data()
    if not rest:
        entries = ["dynamic", "meta-data"] + (["user-data"] if ud is not None else [])
        return 200, "\n".join(entries).encode()
    if rest == ["user-data"]:
        return (200, ud) if ud is not None else (404, b"")
    if rest[0] == "meta-data":
        node = metadata_tree()
    elif rest[0] == "dynamic":
        node = {"instance-identity": {"document": identity_document()}}
    else:
        return 404, b""
    for key in rest[1:]:
        if not isinstance(node, dict) or key not in node:
            return 404, b""
        node = node[key]
    return 200, (listing(node) if isinstance(node, dict) else node).encode()


class Handler(BaseHTTPRequestHandler):
    server_version = "EC2ws"
    sys_version = ""

    def log_message(self, fmt, *args):
        sys.stderr.write("%s imds %s\n" % (iso(time.time()), fmt % args))

    def reply(self, status, body=b"", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if urlsplit(self.path).path != "/latest/api/token":
            return self.reply(404)
        if self.headers.get("X-Forwarded-For"):
            return self.reply(403)
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        try:
            seconds = int(ttl)
        except (TypeError, ValueError):
            return self.reply(400)
        if not 1 <= seconds <= MAX_TTL:
            return self.reply(400)
        token = base64.b64encode(secrets.token_bytes(42)).decode()
        with _lock:
            _tokens[token] = time.time() + seconds
        self.reply(200, token.encode(), {"X-aws-ec2-metadata-token-ttl-seconds": str(seconds)})

    def do_GET(self):
        token = self.headers.get("X-aws-ec2-metadata-token")
        with _lock:
            expires = _tokens.get(token or "")
        if expires is None or expires < time.time():
            return self.reply(401)
        status, body = lookup(urlsplit(self.path).path)
        self.reply(status, body)

    do_HEAD = do_GET

    def do_POST(self):
        self.reply(405)




if __name__ == "__main__":
    simhttp.Server((ADDRESS, 80), Handler).serve_forever()
