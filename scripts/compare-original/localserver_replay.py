"""Replay localserver against both tools: the body of GET /, of GET /nope,
the end of `Expiration`, and the session name the served credentials carry
(from GetCallerIdentity), without and with --statement. Ports 18094/18095.

usage: /tmp/orig/bin/python localserver_replay.py ORIGINAL_BIN OURS_BIN
"""
import json, os, subprocess, sys, time, urllib.request, urllib.error
import boto3
sys.path.insert(0, os.path.dirname(__file__))
from replay import start_moto, normalise

def serve(tool, endpoint, port, extra):
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    argv = [tool, "localserver", "lsbucket", "-d", "15m", "-p", str(port)] + extra
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = [f"$ s3-credentials {' '.join(argv[1:])}"]
    try:
        for _ in range(100):
            try:
                body = urllib.request.urlopen(f"http://localhost:{port}/", timeout=2).read().decode()
                break
            except Exception:
                time.sleep(0.1)
        else:
            body = "(no answer)"
        out.append("--- GET / body\n" + body)
        creds = json.loads(body)
        sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds.get("SessionToken") or creds.get("Token"))
        out.append("--- Expiration after the seconds: " + repr(creds["Expiration"][19:]))
        out.append("--- session ARN: " + sts.get_caller_identity()["Arn"])
        try:
            urllib.request.urlopen(f"http://localhost:{port}/nope", timeout=2)
        except urllib.error.HTTPError as e:
            out.append(f"--- GET /nope: {e.code} {e.headers.get('Content-Type')}\n" + e.read().decode())
    finally:
        p.terminate()  # by PID: the process this script started
        o, e = p.communicate(timeout=20)
    out.append(f"--- exit {p.returncode}\n--- stdout\n{o}--- stderr\n{e}")
    return normalise("\n".join(out))

def main():
    proc, endpoint = start_moto()
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="t",
                 aws_secret_access_key="t").create_bucket(Bucket="lsbucket")
    try:
        for extra in [[], ["--statement", '{"Effect": "Allow", "Action": "textract:*", "Resource": "*"}']]:
            for tool, port in [(sys.argv[1], 18094), (sys.argv[2], 18095)]:
                print(f"===== {tool}")
                print(serve(tool, endpoint, port, extra))
    finally:
        proc.stdin.close(); proc.wait(timeout=10)

main()
