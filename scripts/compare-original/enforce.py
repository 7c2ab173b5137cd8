"""Run command lines (one per line on stdin) as an operator allowed exactly
one policy of docs/permissions.md, under moto's IAM enforcement.

usage: /tmp/orig/bin/python enforce.py TOOL "Hand out keys" < commands.txt

POLICY_NAME is the start of a `###` heading of the page. Two things moto does
unlike AWS are bent here, and said: moto checks IAM and STS actions against
the resource "*" only (so role ARNs are widened to "*"), and it authorizes a
bucket HEAD as s3:HeadBucket (added). Buckets `existing-bucket` and
`my-bucket` exist.
"""
import json, os, re, subprocess, sys, urllib.request
import boto3
sys.path.insert(0, os.path.dirname(__file__))
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
from replay import start_moto  # noqa: E402 (after the environment is set)

def policies():
    text = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "permissions.md")).read()
    found = {}
    for section in text.split("\n### ")[1:]:
        title = section.splitlines()[0]
        m = re.search(r"```json\n(.*?)```", section, re.S)
        if m:
            found[title] = json.loads(m.group(1).replace("ACCOUNT", "123456789012"))
    return found

def main():
    tool, which = sys.argv[1], sys.argv[2]
    proc, endpoint = start_moto()
    kw = dict(endpoint_url=endpoint, region_name="us-east-1")
    try:
        iam = boto3.client("iam", aws_access_key_id="a", aws_secret_access_key="a", **kw)
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        k = iam.create_access_key(UserName="admin")["AccessKey"]
        admin = dict(aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"], **kw)
        aiam = boto3.client("iam", **admin)
        s3 = boto3.client("s3", **admin)
        s3.create_bucket(Bucket="existing-bucket")
        s3.create_bucket(Bucket="my-bucket")
        doc = [d for t, d in policies().items() if t.startswith(which)][0]
        # moto checks IAM and STS actions against the resource "*" only, so a
        # statement naming a role ARN never matches there: widen those.
        for st in doc["Statement"]:
            res = st["Resource"]
            if isinstance(res, str) and res.startswith("arn:aws:iam:"):
                st["Resource"] = "*"
        # moto authorizes a bucket HEAD as s3:HeadBucket; AWS as s3:ListBucket.
        doc["Statement"].append({"Effect": "Allow", "Action": "s3:HeadBucket", "Resource": "*"})
        aiam.create_user(UserName="operator")
        aiam.put_user_policy(UserName="operator", PolicyName="doc", PolicyDocument=json.dumps(doc))
        ok = aiam.create_access_key(UserName="operator")["AccessKey"]
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": ok["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": ok["SecretAccessKey"], "AWS_REGION": "us-east-1"}
        for line in sys.stdin:
            argv = line.split()
            if not argv:
                continue
            p = subprocess.run([tool] + argv, env=env, capture_output=True, text=True, timeout=120)
            err = "\n    ".join(p.stderr.splitlines()[-3:])
            print(f"exit {p.returncode}: {' '.join(argv)}\n    {err}")
    finally:
        proc.stdin.close(); proc.wait(timeout=10)

main()
