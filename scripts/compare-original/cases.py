"""The cases replayed against both tools: the original's README and test
cases that touch a known difference, each with the same setup."""
import json
import urllib.parse


def bucket(name, region=None):
    def setup(c):
        kw = {}
        if region and region != "us-east-1":
            kw["CreateBucketConfiguration"] = {"LocationConstraint": region}
        c["s3"].create_bucket(Bucket=name, **kw)
    return setup


def both(*fns):
    def setup(c):
        for f in fns:
            f(c)
    return setup


def objects(name, keys):
    def setup(c):
        for k in keys:
            c["s3"].put_object(Bucket=name, Key=k, Body=b"hello")
    return setup


def user(name, with_policy=None, keys=0):
    def setup(c):
        c["iam"].create_user(UserName=name)
        if with_policy:
            c["iam"].put_user_policy(UserName=name, PolicyName=with_policy,
                                     PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}))
        for _ in range(keys):
            c["iam"].create_access_key(UserName=name)
    return setup


def user_state(c, work):
    lines = []
    for u in c["iam"].list_users()["Users"]:
        name = u["UserName"]
        lines.append(f"user {name} tags={c['iam'].list_user_tags(UserName=name)['Tags']}")
        for p in c["iam"].list_user_policies(UserName=name)["PolicyNames"]:
            doc = c["iam"].get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"]
            # boto3 decodes and parses the document; ask for the raw bytes too
            lines.append(f"  policy {p}: {json.dumps(doc)}")
        lines.append(f"  keys={len(c['iam'].list_access_keys(UserName=name)['AccessKeyMetadata'])}")
    return "\n".join(lines) + "\n"


def raw_user_policies(c, work):
    """The stored documents byte for byte, as IAM returns them."""
    import botocore
    out = []
    iam = c["iam"]
    # Stop botocore from parsing the document: read the raw XML body.
    for u in iam.list_users()["Users"]:
        for p in iam.list_user_policies(UserName=u["UserName"])["PolicyNames"]:
            req = iam.meta.events
            raw = {}
            def grab(response_dict, **kw):
                raw["body"] = response_dict["body"].decode()
            iam.meta.events.register("before-parse.iam.GetUserPolicy", grab)
            iam.get_user_policy(UserName=u["UserName"], PolicyName=p)
            iam.meta.events.unregister("before-parse.iam.GetUserPolicy", grab)
            body = raw.get("body", "")
            start = body.find("<PolicyDocument>") + len("<PolicyDocument>")
            end = body.find("</PolicyDocument>")
            out.append(f"{p}: {urllib.parse.unquote(body[start:end])}")
    return "\n".join(out) + "\n"


def bucket_state(name):
    def inspect(c, work):
        s3 = c["s3"]
        lines = []
        try:
            lines.append(f"tags={s3.get_bucket_tagging(Bucket=name)['TagSet']}")
        except Exception as e:
            lines.append(f"tags: {type(e).__name__}")
        for what, call in [("policy", lambda: s3.get_bucket_policy(Bucket=name)["Policy"]),
                           ("website", lambda: s3.get_bucket_website(Bucket=name)["IndexDocument"]),
                           ("pab", lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"])]:
            try:
                lines.append(f"{what}={call()}")
            except Exception as e:
                lines.append(f"{what}: {type(e).__name__}")
        return "\n".join(lines) + "\n" + user_state(c, work)
    return inspect


def content_types(name):
    def inspect(c, work):
        s3 = c["s3"]
        out = []
        for o in s3.list_objects_v2(Bucket=name).get("Contents", []):
            h = s3.head_object(Bucket=name, Key=o["Key"])
            out.append(f"{o['Key']}: {h['ContentType']}")
        return "\n".join(out) + "\n"
    return inspect


def listing(name):
    def inspect(c, work):
        return "\n".join(o["Key"] for o in c["s3"].list_objects_v2(Bucket=name).get("Contents", [])) + "\n"
    return inspect


def files(c, work):
    import os
    out = []
    for root, dirs, fs in os.walk(work):
        for f in sorted(fs):
            out.append(os.path.relpath(os.path.join(root, f), work))
    return "\n".join(sorted(out)) + "\n"


POLICY_PRETTY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::$!BUCKET_NAME!$/*"}]}, indent=4)
POLICY_TRAILING = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject",], "Resource": "*",},],}'
POLICY_NO_STATEMENT = '{"Version": "2012-10-17"}'

CASES = [
    # create
    dict(name="create-new-bucket", steps=[["create", "my-bucket", "-c"]], inspect=bucket_state("my-bucket")),
    dict(name="create-existing-bucket", setup=bucket("my-bucket"), steps=[["create", "my-bucket"]], inspect=user_state),
    dict(name="create-missing-bucket", steps=[["create", "my-bucket"]]),
    dict(name="create-read-only-ini", setup=bucket("my-bucket"), steps=[["create", "my-bucket", "--read-only", "-f", "ini"]]),
    dict(name="create-existing-user", setup=both(bucket("my-bucket"), user("alice", with_policy="other")),
         steps=[["create", "my-bucket", "--username", "alice"]], inspect=user_state),
    dict(name="create-twice", setup=bucket("my-bucket"), steps=[["create", "my-bucket"], ["create", "my-bucket"]], inspect=user_state),
    dict(name="create-third-key", setup=both(bucket("my-bucket"), user("alice", keys=2)),
         steps=[["create", "my-bucket", "--username", "alice"]], inspect=user_state),
    dict(name="create-dry-run", steps=[["create", "my-bucket", "--dry-run"]]),
    dict(name="create-dry-run-c", steps=[["create", "my-bucket", "-c", "--dry-run"]]),
    dict(name="create-dry-run-public", steps=[["create", "my-bucket", "-c", "--public", "--dry-run"]]),
    dict(name="create-public", steps=[["create", "my-bucket", "-c", "--public"]], inspect=bucket_state("my-bucket")),
    dict(name="create-website", steps=[["create", "my-bucket", "-c", "--website"]], inspect=bucket_state("my-bucket")),
    dict(name="create-public-existing", setup=bucket("my-bucket"), steps=[["create", "my-bucket", "--public"]]),
    dict(name="create-prefix", setup=bucket("my-bucket"), steps=[["create", "my-bucket", "--prefix", "my-prefix"]], inspect=raw_user_policies),
    dict(name="create-prefix-slash", setup=bucket("my-bucket"), steps=[["create", "my-bucket", "--prefix", "my-prefix/"]], inspect=raw_user_policies),
    dict(name="create-stored-policy", setup=bucket("my-bucket"), steps=[["create", "my-bucket", "--silent"]], inspect=raw_user_policies),
    dict(name="create-policy-file", setup=bucket("my-bucket"), files={"policy.json": POLICY_PRETTY},
         steps=[["create", "my-bucket", "--policy", "policy.json", "--silent"]], inspect=raw_user_policies),
    dict(name="create-policy-trailing-commas", setup=bucket("my-bucket"),
         steps=[["create", "my-bucket", "--policy", POLICY_TRAILING, "--silent"]], inspect=raw_user_policies),
    dict(name="create-policy-no-statement", setup=bucket("my-bucket"),
         steps=[["create", "my-bucket", "--policy", POLICY_NO_STATEMENT, "--silent"]], inspect=user_state),
    dict(name="create-policy-invalid", setup=bucket("my-bucket"),
         steps=[["create", "my-bucket", "--policy", "{not json"]]),
    dict(name="create-statement", setup=bucket("my-bucket"),
         steps=[["create", "my-bucket", "--statement", '{"Effect": "Allow", "Action": "textract:*", "Resource": "*"}', "--silent"]], inspect=raw_user_policies),
    dict(name="create-duration", setup=bucket("my-bucket"), steps=[["create", "my-bucket", "-d", "15m"]]),
    dict(name="create-duration-statement", setup=bucket("my-bucket"),
         steps=[["create", "my-bucket", "-d", "15m", "--statement", '{"Effect": "Allow", "Action": "textract:*", "Resource": "*"}']]),
    dict(name="create-bucket-region", steps=[["create", "my-bucket", "-c", "--bucket-region", "us-west-2"]]),
    dict(name="create-usage-no-bucket", steps=[["create"]]),
    dict(name="create-usage-unknown-option", steps=[["create", "my-bucket", "--nope"]]),
    dict(name="create-usage-ro-wo", steps=[["create", "my-bucket", "--read-only", "--write-only"]]),
    dict(name="create-bad-duration", steps=[["create", "my-bucket", "-d", "xyz"]]),
    # policy
    dict(name="policy", steps=[["policy", "my-bucket"]]),
    dict(name="policy-read-only-prefix", steps=[["policy", "my-bucket", "--read-only", "--prefix", "foo/"]]),
    dict(name="policy-prefix-no-slash", steps=[["policy", "my-bucket", "--prefix", "foo"]]),
    dict(name="policy-public-bucket", steps=[["policy", "my-bucket", "--public-bucket"]]),
    # whoami / listings
    dict(name="whoami", steps=[["whoami"]]),
    dict(name="list-users", setup=both(user("alice"), user("bob")), steps=[["list-users"], ["list-users", "--nl"], ["list-users", "--csv"]]),
    dict(name="list-users-array", setup=both(user("alice"), user("bob")), steps=[["list-users", "--array"]]),
    dict(name="list-users-empty", steps=[["list-users"]]),
    dict(name="list-buckets", setup=both(bucket("bkt1"), bucket("bkt2")), steps=[["list-buckets"], ["list-buckets", "bkt1"]]),
    dict(name="list-buckets-details", setup=bucket("bkt1"), steps=[["list-buckets", "--details"]]),
    dict(name="list-buckets-details-website", steps=[["create", "site-bucket", "-c", "--website", "--silent"], ["list-buckets", "--details"]]),
    dict(name="list-buckets-details-csv", setup=bucket("bkt1"), steps=[["list-buckets", "--details", "--csv"]]),
    dict(name="list-roles-details-csv", steps=[["create", "my-bucket", "-c", "-d", "15m", "--silent"], ["list-roles", "--details", "--csv"]]),
    dict(name="list-roles-details", steps=[["create", "my-bucket", "-c", "-d", "15m", "--silent"], ["list-roles", "--details"]]),
    dict(name="list-user-policies", steps=[["create", "my-bucket", "-c", "--silent"], ["list-user-policies"]]),
    dict(name="list-bucket", setup=both(bucket("bkt1"), objects("bkt1", ["a.txt", "dir/b c.txt"])), steps=[["list-bucket", "bkt1"], ["list-bucket", "bkt1", "--urls", "--csv"]]),
    dict(name="delete-user", steps=[["create", "my-bucket", "-c", "--silent"], ["delete-user", "s3.read-write.my-bucket"]], inspect=user_state),
    dict(name="delete-user-missing", steps=[["delete-user", "nobody"]]),
    # objects
    dict(name="put-object", setup=bucket("bkt1"), files={"hello.txt": "hello\n", "img.png": b"\x89PNG\r\n", "data.json": "{}"},
         steps=[["put-object", "bkt1", "hello.txt", "hello.txt"], ["put-object", "bkt1", "img.png", "img.png"], ["put-object", "bkt1", "data.json", "data.json"]], inspect=content_types("bkt1")),
    dict(name="put-object-stdin", setup=bucket("bkt1"), stdin="from stdin\n", steps=[["put-object", "bkt1", "s.txt", "-"]], inspect=content_types("bkt1")),
    dict(name="put-object-content-type", setup=bucket("bkt1"), files={"a.txt": "x"}, steps=[["put-object", "bkt1", "a.txt", "a.txt", "--content-type", "text/x-custom"]], inspect=content_types("bkt1")),
    dict(name="put-objects", setup=bucket("bkt1"), files={"d/one.txt": "1", "d/sub/two.html": "2"},
         steps=[["put-objects", "bkt1", "d"]], inspect=content_types("bkt1")),
    dict(name="put-objects-dry-run", setup=bucket("bkt1"), files={"d/one.txt": "1"}, steps=[["put-objects", "bkt1", "d", "--dry-run"]]),
    dict(name="get-object", setup=both(bucket("bkt1"), objects("bkt1", ["a.txt"])), steps=[["get-object", "bkt1", "a.txt"], ["get-object", "bkt1", "a.txt", "-o", "out.txt"]], inspect=files),
    dict(name="get-object-missing", setup=bucket("bkt1"), steps=[["get-object", "bkt1", "nope.txt"]]),
    dict(name="get-objects", setup=both(bucket("bkt1"), objects("bkt1", ["a.txt", "d/b.txt"])), steps=[["get-objects", "bkt1", "-o", "out"]], inspect=files),
    dict(name="get-objects-default-dir", setup=both(bucket("bkt1"), objects("bkt1", ["a.txt"])), steps=[["get-objects", "bkt1"]], inspect=files),
    dict(name="delete-objects", setup=both(bucket("bkt1"), objects("bkt1", ["a.txt", "b.txt", "c.txt"])), steps=[["delete-objects", "bkt1", "a.txt", "b.txt"]], inspect=listing("bkt1")),
    dict(name="delete-objects-dry-run", setup=both(bucket("bkt1"), objects("bkt1", ["t/1", "t/2", "o"])),
         steps=[["delete-objects", "bkt1", "--prefix", "t/", "--dry-run"], ["delete-objects", "bkt1", "o", "-d", "-s"], ["delete-objects", "bkt1", "--prefix", "none/", "-d"]], inspect=listing("bkt1")),
    dict(name="delete-objects-missing-bucket", steps=[["delete-objects", "nob", "--prefix", "x/", "-d"]]),
    # bucket configuration
    dict(name="set-cors-policy", setup=bucket("bkt1"), steps=[["set-cors-policy", "bkt1"], ["get-cors-policy", "bkt1"]]),
    dict(name="set-bucket-policy", setup=bucket("bkt1"), steps=[["set-bucket-policy", "bkt1", "--allow-all-get"], ["get-bucket-policy", "bkt1"]]),
    dict(name="get-bucket-policy-none", setup=bucket("bkt1"), steps=[["get-bucket-policy", "bkt1"]]),
    dict(name="public-access-block", setup=bucket("bkt1"), steps=[["set-public-access-block", "bkt1", "--block-public-acls", "true"], ["get-public-access-block", "bkt1"]]),
    dict(name="debug-bucket", setup=bucket("bkt1"), steps=[["debug-bucket", "bkt1"]]),
]


def deny_delete(name):
    def setup(c):
        c["s3"].put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{name}/locked/*"}]}))
    return setup


CASES += [
    dict(name="delete-objects-refused", setup=both(bucket("bkt1"), objects("bkt1", ["a.txt", "locked/b.txt"]), deny_delete("bkt1")),
         steps=[["delete-objects", "bkt1", "a.txt", "locked/b.txt"]], inspect=listing("bkt1")),
    dict(name="get-cors-policy-none", setup=bucket("bkt1"), steps=[["get-cors-policy", "bkt1"]]),
    dict(name="get-public-access-block-none", setup=bucket("bkt1"), steps=[["get-public-access-block", "bkt1"]]),
]
