#!/usr/bin/env python3
"""A fake AWS Systems Manager (SSM) endpoint for a simulated host, and with
BERTH_SIM_SERVICE=secretsmanager a fake AWS Secrets Manager endpoint (GetSecretValue) the same way.

Started by init.sh on every boot, in the host's network namespace "aws" (next to IMDS).
It listens with TLS on $BERTH_SIM_SSM_ADDRESS:443 (the host's /etc/hosts maps
ssm.<region>.amazonaws.com there; the certificate is
issued by the world's test CA, which the host trusts through its system store), and
answers the AWS JSON 1.1 protocol the real AWS CLI speaks (awsjson.py, shared with logs.py):

  POST /  Content-Type: application/x-amz-json-1.1
          X-Amz-Target: AmazonSSM.GetParameter | AmazonSSM.GetParameters

Every request must carry a valid Signature Version 4 signature (scope
<date>/<region>/ssm/aws4_request) made with instance-role credentials that the
host's IMDS issued (listed in $STATE/credentials.json), including the matching
X-Amz-Security-Token. Anything else is refused with the error shapes AWS uses:
MissingAuthenticationTokenException, IncompleteSignatureException,
UnrecognizedClientException, ExpiredTokenException, InvalidSignatureException
(all HTTP 400), and ParameterNotFound / UnknownOperationException for the calls.

The parameter store is $STATE/ssm-parameters.json, read on every request:
{ name: { "Type": "String"|"StringList"|"SecureString", "Value": ..., "Version": n,
"LastModifiedDate": epoch, "History": { "<n>": { "Value": ..., "LastModifiedDate": ... } } } }
(History: the earlier versions, readable as name:<n>). A SecureString's Value is returned in clear only
WithDecryption=true; otherwise an opaque ciphertext, as AWS does.

Each call, accepted or not, is appended as one JSON line to $STATE/ssm-calls.jsonl:
{time, target, names, withDecryption, accessKeyId, status, error}.

As Secrets Manager (secretsmanager.<region>.amazonaws.com, scope .../secretsmanager/aws4_request,
X-Amz-Target: secretsmanager.GetSecretValue), it answers from $STATE/secrets.json
({ ARN: { "Name": ..., "SecretString": ... } }) to a SecretId that is the ARN or the name, with
the same signature checks (so only the instance role's credentials read a secret), and
ResourceNotFoundException otherwise; calls go to $STATE/secretsmanager-calls.jsonl (the SecretId
in "names", never a value).
"""
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import ssl
import sys
import uuid
import awsjson
import simhttp
from awsjson import AUTH_RE, ApiError
from urllib.parse import parse_qsl, quote, urlsplit

STATE = os.environ.get("BERTH_SIM_STATE", "/opt/berth-sim/state")
WORLD = os.environ.get("BERTH_SIM_WORLD", "/opt/berth-sim/world")
ADDRESS = os.environ["BERTH_SIM_SSM_ADDRESS"]
SERVICE = os.environ.get("BERTH_SIM_SERVICE", "ssm")
CONFIG = json.load(open(os.path.join(STATE, "config.json")))
REGION = CONFIG["region"]
ACCOUNT = CONFIG["accountId"]


def credentials():
    try:
        return {c["AccessKeyId"]: c for c in json.load(open(os.path.join(STATE, "credentials.json")))}
    except (OSError, ValueError):
        return {}


def parameters():
    try:
        return json.load(open(os.path.join(STATE, "ssm-parameters.json")))
    except (OSError, ValueError):
        return {}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def canonical_request(method, raw_path, headers, signed, body):
    split = urlsplit(raw_path)
    path = quote(split.path or "/", safe="/~")
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(split.query, keep_blank_values=True)))
    lines = []
    for name in signed:
        values = headers.get_all(name) or []
        lines.append(name + ":" + ",".join(" ".join(v.split()) for v in values) + "\n")
    payload = headers.get("x-amz-content-sha256") or sha256(body)
    return "\n".join([method, path, query, "".join(lines), ";".join(signed), payload])


def verify(handler, body):
    """Checks SigV4 like AWS; returns the access key id, or raises ApiError."""
    h = handler.headers
    auth = h.get("Authorization")
    if not auth:
        raise ApiError("MissingAuthenticationTokenException", "Missing Authentication Token")
    m = AUTH_RE.match(auth)
    if not m:
        raise ApiError("IncompleteSignatureException",
                       f"Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization={auth}")
    credential, signed_headers, signature = m.groups()
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise ApiError("IncompleteSignatureException", f"Credential is malformed: {credential}")
    akid, date, region, service, _ = parts
    known = credentials().get(akid)
    if known is None:
        raise ApiError("UnrecognizedClientException", "The security token included in the request is invalid.")
    if h.get("X-Amz-Security-Token") != known["Token"]:
        raise ApiError("UnrecognizedClientException", "The security token included in the request is invalid.")
    if dt.datetime.strptime(known["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc) < dt.datetime.now(dt.timezone.utc):
        raise ApiError("ExpiredTokenException", "The security token included in the request is expired")
    if region != REGION or service != SERVICE:
        raise ApiError("InvalidSignatureException",
                       f"Credential should be scoped to a valid region, not '{region}'. " if region != REGION
                       else f"Credential should be scoped to correct service: '{SERVICE}'. ")
    amz_date = h.get("X-Amz-Date")
    if not amz_date:
        raise ApiError("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    try:
        when = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise ApiError("IncompleteSignatureException", f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")
    if abs((dt.datetime.now(dt.timezone.utc) - when).total_seconds()) > 900:
        raise ApiError("InvalidSignatureException", f"Signature expired: {amz_date} is now earlier or later than 15 min from now.")
    if date != amz_date[:8]:
        raise ApiError("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")
    signed = signed_headers.split(";")
    if "host" not in signed:
        raise ApiError("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    creq = canonical_request(handler.command, handler.path, h, signed, body)
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, sha256(creq.encode())])
    key = hmac256(("AWS4" + known["SecretAccessKey"]).encode(), date)
    for part in (region, service, "aws4_request"):
        key = hmac256(key, part)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise ApiError("InvalidSignatureException",
                       "The request signature we calculated does not match the signature you provided. "
                       "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    return akid


def ciphertext(name, value):
    # Opaque, like a KMS ciphertext blob: never the clear value.
    return base64.b64encode(b"\x01\x02\x02\x00x" + hashlib.sha256((name + "\0" + value).encode()).digest() * 3).decode()


def describe(name, p, decrypt):
    value = p["Value"]
    if p.get("Type") == "SecureString" and not decrypt:
        value = ciphertext(name, value)
    return {
        "ARN": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name.lstrip('/')}",
        "DataType": "text",
        "LastModifiedDate": p.get("LastModifiedDate", 0),
        "Name": name,
        "Type": p.get("Type", "String"),
        "Value": value,
        "Version": p.get("Version", 1),
    }


def resolve(store, name):
    """The stored (name, parameter) for a name or an ARN, optionally with :version; else None."""
    version = None
    m = re.match(r"^(.*):(\d+)$", name)
    if m:
        name, version = m.group(1), int(m.group(2))
    candidates = [name]
    arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/"
    if name.startswith(arn):
        rest = name[len(arn) - 1:]  # "/berth/dev/x" names "/berth/dev/x", "/foo" names "foo"
        candidates = [rest, rest[1:]]
    for candidate in candidates:
        p = store.get(candidate)
        if p is not None and (version is None or version == p.get("Version", 1)):
            return candidate, p
        # An earlier version (PutParameter keeps the last 100), read as name:version.
        old = (p or {}).get("History", {}).get(str(version)) if version is not None else None
        if old is not None:
            return candidate, {**p, "Value": old["Value"], "Version": version, "LastModifiedDate": old.get("LastModifiedDate", 0)}
    return None


def get_parameter(req):
    name = req.get("Name")
    if not isinstance(name, str):
        raise ApiError("ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
    store = parameters()
    found = resolve(store, name)
    if found is None:
        # As AWS: a parameter that exists, asked for at a version it does not have.
        base = re.sub(r":\d+$", "", name)
        if base != name and resolve(store, base) is not None:
            raise ApiError("ParameterVersionNotFound", f"Systems Manager could not find version {name.rsplit(':', 1)[1]} of {base}. Verify the version and try again.")
        raise ApiError("ParameterNotFound")
    return {"Parameter": describe(found[0], found[1], bool(req.get("WithDecryption")))}


def get_parameters(req):
    names = req.get("Names")
    if not isinstance(names, list) or not names:
        raise ApiError("ValidationException", "1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null")
    store = parameters()
    found, invalid = [], []
    for name in names:
        hit = resolve(store, name)
        if hit is None:
            invalid.append(name)
        else:
            found.append(describe(hit[0], hit[1], bool(req.get("WithDecryption"))))
    return {"InvalidParameters": invalid, "Parameters": found}


def get_secret_value(req):
    secret_id = req.get("SecretId")
    if not isinstance(secret_id, str) or not secret_id:
        raise ApiError("InvalidParameterException", "You must provide a SecretId.")
    try:
        secrets = json.load(open(os.path.join(STATE, "secrets.json")))
    except (OSError, ValueError):
        secrets = {}
    for arn, secret in secrets.items():
        if secret_id in (arn, secret["Name"]):
            return {"ARN": arn, "Name": secret["Name"], "SecretString": secret["SecretString"],
                    "VersionId": secret.get("VersionId", str(uuid.uuid5(uuid.NAMESPACE_URL, arn))),
                    "VersionStages": ["AWSCURRENT"], "CreatedDate": secret.get("CreatedDate", 0)}
    raise ApiError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")


OPERATIONS = {
    "ssm": {"AmazonSSM.GetParameter": get_parameter, "AmazonSSM.GetParameters": get_parameters},
    "secretsmanager": {"secretsmanager.GetSecretValue": get_secret_value},
}.get(SERVICE, {})  # logs.py imports this module for verify() with SERVICE=logs


class Handler(awsjson.Handler):
    log_name = "ssm"
    calls_path = os.path.join(STATE, f"{SERVICE}-calls.jsonl")

    def parse(self, body):
        # Unlike logs.py, an unparsable body is taken as an empty request, as this stand-in always did.
        try:
            return json.loads(body or b"{}")
        except ValueError:
            return {}

    def describe(self, req, body):
        if not isinstance(req, dict):
            return {"names": None, "withDecryption": None}
        names = (req.get("Names") if "Names" in req else [req.get("Name")] if "Name" in req
                 else [req.get("SecretId")] if "SecretId" in req else None)
        return {"names": names, "withDecryption": req.get("WithDecryption")}

    def answer(self, target, req, body):
        verify(self, body)
        op = OPERATIONS.get(target or "")
        if op is None:
            raise ApiError("UnknownOperationException")
        if not isinstance(req, dict):
            raise ApiError("SerializationException")
        return op(req)


class TlsServer(simhttp.Server):
    def finish_request(self, request, client_address):
        # TLS handshake in the connection's own thread, so one slow client blocks nobody.
        super().finish_request(self.tls.wrap_socket(request, server_side=True), client_address)

    def handle_error(self, request, client_address):
        sys.stderr.write(f"ssm: connection from {client_address[0]} failed: {sys.exc_info()[1]!r}\n")


if __name__ == "__main__":
    server = TlsServer((ADDRESS, 443), Handler)
    server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.tls.load_cert_chain(os.path.join(WORLD, f"{SERVICE}.{REGION}.crt"), os.path.join(WORLD, f"{SERVICE}.{REGION}.key"))
    server.serve_forever()
