#!/usr/bin/python3
"""Checks the AWS Signature V4 of requests that tm sent, with an independent
signer: botocore's S3SigV4Auth (Debian's python3-botocore).

Reads the requests logged by fault_proxy.py or capture.py (one JSON object a
line: method, target, headers as received, body_sha256 of the bytes received)
and, for each, computes the Authorization header botocore gives the same
request: same method, URL, signed headers and their values, credentials,
region and time, and the SHA-256 of the body as received (not the
x-amz-content-sha256 that tm claims). It must equal tm's, byte for byte.

As a server verifies a signature, the headers signed are those the request's
SignedHeaders names, with their received values; the script also requires
that host, x-amz-date and x-amz-content-sha256 are among them, Content-MD5 for
every request with a body, and x-amz-security-token when a token is given; and
that the path and query are sent in the canonical form S3 signs (libcurl 7.88
signs them as sent).

Prints one line per request; exits 1 on any mismatch, or if no request was checked.
"""
import argparse
import json
import re
import sys
from urllib.parse import quote, unquote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("log")
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--token")
    p.add_argument("--region", required=True)
    p.add_argument("--date", help="the x-amz-date every request must carry")
    a = p.parse_args()
    creds = Credentials(a.access_key, a.secret_key, a.token)
    checked = bad = 0
    for line in open(a.log):
        req = json.loads(line)
        headers = req["headers"]
        lower = {}
        for k, v in headers:
            lower.setdefault(k.lower(), []).append(v)
        what = "%s %s" % (req["method"], req["target"])
        problems = []
        auth = lower.get("authorization", [None])[0]
        if auth is None:
            print("UNSIGNED %s" % what)
            bad += 1
            continue
        m = re.search(r"SignedHeaders=([^,]*)", auth)
        signed = m.group(1).split(";") if m else []
        date = lower.get("x-amz-date", [""])[0]
        if a.date and date != a.date:
            problems.append("x-amz-date %r, expected %r" % (date, a.date))
        required = ["host", "x-amz-content-sha256", "x-amz-date"]
        if req["body_sha256"] != EMPTY_SHA256:
            required.append("content-md5")
        if a.token:
            required.append("x-amz-security-token")
        for name in required:
            if name not in signed:
                problems.append("%s not signed" % name)
        # libcurl 7.88 signs the path and query as sent; S3 signs their
        # canonical forms, so they must be sent in that form.
        path, _, query = req["target"].partition("?")
        if quote(unquote(path), safe="/~") != path:
            problems.append("path %r is not in canonical (URI-encoded) form" % path)
        if query:
            pairs = sorted((quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~"))
                           for k, _, v in (p.partition("=") for p in query.split("&")))
            canonical_query = "&".join("%s=%s" % kv for kv in pairs)
            if canonical_query != query:
                problems.append("query %r is not in canonical form %r" % (query, canonical_query))
        claimed = lower.get("x-amz-content-sha256", [""])[0]
        if claimed != req["body_sha256"]:
            problems.append("x-amz-content-sha256 %s, but the body's is %s"
                            % (claimed, req["body_sha256"]))
        # What botocore sets itself (host from the URL, the date from the
        # context, the token from the credentials, the payload hash from the
        # body) is not handed to it.
        own = {"host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"}
        keep = [(k, v) for k, v in headers if k.lower() in signed and k.lower() not in own]
        request = AWSRequest(method=req["method"],
                             url="http://" + lower["host"][0] + req["target"],
                             headers=dict(keep))
        signer = S3SigV4Auth(creds, "s3", a.region)
        signer.payload = lambda _request, sha=req["body_sha256"]: sha
        request.context["timestamp"] = date
        signer._modify_request_before_signing(request)
        canonical = signer.canonical_request(request)
        signature = signer.signature(signer.string_to_sign(request, canonical), request)
        signer._inject_signature_to_request(request, signature)
        expected = request.headers["Authorization"]
        if expected != auth:
            problems.append("Authorization differs:\n  tm:       %s\n  botocore: %s\n"
                            "  canonical request:\n%s" % (auth, expected, canonical))
        checked += 1
        if problems:
            bad += 1
            print("MISMATCH %s: %s" % (what, "; ".join(problems)))
        else:
            print("ok %s" % what)
    if checked == 0:
        print("no signed request in %s" % a.log)
        return 1
    print("%d requests checked, %d bad" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
