#!/usr/bin/env python3
"""Time `s3-credentials list-credentials` on an account of many users, with
every request answered after a fixed latency, as from a distant AWS region.

The IAM endpoint is a small stand-in served here: it answers ListUsers (in
pages of 100, as IAM does by default), ListUserTags, ListAccessKeys,
GetAccessKeyLastUsed, ListUserPolicies and ListRoles from memory after
--latency milliseconds, so the figure measures how well the tool overlaps
its requests, not how fast an emulator is (moto, on a busy 2-core machine,
spent more time per request than the latency itself). Nine users in ten
carry the grant tags `create` writes and one access key; the tenth is an
unrelated user with neither. Prints the wall time, the rows printed, the
requests served and the most served at once.

    bench/list-credentials                  # release build, 1,000 users, 50 ms
    bench/list_credentials.py --users 200 --binary target/debug/s3-credentials
"""

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
PAGE = 100
NS = "https://iam.amazonaws.com/doc/2010-05-08/"


def log(message):
    print(message, file=sys.stderr, flush=True)


def user_name(n):
    return f"bench-user-{n:05d}"


def is_tagged(n):
    return n % 10 != 9


def respond(action, form, users, version):
    """The XML body IAM would answer `action` with."""
    name = form.get("UserName", [""])[0]
    n = int(name.rsplit("-", 1)[1]) if name.startswith("bench-user-") else -1
    if action == "ListUsers":
        start = int(form.get("Marker", ["0"])[0])
        end = min(start + PAGE, users)
        members = "".join(
            f"<member><Path>/</Path><UserName>{user_name(i)}</UserName><UserId>AIDA{i:016d}</UserId>"
            f"<Arn>arn:aws:iam::123456789012:user/{user_name(i)}</Arn>"
            f"<CreateDate>2026-01-01T00:00:00Z</CreateDate></member>"
            for i in range(start, end)
        )
        more = f"<IsTruncated>true</IsTruncated><Marker>{end}</Marker>" if end < users else "<IsTruncated>false</IsTruncated>"
        return f"<Users>{members}</Users>{more}"
    if action == "ListUserTags":
        tags = [("s3-credentials:version", version), ("s3-credentials:kind", "user"),
                ("s3-credentials:access", "read-write"), ("s3-credentials:buckets", f"bucket-{n}")]
        members = "".join(f"<member><Key>{k}</Key><Value>{v}</Value></member>" for k, v in tags) if is_tagged(n) else ""
        return f"<Tags>{members}</Tags><IsTruncated>false</IsTruncated>"
    if action == "ListAccessKeys":
        key = (f"<member><UserName>{name}</UserName><AccessKeyId>AKIA{n:016d}</AccessKeyId>"
               f"<Status>Active</Status><CreateDate>2026-01-01T00:00:00Z</CreateDate></member>") if is_tagged(n) else ""
        return f"<AccessKeyMetadata>{key}</AccessKeyMetadata><IsTruncated>false</IsTruncated>"
    if action == "GetAccessKeyLastUsed":
        return ("<UserName>x</UserName><AccessKeyLastUsed><ServiceName>s3</ServiceName>"
                "<Region>us-east-1</Region><LastUsedDate>2026-11-01T00:00:00Z</LastUsedDate></AccessKeyLastUsed>")
    if action == "ListUserPolicies":
        return "<PolicyNames/><IsTruncated>false</IsTruncated>"
    if action == "ListRoles":
        return "<Roles/><IsTruncated>false</IsTruncated>"
    return None


class Server:
    """The stand-in IAM endpoint: asyncio on one thread, so that its own cost
    per request stays far below the latency it adds; counts what it serves."""

    def __init__(self, users, latency, version):
        self.users, self.latency, self.version = users, latency, version
        self.requests = self.now = self.most = 0
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self.connection, "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def connection(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                writer.write(await self.answer(body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def answer(self, body):
        self.requests += 1
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.now -= 1
        form = parse_qs(body.decode())
        action = form.get("Action", [""])[0]
        result = respond(action, form, self.users, self.version)
        if result is None:
            status = "400 Bad Request"
            text = f"<ErrorResponse><Error><Code>InvalidAction</Code><Message>{action}</Message></Error></ErrorResponse>"
        else:
            status = "200 OK"
            text = (f'<{action}Response xmlns="{NS}"><{action}Result>{result}</{action}Result>'
                    f"<ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></{action}Response>")
        data = text.encode()
        head = f"HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {len(data)}\r\n\r\n"
        return head.encode() + data

    def shutdown(self):
        self.loop.call_soon_threadsafe(self.loop.stop)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="users in the account (default 1000)")
    parser.add_argument("--latency", type=int, default=50, help="milliseconds per request (default 50)")
    parser.add_argument(
        "--binary",
        default=str(ROOT / "target" / "release" / "s3-credentials"),
        help="the s3-credentials binary (default: the release build)",
    )
    args = parser.parse_args()
    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True, check=True)
    server = Server(args.users, args.latency / 1000, version.stdout.split()[-1])
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ACCESS_KEY_ID": "AKIABENCHBENCHBENCH0",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    endpoint = f"http://127.0.0.1:{server.port}"
    command = [args.binary, "list-credentials", "--nl", "--endpoint-url", endpoint]
    log(f"Running list-credentials on {args.users} users, {args.latency} ms per request ...")
    started = time.monotonic()
    first_row, rows = None, 0
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as run:
        for _ in run.stdout:
            rows += 1
            if first_row is None:
                first_row = time.monotonic() - started
    took = time.monotonic() - started
    server.shutdown()
    if run.returncode != 0:
        sys.exit(f"list-credentials failed with exit code {run.returncode}")
    tagged = sum(1 for n in range(args.users) if is_tagged(n))
    print("| users | rows | latency | wall time | first row after | requests | most at once |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {args.users} | {rows} | {args.latency} ms | {took:.2f} s | {first_row or 0:.2f} s "
          f"| {server.requests} | {server.most} |")
    if rows != tagged:
        sys.exit(f"expected {tagged} rows")


if __name__ == "__main__":
    main()
