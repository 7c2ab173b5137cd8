"""Replay the same command lines against s3-credentials 0.17 and this rewrite.

Each case (cases.py) runs twice, once per tool, on a freshly reset moto with
the same setup; stdout, stderr, exit code and an optional look at the
emulator's state afterwards are normalised (keys, secrets, dates, IDs) and
diffed. This is how docs/differences.md was checked.

Setup (a scratch venv with the original and moto; boto3 comes with it):

    python3 -m venv /tmp/orig
    /tmp/orig/bin/pip install s3-credentials==0.17 'moto[server]'
    cargo build

usage: /tmp/orig/bin/python replay.py ORIGINAL_BIN OURS_BIN [CASE-NAME-PART ...]

OURS_BIN should be called `s3-credentials` (usage errors name the binary).
"""
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
# The test suite's launcher: prints the port, serves until stdin closes.
MOTO_SERVER = os.path.join(HERE, "..", "moto_server.py")


def start_moto():
    proc = subprocess.Popen(
        [sys.executable, MOTO_SERVER],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}, text=True,
    )
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def clients(endpoint):
    kw = dict(endpoint_url=endpoint, region_name="us-east-1",
              aws_access_key_id="testing", aws_secret_access_key="testing")
    return {s: boto3.client(s, **kw) for s in ("s3", "iam", "sts")}


NORMALISE = [
    (re.compile(r"AKIA[0-9A-Z]{12,}"), "AKIA…"),
    (re.compile(r"ASIA[0-9A-Z]{12,}"), "ASIA…"),
    (re.compile(r'("SecretAccessKey": ?")[^"]+'), r"\1…"),
    (re.compile(r"(aws_secret_access_key=)\S+"), r"\1…"),
    (re.compile(r'("SessionToken": ?")[^"]+'), r"\1…"),
    (re.compile(r"(aws_session_token=)\S+"), r"\1…"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?"), "DATE"),
    (re.compile(r"AROA[0-9A-Z]{12,}"), "AROA…"),
    (re.compile(r"AIDA[0-9A-Z]{12,}"), "AIDA…"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r'("(UserId|PolicyId)": ?")[^"]+'), r"\1ID"),
    (re.compile(r"(?m)^(\w+,)[a-z0-9]{20},"), r"\1ID,"),
    (re.compile(r"/tmp/replay-[^/\s'\"]+"), "TMP"),
]


def normalise(text):
    for pattern, repl in NORMALISE:
        text = pattern.sub(repl, text)
    return text


def run_case(case, tool, endpoint, c):
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST"))
    work = tempfile.mkdtemp(prefix="replay-")
    for name, content in case.get("files", {}).items():
        path = os.path.join(work, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
    if "setup" in case:
        case["setup"](c)
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
           "COLUMNS": "100", "NO_COLOR": "1"}
    out = []
    for step in case["steps"]:
        argv = [tool] + step
        p = subprocess.run(argv, cwd=work, env=env, capture_output=True,
                           input=case.get("stdin", ""), text=True, timeout=120)
        out.append(f"$ s3-credentials {' '.join(step)}\n--- exit {p.returncode}\n"
                   f"--- stdout\n{p.stdout}--- stderr\n{p.stderr}")
    if "inspect" in case:
        out.append("--- state\n" + case["inspect"](c, work))
    return normalise("".join(out))


def main():
    original, ours = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:]
    from cases import CASES
    proc, endpoint = start_moto()
    c = clients(endpoint)
    same = differ = 0
    try:
        for case in CASES:
            if wanted and not any(w in case["name"] for w in wanted):
                continue
            a = run_case(case, original, endpoint, c)
            b = run_case(case, ours, endpoint, c)
            print(f"=== {case['name']}")
            if a == b:
                same += 1
                print("(same)\n" + a)
            else:
                differ += 1
                print("".join(difflib.unified_diff(
                    a.splitlines(True), b.splitlines(True), "0.17", "ours", n=50)))
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    print(f"=== {same} same, {differ} differ")


if __name__ == "__main__":
    main()
