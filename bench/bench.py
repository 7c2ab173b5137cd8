#!/usr/bin/env python3
"""Time s3-credentials' object commands against the tools people would
otherwise use for the same job, on one local S3-compatible server.

Everything is installed from the package registries into bench/.tools (the
peers from PyPI, the server from crates.io, rclone from Debian), the
workloads are generated into bench/.work, and the server (s3s-fs) runs on a
free loopback port, keeping its data in a tmpfs when there is room, and is
stopped by PID when the run ends. Each tool runs
each workload a few times, interleaved with the others; the table shows the
median wall time, the throughput at that time, the highest peak RSS of the
runs, and how many times longer each peer took than s3-credentials.

Run it with `bench/run` (which builds the release binary first); see
`bench/run --help` for the options.
"""

import argparse
import base64
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOOLS = BENCH / ".tools"
WORK = BENCH / ".work"
VENV = TOOLS / "venv"
S3S_FS_VERSION = "0.14.1"
S3S_FS = TOOLS / "s3s-fs" / "bin" / "s3s-fs"
OURS = ROOT / "target" / "release" / "s3-credentials"
KEY, SECRET = "benchkey", "benchsecret"
MIB = 1024 * 1024
GNU_TIME = "/usr/bin/time"


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- installing


def install_tools(skip_rclone_install):
    """Install (or find) every peer, the server and GNU time; returns {name: path}."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed-from"
    wanted = (BENCH / "requirements.txt").read_text()
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        log("Installing the Python peers into bench/.tools/venv ...")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
             "-r", str(BENCH / "requirements.txt")],
            check=True,
        )
        stamp.write_text(wanted)
    if not S3S_FS.exists():
        log(f"Installing s3s-fs {S3S_FS_VERSION} into bench/.tools (takes minutes) ...")
        subprocess.run(
            ["cargo", "install", "s3s-fs", "--version", S3S_FS_VERSION, "--features", "binary",
             "--locked", "--root", str(TOOLS / "s3s-fs")],
            check=True,
        )
    rclone = shutil.which("rclone")
    if rclone is None and not skip_rclone_install:
        log("Installing rclone from Debian (apt-get) ...")
        subprocess.run(["apt-get", "install", "-y", "-qq", "rclone"], check=False,
                       stdout=subprocess.DEVNULL)
        rclone = shutil.which("rclone")
    if not Path(GNU_TIME).exists():
        log("Installing GNU time from Debian (apt-get), to measure peak RSS ...")
        subprocess.run(["apt-get", "install", "-y", "-qq", "time"], check=False,
                       stdout=subprocess.DEVNULL)
        if not Path(GNU_TIME).exists():
            raise SystemExit("GNU time (/usr/bin/time) is needed to measure peak RSS")
    s5cmd = next((VENV / "lib").glob("python3*/site-packages/s5cmd/bin/s5cmd"), None)
    tools = {
        "original": VENV / "bin" / "s3-credentials",
        "s5cmd": s5cmd,
        "rclone": Path(rclone) if rclone else None,
        "aws": VENV / "bin" / "aws",
    }
    for name, path in tools.items():
        if path is None or not path.exists():
            log(f"warning: {name} is not available and is left out")
    return {name: path for name, path in tools.items() if path and path.exists()}


def versions(tools):
    """One line per tool saying which version ran."""
    def first_line(argv):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    commands = {
        "s3-credentials": [str(tools.get("s3-credentials")), "--version"],
        "original": [str(tools.get("original")), "--version"],
        "s5cmd": [str(tools.get("s5cmd")), "version"],
        "rclone": [str(tools.get("rclone")), "version"],
        "aws": [str(tools.get("aws")), "--version"],
    }
    lines = [f"s3s-fs {S3S_FS_VERSION} (server)"]
    lines += [f"{name}: {first_line(argv)}" for name, argv in commands.items() if name in tools]
    return lines


# ---------------------------------------------------------------- workloads


def write_file(path, size, seed):
    """Write `size` bytes that differ between files (no compression shortcuts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(MIB) if size >= MIB else None
    with open(path, "wb") as out:
        if block is None:
            out.write(os.urandom(size))
            return
        written = 0
        while written < size:
            # A fresh prefix per block keeps blocks distinct cheaply.
            chunk = seed.to_bytes(8, "big") + written.to_bytes(8, "big") + block[16:]
            out.write(chunk[: size - written])
            written += len(chunk)


def generate(data):
    """Create the workload files once (kept between runs)."""
    marker = data / ".complete"
    if marker.exists():
        return
    log("Generating the workloads in bench/.work/data ...")
    shutil.rmtree(data, ignore_errors=True)
    for i in range(2000):
        write_file(data / "small" / f"d{i % 10}" / f"e{i // 10 % 10}" / f"f{i}.bin", 4096, i)
    for i in range(8):
        write_file(data / "medium" / f"part{i}.bin", 64 * MIB, i)
    write_file(data / "large" / "big.bin", 1024 * MIB, 99)
    for i in range(10000):
        path = data / "list" / f"d{i % 100}" / f"k{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    marker.write_text("ok\n")


def generate_folders(data):
    """The folder-shaped 100,000-key space: 100 folders of 10 folders of
    100 keys, as logs or partitioned data are laid out."""
    folders = data / "folders"
    marker = data / ".folders-complete"
    if marker.exists():
        return
    log("Generating the 100,000-key folder tree in bench/.work/data/folders ...")
    shutil.rmtree(folders, ignore_errors=True)
    for i in range(100_000):
        path = folders / f"d{i % 100:02}" / f"e{i // 100 % 10}" / f"k{i}.txt"
        if i < 1000:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    marker.write_text("ok\n")


def tree_stats(path):
    """(files, bytes) under `path`."""
    files = total = 0
    for dirpath, _, names in os.walk(path):
        for name in names:
            files += 1
            total += os.path.getsize(os.path.join(dirpath, name))
    return files, total


# ---------------------------------------------------------------- the server


class Server:
    """s3s-fs on a free loopback port, stopped by PID."""

    def __init__(self, store):
        self.store = store
        shutil.rmtree(store, ignore_errors=True)
        store.mkdir(parents=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(S3S_FS), "--host", "127.0.0.1", "--port", str(self.port),
             "--access-key", KEY, "--secret-key", SECRET, str(store)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit("s3s-fs did not start")

    def stop(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, 15)
            self.process.wait(timeout=10)

    def forget(self, bucket):
        """Remove a bucket and its metadata files behind the server's back."""
        shutil.rmtree(self.store / bucket, ignore_errors=True)
        encoded = base64.urlsafe_b64encode(bucket.encode()).rstrip(b"=").decode()
        for meta in self.store.glob(f".bucket-{encoded}.*"):
            meta.unlink(missing_ok=True)


def default_scratch():
    """Where s3s-fs keeps its data and downloads land: in memory when there
    is room.

    s3s-fs does several file-system operations per object (a temporary file,
    a rename, two metadata files); on a disk shared with other work those
    dominate the small-file workloads and swing from run to run, whichever
    tool is measured. A tmpfs takes the disk out, as a real S3 would.

    Downloads land there too: each run deletes the 2,000 files the run
    before it wrote, and ext4 then spends seconds of kernel time per run
    skipping the recently freed inodes as it allocates new ones, whichever
    tool writes them (seen with perf: `recently_deleted`, `find_inode_bit`).
    """
    shm = Path("/dev/shm")
    if shm.is_dir():
        stats = os.statvfs(shm)
        if stats.f_bavail * stats.f_frsize >= 4 * 1024 * MIB:
            return shm / "s3-credentials-bench"
    return WORK


# ---------------------------------------------------------------- running


def environment(server):
    home = WORK / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": server.url,
        # s5cmd reads this one; it is also given `--endpoint-url` every time.
        "S3_ENDPOINT_URL": server.url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "RCLONE_CONFIG_BENCH_TYPE": "s3",
        "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
        "RCLONE_CONFIG_BENCH_ENDPOINT": server.url,
        "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": KEY,
        "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": SECRET,
        "RCLONE_CONFIG_BENCH_REGION": "us-east-1",
        "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE": "true",
    }


@dataclass
class Result:
    wall: float
    rss_kib: int
    ok: bool
    note: str = ""


def timed(argv, env, cwd, stdout_path):
    """Run once: wall time, and peak RSS of the tool's own process.

    The RSS comes from GNU time, whose child is forked from a small process:
    a child forked from this Python script would report Python's RSS (tens
    of MiB, counted from before the exec) whenever the tool itself used less.
    """
    rss_path = WORK / "rss.txt"
    rss_path.unlink(missing_ok=True)
    with open(stdout_path, "wb") as out, open(WORK / "stderr.txt", "wb") as err:
        start = time.perf_counter()
        process = subprocess.run([GNU_TIME, "-f", "%M", "-o", str(rss_path), *argv],
                                 env=env, cwd=cwd, stdout=out, stderr=err, check=False)
        wall = time.perf_counter() - start
    rss_lines = rss_path.read_text().strip().splitlines() if rss_path.exists() else []
    rss = int(rss_lines[-1]) if rss_lines and rss_lines[-1].isdigit() else 0
    error = (WORK / "stderr.txt").read_text(errors="replace").strip().splitlines()
    ok = process.returncode == 0
    note = "" if ok else f"exit {process.returncode}: {error[-1] if error else ''}"
    return Result(wall, rss, ok, note)


def s3(tools, server):
    """Helpers that set up state with s5cmd (fast, and not what is timed)."""
    s5 = str(tools["s5cmd"])

    def run(*args):
        subprocess.run([s5, "--endpoint-url", server.url, *args], env=environment(server),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return run


@dataclass
class Workload:
    name: str
    unit: str  # "MiB" or "keys"
    amount: float
    small_files: bool = False
    runs: dict = field(default_factory=dict)


def commands(tool, path, url, workload, bucket, out, data):
    """The command line of `tool` for `workload`."""
    ep = ["--endpoint-url", url]
    small, medium, big = data / "small", data / "medium", data / "large" / "big.bin"
    table = {
        "s3-credentials": {
            "upload 2000 x 4 KiB": ["put-objects", bucket, str(small), "-s"],
            "download 2000 x 4 KiB": ["get-objects", bucket, "-o", str(out), "-s"],
            "upload 8 x 64 MiB": ["put-objects", bucket, str(medium), "-s"],
            "download 8 x 64 MiB": ["get-objects", bucket, "-o", str(out), "-s"],
            "upload 1 GiB": ["put-object", bucket, "big.bin", str(big), "-s"],
            "download 1 GiB": ["get-object", bucket, "big.bin", "-o", str(out / "big.bin")],
            "list 10000 keys": ["list-bucket", bucket, "--nl"],
            "list 100000 keys in folders": ["list-bucket", bucket, "--nl"],
            "delete 2000 keys": ["delete-objects", bucket, "--prefix", "small/", "-s"],
        },
        "original": {
            "upload 2000 x 4 KiB": ["put-objects", bucket, str(small), "-s", *ep],
            "download 2000 x 4 KiB": ["get-objects", bucket, "-o", str(out), "-s", *ep],
            "upload 8 x 64 MiB": ["put-objects", bucket, str(medium), "-s", *ep],
            "download 8 x 64 MiB": ["get-objects", bucket, "-o", str(out), "-s", *ep],
            "upload 1 GiB": ["put-object", bucket, "big.bin", str(big), "-s", *ep],
            "download 1 GiB": ["get-object", bucket, "big.bin", "-o", str(out / "big.bin"), *ep],
            "list 10000 keys": ["list-bucket", bucket, "--nl", *ep],
            "list 100000 keys in folders": ["list-bucket", bucket, "--nl", *ep],
            "delete 2000 keys": ["delete-objects", bucket, "--prefix", "small/", "-s", *ep],
        },
        "s5cmd": {
            "upload 2000 x 4 KiB": [*ep, "cp", str(small), f"s3://{bucket}/"],
            "download 2000 x 4 KiB": [*ep, "cp", f"s3://{bucket}/*", f"{out}/"],
            "upload 8 x 64 MiB": [*ep, "cp", str(medium), f"s3://{bucket}/"],
            "download 8 x 64 MiB": [*ep, "cp", f"s3://{bucket}/*", f"{out}/"],
            "upload 1 GiB": [*ep, "cp", str(big), f"s3://{bucket}/big.bin"],
            "download 1 GiB": [*ep, "cp", f"s3://{bucket}/big.bin", str(out / "big.bin")],
            "list 10000 keys": [*ep, "ls", f"s3://{bucket}/*"],
            "list 100000 keys in folders": [*ep, "ls", f"s3://{bucket}/*"],
            "delete 2000 keys": [*ep, "rm", f"s3://{bucket}/small/*"],
        },
        "rclone": {
            "upload 2000 x 4 KiB": ["copy", str(small), f"bench:{bucket}/small"],
            "download 2000 x 4 KiB": ["copy", f"bench:{bucket}", str(out)],
            "upload 8 x 64 MiB": ["copy", str(medium), f"bench:{bucket}/medium"],
            "download 8 x 64 MiB": ["copy", f"bench:{bucket}", str(out)],
            "upload 1 GiB": ["copyto", str(big), f"bench:{bucket}/big.bin"],
            "download 1 GiB": ["copyto", f"bench:{bucket}/big.bin", str(out / "big.bin")],
            # rclone's recursive listing (ListR) sends `delimiter=` empty,
            # which s3s-fs 0.14.1 takes as a real delimiter and answers with
            # no keys; without ListR rclone lists folder by folder, which
            # s3s-fs answers from one folder, not a walk of the whole bucket.
            "list 10000 keys": ["ls", "--disable", "ListR", f"bench:{bucket}"],
            "list 100000 keys in folders": ["ls", "--disable", "ListR", f"bench:{bucket}"],
            # Rooted at the bucket: `bench:BUCKET/small` first asks s3s-fs
            # for an object called `small`, which takes it 40 s and a 500.
            "delete 2000 keys": ["delete", f"bench:{bucket}", "--include", "/small/**"],
        },
        "aws": {
            "upload 2000 x 4 KiB": [*ep, "s3", "cp", "--recursive", "--only-show-errors",
                                     str(small), f"s3://{bucket}/small/"],
            "download 2000 x 4 KiB": [*ep, "s3", "cp", "--recursive", "--only-show-errors",
                                       f"s3://{bucket}", str(out)],
            "upload 8 x 64 MiB": [*ep, "s3", "cp", "--recursive", "--only-show-errors",
                                  str(medium), f"s3://{bucket}/medium/"],
            "download 8 x 64 MiB": [*ep, "s3", "cp", "--recursive", "--only-show-errors",
                                    f"s3://{bucket}", str(out)],
            "upload 1 GiB": [*ep, "s3", "cp", "--only-show-errors", str(big),
                             f"s3://{bucket}/big.bin"],
            "download 1 GiB": [*ep, "s3", "cp", "--only-show-errors", f"s3://{bucket}/big.bin",
                               str(out / "big.bin")],
            "list 10000 keys": [*ep, "s3", "ls", "--recursive", f"s3://{bucket}"],
            "list 100000 keys in folders": [*ep, "s3", "ls", "--recursive", f"s3://{bucket}"],
            "delete 2000 keys": [*ep, "s3", "rm", "--recursive", "--only-show-errors",
                                  f"s3://{bucket}/small/"],
        },
    }
    return [str(path), *table[tool][workload]]


WORKLOADS = [
    Workload("upload 2000 x 4 KiB", "MiB", 2000 * 4096 / MIB, small_files=True),
    Workload("download 2000 x 4 KiB", "MiB", 2000 * 4096 / MIB, small_files=True),
    Workload("upload 8 x 64 MiB", "MiB", 512),
    Workload("download 8 x 64 MiB", "MiB", 512),
    Workload("upload 1 GiB", "MiB", 1024),
    Workload("download 1 GiB", "MiB", 1024),
    Workload("list 10000 keys", "keys", 10000),
    Workload("list 100000 keys in folders", "keys", 100000),
    Workload("delete 2000 keys", "keys", 2000),
]

# Source buckets that downloads and the listing read, filled once.
SOURCES = {
    "download 2000 x 4 KiB": ("src-small", "small", 2000),
    "download 8 x 64 MiB": ("src-medium", "medium", 8),
    "download 1 GiB": ("src-large", "large", 1),
    "list 10000 keys": ("src-list", "list", 10000),
    "list 100000 keys in folders": ("src-folders", "folders", 100000),
}


def one_run(tool, path, workload, server, data, put, counter, out):
    """Set up, time and check one run of `tool` on `workload`; downloads
    go into the folder `out`."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    stdout_path = WORK / "stdout.txt"
    name = workload.name
    if name in SOURCES:
        bucket = SOURCES[name][0]
    else:
        bucket = f"run-{counter}"
        put("mb", f"s3://{bucket}")
        if name.startswith("delete"):
            put("cp", str(data / "small"), f"s3://{bucket}/")
    argv = commands(tool, path, server.url, name, bucket, out, data)
    # Start every run with no dirty pages left from the last one's writes.
    os.sync()
    time.sleep(0.2)
    result = timed(argv, environment(server), str(data), stdout_path)
    if result.ok:
        result.ok, result.note = check(workload, server, bucket, out, stdout_path, data)
    if name not in SOURCES:
        server.forget(bucket)
    shutil.rmtree(out, ignore_errors=True)
    return result


def check(workload, server, bucket, out, stdout_path, data):
    """Did the run really do the job? `(ok, why not)`."""
    name = workload.name
    if name.startswith("upload"):
        expected = tree_stats(data / name_to_dir(name))
        got = tree_stats(server.store / bucket)
    elif name.startswith("download"):
        expected = tree_stats(data / SOURCES[name][1])
        got = tree_stats(out)
    elif name.startswith("list"):
        wanted = SOURCES[name][2]
        lines = sum(1 for line in open(stdout_path, "rb") if line.strip())
        return (lines == wanted, f"listed {lines} keys, not {wanted}")
    else:
        left = tree_stats(server.store / bucket)[0]
        return (left == 0, f"{left} keys left")
    return (got == expected, f"{got[0]} files / {got[1]} bytes, expected {expected[0]} / {expected[1]}")


def name_to_dir(name):
    return {"upload 2000 x 4 KiB": "small", "upload 8 x 64 MiB": "medium",
            "upload 1 GiB": "large"}[name]


def fill_source(put, data, workload):
    """Fill the bucket a download or listing workload reads (not timed)."""
    if workload.name in SOURCES:
        bucket, folder, _ = SOURCES[workload.name]
        put("mb", f"s3://{bucket}")
        put("cp", f"{data / folder}/*", f"s3://{bucket}/")


# ---------------------------------------------------------------- reporting


def report(workloads, tool_names, runs):
    print(f"\nMedian of {runs} runs; peak RSS is the highest of the runs; "
          "'vs ours' = this tool's time / s3-credentials' time.\n")
    print("| workload | tool | median wall | throughput | peak RSS | vs ours |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for workload in workloads:
        ours = summarize(workload.runs.get("s3-credentials", []))
        for tool in tool_names:
            stats = summarize(workload.runs.get(tool, []))
            if stats is None:
                continue
            if not stats["ok"]:
                print(f"| {workload.name} | {tool} | failed | | | ({stats['note']}) |")
                continue
            rate = workload.amount / stats["median"]
            unit = "MiB/s" if workload.unit == "MiB" else "keys/s"
            ratio = ""
            if ours and ours["ok"]:
                ratio = f"{stats['median'] / ours['median']:.2f}x"
            print(f"| {workload.name} | {tool} | {stats['median']:.2f} s | {rate:,.1f} {unit} "
                  f"| {stats['rss'] / 1024:.1f} MiB | {ratio} |")
    print()
    targets(workloads)


def summarize(results):
    if not results:
        return None
    failed = [r for r in results if not r.ok]
    if failed:
        return {"ok": False, "note": failed[0].note}
    return {
        "ok": True,
        "median": statistics.median(r.wall for r in results),
        "rss": max(r.rss_kib for r in results),
    }


def targets(workloads):
    """The issue's targets, checked against this run."""
    print("Targets (issues 4 and 23): at or below s5cmd's time everywhere, the small-file "
          "download at most 0.8 x s5cmd's; >= 10x faster than the original on small-file "
          "workloads; peak RSS <= s5cmd's + 20 MiB.")
    for workload in workloads:
        ours = summarize(workload.runs.get("s3-credentials", []))
        s5 = summarize(workload.runs.get("s5cmd", []))
        original = summarize(workload.runs.get("original", []))
        if not ours or not ours["ok"]:
            print(f"- {workload.name}: s3-credentials failed")
            continue
        verdicts = []
        if s5 and s5["ok"]:
            fast = ours["median"] <= s5["median"]
            lean = ours["rss"] <= s5["rss"] + 20 * 1024
            verdicts.append(f"time vs s5cmd {'met' if fast else 'MISSED'} "
                            f"({ours['median']:.2f} s vs {s5['median']:.2f} s)")
            verdicts.append(f"memory {'met' if lean else 'MISSED'} "
                            f"({ours['rss'] / 1024:.0f} vs {s5['rss'] / 1024:.0f} MiB)")
            if workload.name == "download 2000 x 4 KiB":
                ratio = ours["median"] / s5["median"]
                verdicts.append(f"at most 0.8 x s5cmd (issue 23) {'met' if ratio <= 0.8 else 'MISSED'} "
                                f"({ratio:.2f})")
        if workload.small_files and original and original["ok"]:
            speedup = original["median"] / ours["median"]
            verdicts.append(f"vs original {speedup:.1f}x {'met' if speedup >= 10 else 'MISSED'}")
        print(f"- {workload.name}: " + "; ".join(verdicts))


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and workload (default 3)")
    parser.add_argument("--tools", default="s3-credentials,original,s5cmd,rclone,aws",
                        help="comma-separated tools to time")
    parser.add_argument("--workloads", default="",
                        help="comma-separated words; only workloads whose name contains one run")
    parser.add_argument("--no-apt", action="store_true",
                        help="do not apt-get install rclone or GNU time when missing")
    parser.add_argument("--scratch", type=Path, default=None,
                        help="where the server keeps its data (in store/) and downloads land "
                             "(in downloads/); default: a tmpfs folder under /dev/shm when it "
                             "has 4 GiB free, else bench/.work")
    parser.add_argument("--binary", type=Path, default=OURS,
                        help="the s3-credentials binary to time (default: target/release)")
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    tools = install_tools(args.no_apt)
    if not args.binary.exists():
        raise SystemExit(f"{args.binary} does not exist: build it with `cargo build --release`")
    tools = {"s3-credentials": args.binary.resolve(), **tools}
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    tool_names = [t for t in wanted if t in tools]
    words = [w.strip() for w in args.workloads.split(",") if w.strip()]
    workloads = [w for w in WORKLOADS if not words or any(word in w.name for word in words)]
    data = WORK / "data"
    generate(data)
    if any("folders" in w.name for w in workloads):
        generate_folders(data)

    scratch = args.scratch or default_scratch()
    store, out = scratch / "store", scratch / "downloads"
    server = Server(store)
    try:
        put = s3(tools, server)
        log(f"s3s-fs on {server.url} (PID {server.process.pid}); {args.runs} runs each")
        counter = 0
        for workload in workloads:
            # Only this workload's data is on the server while it runs:
            # s3s-fs keeps every object's metadata in one folder, and a
            # 10,000-key bucket left there slows every later request.
            fill_source(put, data, workload)
            for run in range(args.runs):
                # Each round starts with a different tool, so no tool always
                # runs right after another's clean-up.
                for tool in tool_names[run % len(tool_names):] + tool_names[:run % len(tool_names)]:
                    counter += 1
                    result = one_run(tool, tools[tool], workload, server, data, put, counter,
                                     out)
                    workload.runs.setdefault(tool, []).append(result)
                    state = f"{result.wall:.2f} s, {result.rss_kib / 1024:.0f} MiB"
                    log(f"{workload.name} | {tool} | run {run + 1}: "
                        f"{state if result.ok else 'FAILED ' + result.note}")
            if workload.name in SOURCES:
                server.forget(SOURCES[workload.name][0])
    finally:
        server.stop()
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        try:
            scratch.rmdir()  # only when empty: it may be a folder of the user's
        except OSError:
            pass
    print(f"\nMachine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
          f"Linux {platform.release()}; server: s3s-fs {S3S_FS_VERSION} on loopback, "
          f"storing in {store}; downloads to {out}")
    for line in versions(tools):
        print(f"- {line}")
    report(workloads, tool_names, args.runs)


if __name__ == "__main__":
    main()
