#!/usr/bin/env python3
"""OpenWinHTTP vs libcurl benchmarks (issue 6). Python 3 standard library only.

Starts nginx on 127.0.0.1 (HTTP and HTTPS, self-signed certificate), runs every workload through
bench_winhttp (public WinHTTP API) and bench_curl (libcurl) in alternating pairs, measures wall
time, CPU time, peak RSS, connections opened (nginx stub_status) and instructions per request
(callgrind), and writes bench/results.md.

    bench/run.py [--build build-bench] [--out bench/results.md]

Environment (all optional):
    BENCH_QUICK=1        small counts and 1 repetition: a smoke run in about a minute
    BENCH_REPS=N         alternating pairs per workload (default 5; quick 1)
    BENCH_CALLGRIND=0    skip the callgrind runs
    BENCH_MICRO=0        skip the Google Benchmark micro-benchmarks
    BENCH_W1_COUNT, BENCH_W1S_COUNT, BENCH_W2_MIB, BENCH_W3_ROUNDS, BENCH_W4_COUNT,
    BENCH_W5_COUNT, BENCH_W6_COUNT, BENCH_W7_ROUNDS   override the workload sizes
    BENCH_STRACE=0       skip the system call counts (strace -c -f)
    BENCH_WS_RUNS=N      bench_ws wall-time runs in the WebSockets section (default 3; quick 1)

`--only WS` runs only the WebSocket benchmarks (bench_ws, issue 13) and updates their section of
results.md; `--only TRACE` likewise for the tracing cost; `--only W8` likewise for the memory per
in-flight async request (W8, issue 16; BENCH_W8_COUNT requests in flight, default 10,000,
BENCH_W8_RUNS alternating runs, default 3).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
QUICK = os.environ.get("BENCH_QUICK", "0") not in ("", "0")

# Error codes a client can fail with while a feature is still missing.
ERROR_CALL_NOT_IMPLEMENTED = 120
ERROR_WINHTTP_SECURE_FAILURE = 12175
ERROR_NAMES = {
    120: "ERROR_CALL_NOT_IMPLEMENTED",
    12175: "ERROR_WINHTTP_SECURE_FAILURE",
    12002: "ERROR_WINHTTP_TIMEOUT",
    12029: "ERROR_WINHTTP_CANNOT_CONNECT",
    12030: "ERROR_WINHTTP_CONNECTION_ERROR",
    1460: "ERROR_TIMEOUT",
}

CLIENT_TIMEOUT = 300  # seconds; a hung client is killed and reported as failed


def env_int(name, default, quick_default=None):
    if name in os.environ:
        return int(os.environ[name])
    return quick_default if QUICK and quick_default is not None else default


# ---- configuration ------------------------------------------------------------------------------

REPS = env_int("BENCH_REPS", 5, 1)
CALLGRIND = os.environ.get("BENCH_CALLGRIND", "1") != "0"
MICRO = os.environ.get("BENCH_MICRO", "1") != "0"
W1_COUNT = env_int("BENCH_W1_COUNT", 10000, 1000)
W1S_COUNT = env_int("BENCH_W1S_COUNT", 2000, 200)
W2_MIB = env_int("BENCH_W2_MIB", 1024, 64)
W3_ROUNDS = env_int("BENCH_W3_ROUNDS", 10, 2)
W4_COUNT = env_int("BENCH_W4_COUNT", 300, 300)
W5_COUNT = env_int("BENCH_W5_COUNT", 100000, 10000)
W6_COUNT = env_int("BENCH_W6_COUNT", 10000, 1000)
W7_ROUNDS = env_int("BENCH_W7_ROUNDS", 100, 5)
CG_MIB = 64  # W2 under callgrind downloads this much (the full size would take minutes)


def make_cases():
    """The workloads: one row of the table each.

    unit: what the per-unit figures are divided by ("req", "MiB", "tree").
    cg: callgrind plan (big, small): run with both sizes, instructions = difference / units.
    """
    cases = [
        dict(id="W1", title=f"{W1_COUNT:,} sequential GETs, 100 B, keep-alive, sync, HTTP",
             args=dict(workload="seq", path="/100.bin", count=W1_COUNT, buf=16384),
             units=W1_COUNT, unit="req",
             cg=(dict(count=1000), dict(count=100), 900),
             strace=(dict(count=1000), dict(count=100), 900)),
        dict(id="W1s", title=f"{W1S_COUNT:,} sequential GETs, 100 B, keep-alive, sync, HTTPS",
             args=dict(workload="seq", path="/100.bin", count=W1S_COUNT, buf=16384, secure=1),
             units=W1S_COUNT, unit="req",
             cg=(dict(count=500), dict(count=50), 450),
             strace=(dict(count=500), dict(count=50), 450)),
    ]
    for secure in (0, 1):
        for buf in (64, 256):
            scheme = "HTTPS" if secure else "HTTP"
            cases.append(dict(
                id=f"W2{'s' if secure else ''}-{buf}k",
                title=f"{W2_MIB} MiB download, sync, {buf} KiB reads, {scheme}",
                args=dict(workload="download", path="/big.bin", count=1, buf=buf * 1024,
                          secure=secure),
                units=W2_MIB, unit="MiB",
                cg=(dict(path="/cg.bin"), dict(path="/1m.bin"), CG_MIB - 1),
                strace=(dict(path="/cg.bin"), dict(path="/1m.bin"), CG_MIB - 1)))
    # Issue 16: the same download read Windows' way (QueryDataAvailable, then ReadData of what
    # it reported), capped at 64 / 256 KiB or sized to the count ("any"). curl's side is its
    # plain download (it has no such call).
    for secure in (0, 1):
        for buf in (64, 256, 0):
            scheme = "HTTPS" if secure else "HTTP"
            size = f"{buf}k" if buf else "any"
            reads = f"ReadData of min(count, {buf} KiB)" if buf else "ReadData of the count"
            cases.append(dict(
                id=f"W2q{'s' if secure else ''}-{size}",
                title=f"{W2_MIB} MiB download, sync, QueryDataAvailable then {reads}, {scheme}",
                args=dict(workload="download_qda", path="/big.bin", count=1, buf=buf * 1024,
                          secure=secure),
                units=W2_MIB, unit="MiB",
                cg=(dict(path="/cg.bin"), dict(path="/1m.bin"), CG_MIB - 1),
                strace=(dict(path="/cg.bin"), dict(path="/1m.bin"), CG_MIB - 1)))
    for secure in (0, 1):
        for n in (256, 1000):
            scheme = "HTTPS" if secure else "HTTP"
            cases.append(dict(
                id=f"W3{'s' if secure else ''}-{n}",
                title=f"{n} concurrent GETs of 16 KiB x {W3_ROUNDS} rounds, async / multi, "
                      f"max 64 conns, {scheme}",
                args=dict(workload="concurrent", path="/16k.bin", count=n, rounds=W3_ROUNDS,
                          buf=16384, max_conns=64, secure=secure),
                units=n * W3_ROUNDS, unit="req",
                cg=(dict(rounds=2), dict(rounds=1), n)))
    cases += [
        dict(id="W4", title=f"{W4_COUNT} sequential GETs, 100 B, async, one in flight, HTTP",
             args=dict(workload="async_seq", path="/100.bin", count=W4_COUNT, buf=16384),
             units=W4_COUNT, unit="req",
             cg=(dict(), dict(count=30), W4_COUNT - 30)),
        dict(id="W4-sync", title=f"W4 baseline: the same {W4_COUNT} GETs, sync, HTTP",
             args=dict(workload="seq", path="/100.bin", count=W4_COUNT, buf=16384),
             units=W4_COUNT, unit="req",
             cg=(dict(), dict(count=30), W4_COUNT - 30)),
        dict(id="W5", title=f"{W5_COUNT:,} open + close of session/connect/request trees "
                            "(curl: easy init + setopt + cleanup)",
             args=dict(workload="handles", path="/100.bin", count=W5_COUNT),
             units=W5_COUNT, unit="tree",
             cg=(dict(count=20000), dict(count=2000), 18000)),
        # Issue 11: a named forward proxy (WINHTTP_ACCESS_TYPE_NAMED_PROXY / CURLOPT_PROXY).
        # tinyproxy answers every request with "Connection: close", so each GET opens a new
        # connection to it (and it one to nginx), for both clients alike.
        dict(id="W6", title=f"{W6_COUNT:,} sequential GETs, 100 B, sync, HTTP, through tinyproxy "
                            "(keep-alive asked; tinyproxy closes)",
             args=dict(workload="seq", path="/100.bin", count=W6_COUNT, buf=16384,
                       proxy="tinyproxy"),
             units=W6_COUNT, unit="req",
             cg=(dict(count=1000), dict(count=100), 900)),
        # Issue 14: HTTP/2, one multiplexed connection (MAX_CONNS_PER_SERVER 1 /
        # CURLMOPT_MAX_HOST_CONNECTIONS 1 with CURLPIPE_MULTIPLEX and PIPEWAIT), nginx's h2
        # listener allowing 256 streams. h2load runs the same load as the ceiling (H2LOAD below).
        dict(id="W7", title=f"256 concurrent GETs of 16 KiB x {W7_ROUNDS} rounds, HTTP/2 over "
                            "TLS, one multiplexed connection, async / multi",
             args=dict(workload="concurrent", path="/16k.bin", count=256, rounds=W7_ROUNDS,
                       buf=16384, max_conns=1, secure=1, h2=1),
             units=256 * W7_ROUNDS, unit="req",
             cg=(dict(rounds=3), dict(rounds=1), 512)),
    ]
    return cases


# ---- CPU pinning --------------------------------------------------------------------------------

SERVER_CPU, CLIENT_CPU = 1, 0


def can_pin():
    return shutil.which("taskset") is not None and len(os.sched_getaffinity(0)) >= 2


def pin(cpu, cmd):
    return ["taskset", "-c", str(cpu)] + cmd if can_pin() else cmd


def pinning_note():
    if can_pin():
        return (f"nginx (worker_processes 1, master_process off) pinned to CPU {SERVER_CPU}, "
                f"both clients pinned to CPU {CLIENT_CPU} with `taskset`.")
    return "Not pinned (fewer than 2 CPUs available or no taskset)."


# ---- nginx ----------------------------------------------------------------------------------------

NGINX_CONF = """\
{user}
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
lock_file {dir}/nginx.lock;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp/body;
  proxy_temp_path {dir}/tmp/proxy;
  fastcgi_temp_path {dir}/tmp/fastcgi;
  uwsgi_temp_path {dir}/tmp/uwsgi;
  scgi_temp_path {dir}/tmp/scgi;
  types {{ application/octet-stream bin; }}
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {{
    listen 127.0.0.1:{http_port} backlog=4096;
    root {dir}/root;
    location = /nginx_status {{ stub_status; }}
  }}
  server {{
    listen 127.0.0.1:{https_port} ssl backlog=4096;
    root {dir}/root;
    ssl_certificate {dir}/cert.pem;
    ssl_certificate_key {dir}/key.pem;
    ssl_session_cache shared:SSL:10m;
  }}
  server {{
    listen 127.0.0.1:{h2_port} ssl http2 backlog=4096;
    http2_max_concurrent_streams 256;
    root {dir}/root;
    ssl_certificate {dir}/cert.pem;
    ssl_certificate_key {dir}/key.pem;
    ssl_session_cache shared:SSL:10m;
  }}
}}
"""


def die_with_parent():
    """Runs in the forked child: nginx gets SIGKILL if this script dies without cleaning up."""
    import ctypes
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_directive():
    # As root nginx would chown its temp dirs to "nobody"; naming ourselves keeps them ours.
    if os.geteuid() != 0:
        return ""
    import grp
    import pwd
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"


def write_pattern(path, size):
    block = bytes(range(256)) * 256  # 64 KiB
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(block[:min(left, len(block))])
            left -= len(block)


class Nginx:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="winhttp-bench.")
        self.proc = None
        os.makedirs(f"{self.dir}/root")
        os.makedirs(f"{self.dir}/tmp")
        write_pattern(f"{self.dir}/root/100.bin", 100)
        write_pattern(f"{self.dir}/root/16k.bin", 16 * 1024)
        write_pattern(f"{self.dir}/root/1m.bin", 1024 * 1024)
        write_pattern(f"{self.dir}/root/cg.bin", CG_MIB * 1024 * 1024)
        # Sparse: served from the page cache of a hole, costs no disk, same for both clients.
        with open(f"{self.dir}/root/big.bin", "wb") as f:
            f.truncate(W2_MIB * 1024 * 1024)
        self.make_certificate()

    def make_certificate(self):
        # P-256 rather than RSA: cheaper handshakes, as most servers configure today.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", f"{self.dir}/key.pem", "-out", f"{self.dir}/cert.pem",
                        "-days", "2", "-subj", "/CN=localhost"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        for _ in range(5):  # a picked port can be taken before nginx binds it: retry
            self.http_port, self.https_port = free_port(), free_port()
            self.h2_port = free_port()
            with open(f"{self.dir}/nginx.conf", "w") as f:
                f.write(NGINX_CONF.format(user=user_directive(), dir=self.dir,
                                          http_port=self.http_port, https_port=self.https_port,
                                          h2_port=self.h2_port))
            cmd = pin(SERVER_CPU, ["/usr/sbin/nginx", "-p", self.dir + "/", "-c",
                                   f"{self.dir}/nginx.conf", "-e", f"{self.dir}/error.log"])
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         preexec_fn=die_with_parent)
            if self.wait_ready():
                return
            self.stop_process()
        raise RuntimeError("nginx did not start; see " + f"{self.dir}/error.log")

    def wait_ready(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                self.accepts()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def accepts(self):
        """nginx's "accepts" counter (this status request's own connection included)."""
        url = f"http://127.0.0.1:{self.http_port}/nginx_status"
        with urllib.request.urlopen(url, timeout=5) as r:
            text = r.read().decode()
        return int(re.search(r"\n\s*(\d+)\s+\d+\s+\d+", text).group(1))

    def stop_process(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self):
        self.stop_process()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- tinyproxy (W6) ------------------------------------------------------------------------------

TINYPROXY_CONF = """\
Port {port}
Listen 127.0.0.1
Timeout 30
LogFile "{dir}/tinyproxy.log"
LogLevel Warning
MaxClients 100
Allow 127.0.0.1
"""


class Tinyproxy:
    """Debian's tinyproxy in the foreground, pinned with nginx (the server side)."""

    def __init__(self, workdir):
        self.dir = workdir
        self.proc = None
        self.port = None

    def start(self):
        binary = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
        if not os.access(binary, os.X_OK):
            raise RuntimeError("tinyproxy not installed")
        for _ in range(5):
            self.port = free_port()
            with open(f"{self.dir}/tinyproxy.conf", "w") as f:
                f.write(TINYPROXY_CONF.format(port=self.port, dir=self.dir))
            self.proc = subprocess.Popen(pin(SERVER_CPU, [binary, "-d", "-c", f"{self.dir}/tinyproxy.conf"]),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
            deadline = time.time() + 10
            while time.time() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError("tinyproxy did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# ---- running one client ---------------------------------------------------------------------------

class Run:
    """One client process: its RESULT line plus what the kernel measured."""

    def __init__(self):
        self.ok = False
        self.wall = self.cpu = 0.0
        self.requests = self.bytes = 0
        self.rss_kib = 0
        self.conns = None
        self.error = None
        self.what = ""
        self.stderr = ""


def client_argv(binary, args, nginx):
    a = dict(args)
    a["port"] = nginx.https_port if a.get("secure") else nginx.http_port
    if a.get("h2"):
        a["port"] = nginx.h2_port
    if a.get("proxy") == "tinyproxy":
        a["proxy"] = f"127.0.0.1:{nginx.proxy_port}"
    workload = a.pop("workload")
    return [binary, workload] + [f"{k}={v}" for k, v in a.items()]


def spawn_and_wait(cmd, out_path, err_path):
    """Runs cmd and reaps it with wait4, which gives this child's own rusage."""
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    timer = threading.Timer(CLIENT_TIMEOUT, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # keeps Popen from reaping it again
    with open(out_path) as f:
        stdout = f.read()
    with open(err_path) as f:
        stderr = f.read()
    return proc.returncode, usage, stdout, stderr


def parse_result(run, stdout, returncode):
    m = re.search(r"^RESULT (.*)$", stdout, re.M)
    if not m:
        run.error, run.what = -1, f"no RESULT line (exit status {returncode})"
        return
    fields = dict(kv.split("=", 1) for kv in m.group(1).split())
    if fields.get("ok") == "1":
        run.ok = True
        run.wall = float(fields["wall"])
        run.requests = int(fields["requests"])
        run.bytes = int(fields["bytes"])
        run.rss_kib = int(fields.get("rss_kib", -1))
    else:
        run.error = int(fields.get("error", -1))
        run.what = fields.get("what", "")


def run_client(binary, args, nginx, workdir, wrap=None):
    cmd = client_argv(binary, args, nginx)
    if wrap:
        cmd = wrap + cmd
    cmd = pin(CLIENT_CPU, cmd)
    before = nginx.accepts()
    rc, usage, stdout, stderr = spawn_and_wait(cmd, f"{workdir}/out.txt", f"{workdir}/err.txt")
    after = nginx.accepts()
    run = Run()
    parse_result(run, stdout, rc)
    run.cpu = usage.ru_utime + usage.ru_stime
    if run.rss_kib <= 0:  # the client could not read VmHWM: fall back to the kernel's figure
        run.rss_kib = usage.ru_maxrss
    run.conns = after - before - 1  # the "after" status request is one accept itself
    run.stderr = stderr
    return run


# ---- callgrind ------------------------------------------------------------------------------------

def collected_instructions(stderr):
    m = re.search(r"Collected\s*:\s*(\d+)", stderr)
    return int(m.group(1)) if m else None


def callgrind_per_unit(binary, case, nginx, workdir, env_wrap=()):
    """(instructions(big) - instructions(small)) / units: start-up and set-up cancel out."""
    big, small, units = case["cg"]
    wrap = list(env_wrap) + ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    counts = []
    for extra in (big, small):
        args = dict(case["args"], **extra)
        run = run_client(binary, args, nginx, workdir, wrap)
        if not run.ok:
            return None
        counts.append(collected_instructions(run.stderr))
    if None in counts or units <= 0:
        return None
    return (counts[0] - counts[1]) / units


# ---- tracing cost (issue 15) ----------------------------------------------------------------------

# The trace must cost nothing when off: W1's instructions per request with the trace off, on at
# level 1 (API calls with arguments, handles, notifications, connections) and at level 2 (also
# every head line), written to /dev/null so only the library's own work counts. BENCH_BASELINE
# names another bench_winhttp (say, built from main) measured the same way with the trace off.
TRACE_SECTION = "### Tracing cost (issue 15)"


TRACE_RUNS = env_int("BENCH_TRACE_RUNS", 5, 1)
TRACE_BUILD = ["", ""]  # the tree measured and its CMAKE_BUILD_TYPE, for the section's notes


def trace_cost(binary, nginx, workdir):
    """[(label, [instr/req of each run])]: the configurations alternate, TRACE_RUNS rounds
    (W1 under callgrind varies by about 1 % from run to run: the event loop's polls differ)."""
    case = next(c for c in make_cases() if c["id"] == "W1")
    configs = []
    baseline = os.environ.get("BENCH_BASELINE")
    if baseline:
        configs.append(("trace off, baseline " + os.environ.get("BENCH_BASELINE_NAME", baseline),
                        baseline, None))
    configs += [("trace off", binary, None),
                ("trace on, level 1 (OPENWINHTTP_TRACE=/dev/null:1)", binary, "/dev/null:1"),
                ("trace on, level 2 (OPENWINHTTP_TRACE=/dev/null)", binary, "/dev/null")]
    values = {label: [] for label, _, _ in configs}
    for _ in range(TRACE_RUNS):
        for label, path, setting in configs:
            env_wrap = ["env", "-u", "OPENWINHTTP_TRACE"] if setting is None else \
                ["env", f"OPENWINHTTP_TRACE={setting}"]
            v = callgrind_per_unit(path, case, nginx, workdir, env_wrap)
            if v is not None:
                values[label].append(v)
    return [(label, values[label]) for label, _, _ in configs]


def build_type(build):
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", f.read(), re.M)
            return m.group(1) if m else "?"
    except OSError:
        return "?"


def trace_section(rows):
    if not rows:
        return []
    means = {label: statistics.mean(v) for label, v in rows if v}
    off = means.get("trace off")
    lines = ["", TRACE_SECTION, "",
             "W1 (sequential keep-alive GETs of 100 B, sync, HTTP) under callgrind, instructions "
             "per request (1,000 minus 100 requests, ÷ 900), the trace written to /dev/null; "
             f"mean and range of {TRACE_RUNS} alternating runs:", "",
             "| Library | instr/req (mean) | range | vs trace off |", "|---|---|---|---|"]
    for label, values in rows:
        if not values:
            lines.append(f"| {label} | failed | | |")
            continue
        rel = f"{(means[label] / off - 1) * 100:+.1f} %" if off else ""
        lines.append(f"| {label} | {means[label]:,.0f} | {min(values):,.0f} - {max(values):,.0f} "
                     f"| {rel} |")
    lines += ["", f"- Build: `{os.path.relpath(TRACE_BUILD[0], SOURCE)}` ({TRACE_BUILD[1]}); a baseline "
              "comes from `BENCH_BASELINE=<its bench_winhttp>`. Reproduce: `python3 bench/run.py "
              "--build <tree> --only TRACE` (updates only this section).", load_note()]
    return lines


def splice_trace_section(path, section, title=TRACE_SECTION):
    """--only TRACE (or WS): replaces (or appends) that section of an existing results.md."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        text = ""
    body = "\n".join(section).strip("\n") + "\n"
    start = text.find(title)
    if start < 0:
        anchor = text.find("\nReproduce:")
        text = (text[:anchor] + "\n" + body + text[anchor:]) if anchor >= 0 else text + "\n" + body
    else:
        end = text.find("\n#", start + len(title))
        reproduce = text.find("\nReproduce:", start)
        ends = [e for e in (end, reproduce) if e >= 0]
        end = min(ends) if ends else len(text)
        text = text[:start] + body + text[end:]
    with open(path, "w") as f:
        f.write(text)


# ---- W8: memory per in-flight async request (issue 16) ------------------------------------------

# BENCH_W8_COUNT async requests in flight at once, held by bench/stall_server.py (nginx cannot hold
# a response) until every one is waiting for its response; each client reports its resident set
# then and with none in flight (after one warm-up request), and malloc's bytes in use likewise.
# No connection limit on either side (WinHTTP's MAX_CONNS_PER_SERVER left at its default,
# INFINITE, as a Windows program leaves it; curl's CURLMOPT_MAX_HOST_CONNECTIONS 0): one
# connection per request, so the figures include each side's per-connection state (the kernel's
# socket buffers are not in the resident set).
W8_SECTION = "### Memory per in-flight async request (W8, issue 16)"
W8_COUNT = env_int("BENCH_W8_COUNT", 10000, 2000)
W8_RUNS = env_int("BENCH_W8_RUNS", 3, 1)


def w8_fields(stdout):
    m = re.search(r"^RESULT (.*)$", stdout, re.M)
    if not m:
        return None
    fields = dict(kv.split("=", 1) for kv in m.group(1).split())
    return fields if fields.get("ok") == "1" else None


def w8_section(build, workdir):
    server = subprocess.Popen(pin(SERVER_CPU, [sys.executable, os.path.join(HERE, "stall_server.py")]),
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              preexec_fn=die_with_parent)
    try:
        port = int(server.stdout.readline().split()[1])
        runs = {"ours": [], "curl": []}
        failures = {}
        order = ["ours", "curl"]
        for i in range(W8_RUNS):
            for side in (order if i % 2 == 0 else order[::-1]):
                binary = os.path.join(build, "bench", "bench_winhttp" if side == "ours" else "bench_curl")
                cmd = pin(CLIENT_CPU, [binary, "inflight", f"port={port}", "path=/hold",
                                       f"count={W8_COUNT}", "buf=16384", "max_conns=0"])
                rc, _, stdout, _ = spawn_and_wait(cmd, f"{workdir}/w8out.txt", f"{workdir}/w8err.txt")
                fields = w8_fields(stdout)
                if fields:
                    runs[side].append(fields)
                else:
                    failures[side] = stdout.strip() or f"exit status {rc}"
    finally:
        server.kill()
        server.wait()

    def med(side, key):
        values = [float(r[key]) for r in runs[side]]
        return statistics.median(values) if values else None

    lines = [W8_SECTION, "",
             f"{W8_COUNT:,} async GETs in flight at once against bench/stall_server.py on 127.0.0.1, "
             "which answers none until all are waiting; resident set (VmRSS) with all in flight minus "
             "with none (after one warm-up request), divided by the requests; malloc's bytes in use "
             f"likewise; medians of {W8_RUNS} alternating runs. No connection limit on either side "
             "(MAX_CONNS_PER_SERVER left at INFINITE as a Windows program leaves it; curl's default): "
             "one connection each.", "",
             "| Client | memory per in-flight request (RSS) | malloc in use per request | RSS none in flight | RSS all in flight | sockets open | goal |",
             "|---|---|---|---|---|---|---|"]
    for side, label in (("ours", "OpenWinHTTP async (callbacks)"), ("curl", "libcurl multi")):
        if not runs[side]:
            lines.append(f"| {label} | failed: {failures.get(side, '?')} | | | | | |")
            continue
        per = med(side, "per_req_bytes")
        goal = ""
        if side == "ours":
            goal = ("✅" if per <= 6000 else "❌") + " ≤ 6 kB"
        lines.append(f"| {label} | {per / 1000:.2f} kB | {med(side, 'heap_per_req') / 1000:.2f} kB | "
                     f"{med(side, 'idle_kib') / 1024:.1f} MiB | {med(side, 'inflight_kib') / 1024:.1f} MiB | "
                     f"{med(side, 'conns'):,.0f} | {goal} |")
    lines += ["", "- Reproduce: `python3 bench/run.py --build <tree> --only W8` (updates only this section)."]
    return lines


# ---- WebSockets (issue 13) -----------------------------------------------------------------------

# bench_ws against its own echo servers (`bench_ws --server`, a separate process, so callgrind
# and strace see only the client) and the Python websockets echo of the tests: round trips of
# 100-byte messages and 1 MiB messages streamed both ways, each beside a raw TCP socket doing the
# same in the same run. libcurl has no row: Debian 12's libcurl 7.88 is built without its
# experimental WebSocket support (no ws/wss in `curl-config --protocols`).
WS_SECTION = "### WebSockets (issue 13)"
WS_RUNS = env_int("BENCH_WS_RUNS", 3, 1)
WS_RTT = env_int("BENCH_WS_RTT", 20000, 2000)
WS_MIB = env_int("BENCH_WS_MIB", 1024, 64)
# (mode, large count, small count, units, unit) for callgrind and strace: difference / units.
WS_COUNTED = [("rtt-raw", 2000, 200, 1800, "msg"), ("rtt-ws", 2000, 200, 1800, "msg"),
              ("stream-raw", 64, 8, 56, "MiB"), ("stream-ws", 64, 8, 56, "MiB")]


class WsServers:
    """`bench_ws --server` (raw and WebSocket echo) and tests/support/ws_server.py."""

    def __init__(self, binary, workdir):
        self.binary, self.workdir = binary, workdir
        self.procs = []
        self.raw = self.ws = self.py = None

    def start(self):
        p = subprocess.Popen(pin(SERVER_CPU, [self.binary, "--server"]), stdout=subprocess.PIPE,
                             text=True, preexec_fn=die_with_parent)
        self.procs.append(p)
        self.raw, self.ws = (int(x) for x in p.stdout.readline().split())
        script = os.path.join(SOURCE, "tests", "support", "ws_server.py")
        port_file = os.path.join(self.workdir, "ws_py.port")
        # Debian's python3-websockets belongs to the system Python (another python3 may come
        # first on PATH), as in tests/support/ws_server.cpp.
        python = "/usr/bin/python3"
        if subprocess.run([python, "-c", "import websockets"], capture_output=True).returncode:
            return
        q = subprocess.Popen(pin(SERVER_CPU, [python, script, port_file]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=die_with_parent)
        self.procs.append(q)
        for _ in range(100):
            if os.path.exists(port_file):
                with open(port_file) as f:
                    self.py = int(f.read())
                return
            time.sleep(0.1)

    def stop(self):
        for p in self.procs:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


WS_PATTERNS = {
    "raw_us": r"rtt raw-socket echo\s+([\d.]+) us.*client CPU ([\d.]+) us",
    "ws_us": r"rtt winhttp ws, C echo\s+([\d.]+) us.*client CPU ([\d.]+) us",
    "py_us": r"rtt winhttp ws, Python echo\s+([\d.]+) us",
    "raw_mib": r"stream raw TCP echo\s+([\d.]+) MiB/s.*CPU ([\d.]+) ms/MiB",
    "ws_mib": r"stream winhttp ws 1 MiB msgs\s+([\d.]+) MiB/s.*CPU ([\d.]+) ms/MiB",
    "idle_kib": r"idle open WebSockets\s+([\d.]+) KiB",
}


def ws_run(servers, env, wrap=(), with_py=True):
    cmd = list(wrap) + [servers.binary, "--ports", str(servers.raw), str(servers.ws)]
    if with_py and servers.py:
        cmd.append(str(servers.py))
    out = subprocess.run(pin(CLIENT_CPU, cmd) if not wrap else cmd, capture_output=True, text=True,
                         env=dict(os.environ, **env), timeout=CLIENT_TIMEOUT)
    return out


def ws_numbers(servers):
    """Medians of WS_RUNS runs: {key: [values...]} per WS_PATTERNS (CPU second where given)."""
    runs = []
    for _ in range(WS_RUNS):
        out = ws_run(servers, {"WS_BENCH_RTT": str(WS_RTT), "WS_BENCH_MIB": str(WS_MIB)})
        if out.returncode != 0:
            return None, out.stderr.strip()[-300:]
        vals = {}
        for key, pat in WS_PATTERNS.items():
            m = re.search(pat, out.stdout)
            if m:
                vals[key] = [float(g) for g in m.groups()]
        runs.append(vals)
    med = {}
    for key in WS_PATTERNS:
        got = [r[key] for r in runs if key in r]
        if got:
            med[key] = [statistics.median(v[i] for v in got) for i in range(len(got[0]))]
    return med, None


# System calls counted with `perf stat` tracepoints where the kernel lets us (root, or
# perf_event_paranoid allowing it): unlike strace, it does not slow every call down, which changes
# how often a receive finds its answer already there. The calls named here are shown one by one,
# the rest as "other".
PERF_CALLS = ["sendto", "recvfrom", "poll", "ppoll", "futex", "read", "write", "sendmsg",
              "epoll_wait", "eventfd2"]
_PERF_OK = []


def perf_syscalls_work():
    if not _PERF_OK:
        ok = shutil.which("perf") is not None and subprocess.run(
            ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "true"],
            capture_output=True).returncode == 0
        _PERF_OK.append(ok)
    return _PERF_OK[0]


def perf_counts(stderr):
    """{syscall: calls} from `perf stat -x,` output; "other" = total minus the named ones."""
    counts, total = {}, None
    for line in stderr.splitlines():
        fields = line.split(",")
        if len(fields) < 3 or not fields[0].strip().isdigit():
            continue
        n, event = int(fields[0]), fields[2]
        if event == "raw_syscalls:sys_enter":
            total = n
        elif event.startswith("syscalls:sys_enter_"):
            counts[event[len("syscalls:sys_enter_"):]] = n
    if total is None:
        return None
    counts["other"] = total - sum(counts.values())
    return counts


def ws_counted(servers):
    """{mode: (instructions per unit or None, {syscall: per unit} or None)}."""
    res = {}
    for mode, big, small, units, _ in WS_COUNTED:
        count_env = "WS_BENCH_RTT" if mode.startswith("rtt") else "WS_BENCH_MIB"
        instr = sysc = None
        if CALLGRIND:
            counts = []
            for n in (big, small):
                out = ws_run(servers, {"WS_BENCH_ONLY": mode, count_env: str(n)},
                             ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"], False)
                counts.append(collected_instructions(out.stderr) if out.returncode == 0 else None)
            if None not in counts:
                instr = (counts[0] - counts[1]) / units
        if STRACE and (perf_syscalls_work() or shutil.which("strace")):
            totals = []
            for n in (big, small):
                env = {"WS_BENCH_ONLY": mode, count_env: str(n)}
                if perf_syscalls_work():
                    out = ws_run(servers, env, ["perf", "stat", "-x,", "-e", ",".join(
                        ["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{c}" for c in PERF_CALLS])],
                                 False)
                    totals.append(perf_counts(out.stderr) if out.returncode == 0 else None)
                    continue
                path = os.path.join(servers.workdir, "ws_strace.txt")
                out = ws_run(servers, env, ["strace", "-c", "-f", "-o", path], False)
                totals.append(strace_counts(path) if out.returncode == 0 else None)
            if None not in totals:
                names = set(totals[0]) | set(totals[1])
                per = {k: (totals[0].get(k, 0) - totals[1].get(k, 0)) / units for k in names}
                sysc = {k: v for k, v in per.items() if abs(v) >= 0.005}
        res[mode] = (instr, sysc)
    return res


def ws_section(build, workdir):
    binary = os.path.join(build, "bench", "bench_ws")
    if not os.access(binary, os.X_OK):
        return ["", WS_SECTION, "", f"bench_ws missing in `{os.path.relpath(build, SOURCE)}`: not run."]
    servers = WsServers(binary, workdir)
    try:
        servers.start()
        med, err = ws_numbers(servers)
        counted = ws_counted(servers)
    finally:
        servers.stop()
    lines = ["", WS_SECTION, ""]
    if med is None:
        return lines + [f"bench_ws failed: {err}"]

    def fmt_sys(per):
        if not per:
            return "-"
        by = ", ".join(f"{n} {v:.2f}" for n, v in sorted(per.items(), key=lambda kv: -kv[1]))
        return f"{sum(per.values()):.2f} ({by})"

    def instr(mode):
        v = counted.get(mode, (None, None))[0]
        return f"{v:,.0f}" if v is not None else "-"

    def sysc(mode):
        return fmt_sys(counted.get(mode, (None, None))[1])

    raw_us, raw_cpu = med.get("raw_us", [0, 0])
    ws_us, ws_cpu = med.get("ws_us", [0, 0])
    raw_mib, raw_mcpu = med.get("raw_mib", [0, 0])
    ws_mib, ws_mcpu = med.get("ws_mib", [0, 0])
    ratio = lambda a, b: f"{a / b:.2f}" if b else "-"  # noqa: E731
    lines += [
        "Client side only (bench_ws; its echo servers run in a separate process: "
        "`bench_ws --server`). Wall and client CPU (user + system, `getrusage`) are medians of "
        f"{WS_RUNS} run{'s' if WS_RUNS != 1 else ''} of {WS_RTT:,} round trips and {WS_MIB:,} MiB each way; instructions "
        f"(callgrind) and system calls ({'perf stat tracepoints' if perf_syscalls_work() else 'strace -c -f'}) per message or per MiB are the difference "
        "of a large and a small run divided by the units (2,000 vs 200 round trips, 64 vs 8 MiB).",
        "",
        "| Workload | wall | client CPU | instr | system calls | goal |",
        "|---|---|---|---|---|---|",
        f"| 100 B round trip, raw TCP socket | {raw_us:.2f} µs | {raw_cpu:.2f} µs | {instr('rtt-raw')}/msg "
        f"| {sysc('rtt-raw')} | |",
        f"| 100 B round trip, WinHTTP WebSocket (sync) | {ws_us:.2f} µs ({ratio(ws_us, raw_us)} × raw) "
        f"| {ws_cpu:.2f} µs ({ratio(ws_cpu, raw_cpu)} × raw) | {instr('rtt-ws')}/msg | {sysc('rtt-ws')} "
        f"| ≤ 1.1 × raw: {'met' if raw_us and ws_us <= 1.1 * raw_us else 'not met'} (wall) |",
    ]
    if "py_us" in med:
        lines.append(f"| 100 B round trip, WinHTTP WebSocket against Python websockets echo "
                     f"| {med['py_us'][0]:.2f} µs | | | | the server's cost dominates |")
    lines += [
        f"| 1 MiB messages both ways, raw TCP socket | {raw_mib:.0f} MiB/s | {raw_mcpu:.3f} ms/MiB "
        f"| {instr('stream-raw')}/MiB | {sysc('stream-raw')} | |",
        f"| 1 MiB messages both ways, WinHTTP WebSocket (sync, 2 threads) | {ws_mib:.0f} MiB/s "
        f"({100 * ws_mib / raw_mib if raw_mib else 0:.0f} % of raw) | {ws_mcpu:.3f} ms/MiB ({ratio(ws_mcpu, raw_mcpu)} × raw) "
        f"| {instr('stream-ws')}/MiB | {sysc('stream-ws')} "
        f"| ≥ 80 % of raw: {'met' if raw_mib and ws_mib >= 0.8 * raw_mib else 'not met'} (wall) |",
    ]
    if "idle_kib" in med:
        lines.append(f"| Idle open WebSocket (VmRSS, 1,000 open) | | | | | {med['idle_kib'][0]:.1f} KiB "
                     f"each, ≤ 16 kB: {'met' if med['idle_kib'][0] * 1024 <= 16000 else 'not met'} |")
    lines += ["", "- libcurl: no row. Debian 12's libcurl "
              f"({subprocess.run(['curl-config', '--version'], capture_output=True, text=True).stdout.strip() if shutil.which('curl-config') else '?'}) "
              "is built without WebSocket support (experimental in 7.86-8.10, off by default; "
              "`curl-config --protocols` lists no WS/WSS).",
              "- Wall times swing with other load on the machine (2 cores shared here); the client "
              "CPU, instruction and system call figures are the steadier evidence.",
              load_note(),
              "- Reproduce: `python3 bench/run.py --build <tree> --only WS` (updates only this section)."]
    return lines


# ---- system calls (strace -c -f) ------------------------------------------------------------------

STRACE = os.environ.get("BENCH_STRACE", "1") != "0"


def strace_counts(path):
    """{syscall: calls} from the summary `strace -c` writes."""
    counts = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            # % time, seconds, usecs/call, calls, [errors], syscall
            if len(fields) >= 5 and fields[3].isdigit() and not line.startswith("%"):
                name = fields[-1]
                if name != "total":
                    counts[name] = int(fields[3])
    return counts


def syscalls_per_unit(binary, case, nginx, workdir):
    """System calls per unit: (calls(big) - calls(small)) / units, each kind and in total."""
    big, small, units = case["strace"]
    totals = []
    for extra in (big, small):
        out = f"{workdir}/strace.txt"
        wrap = ["strace", "-c", "-f", "-o", out]
        run = run_client(binary, dict(case["args"], **extra), nginx, workdir, wrap)
        if not run.ok:
            return None
        totals.append(strace_counts(out))
    names = set(totals[0]) | set(totals[1])
    per = {n: (totals[0].get(n, 0) - totals[1].get(n, 0)) / units for n in names}
    return {n: v for n, v in per.items() if abs(v) >= 0.005}


def syscall_section(cases, results):
    rows = [c for c in cases if c.get("strace") and c["id"] in results]
    if not rows:
        return []
    lines = ["", "### System calls per unit (`strace -c -f`, a large and a small run, difference ÷ units)",
             "", "| Workload | ours total | ours by call | curl total | curl by call |",
             "|---|---|---|---|---|"]
    for case in rows:
        cells = []
        for side in results[case["id"]]:
            per = side.syscalls
            if not per:
                cells += ["-", "-"]
                continue
            by = ", ".join(f"{n} {v:.2f}" for n, v in sorted(per.items(), key=lambda kv: -kv[1]))
            cells += [f"{sum(per.values()):.2f}/{case['unit']}", by]
        lines.append(f"| **{case['id']}** | " + " | ".join(cells) + " |")
    return lines


# ---- one workload: alternating pairs ----------------------------------------------------------------

def failure_text(run, secure):
    code = run.error
    name = ERROR_NAMES.get(code, "")
    label = f"{code} {name}".strip()
    if code == ERROR_CALL_NOT_IMPLEMENTED or (secure and code == ERROR_WINHTTP_SECURE_FAILURE):
        return f"n/a (feature not implemented: {label})"
    return f"failed ({label} at {run.what})"


class Side:
    """The runs of one client for one workload."""

    def __init__(self, name, binary):
        self.name, self.binary = name, binary
        self.runs = []
        self.failure = None
        self.instr = None
        self.syscalls = None

    def median(self, attr):
        return statistics.median(getattr(r, attr) for r in self.runs) if self.runs else None

    def conns_text(self):
        values = sorted({r.conns for r in self.runs})
        if not values:
            return "-"
        return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def run_case(case, binaries, nginx, workdir):
    sides = [Side(name, path) for name, path in binaries]
    secure = bool(case["args"].get("secure"))
    for rep in range(REPS):
        order = sides if rep % 2 == 0 else list(reversed(sides))
        for side in order:
            if side.failure:
                continue
            run = run_client(side.binary, case["args"], nginx, workdir)
            if run.ok:
                side.runs.append(run)
            else:
                side.failure = failure_text(run, secure)
    if CALLGRIND:
        for side in sides:
            if not side.failure:
                side.instr = callgrind_per_unit(side.binary, case, nginx, workdir)
    if STRACE and case.get("strace") and shutil.which("strace"):
        for side in sides:
            if not side.failure:
                side.syscalls = syscalls_per_unit(side.binary, case, nginx, workdir)
    return sides


# ---- h2load: the HTTP/2 ceiling of W7 ------------------------------------------------------------

def h2load_cmd(nginx, requests):
    # One connection (-c 1), 256 streams in flight (-m 256), one thread, as W7's clients.
    return ["h2load", "-n", str(requests), "-c", "1", "-t", "1", "-m", "256",
            f"https://127.0.0.1:{nginx.h2_port}/16k.bin"]


def h2load_run(nginx, workdir, requests, wrap=()):
    """(ok, wall seconds, cpu seconds, stderr) of one h2load run, pinned like the clients."""
    cmd = pin(CLIENT_CPU, list(wrap) + h2load_cmd(nginx, requests))
    start = time.time()
    rc, usage, stdout, stderr = spawn_and_wait(cmd, f"{workdir}/out.txt", f"{workdir}/err.txt")
    wall = time.time() - start
    ok = rc == 0 and re.search(rf"requests: {requests} total, .* {requests} succeeded", stdout)
    return bool(ok), wall, usage.ru_utime + usage.ru_stime, stderr


def h2load_section(case, nginx, workdir):
    """The ceiling row under W7: h2load's wall, CPU and instructions for the same requests."""
    if not shutil.which("h2load"):
        return ["", "h2load not installed (Debian nghttp2-client): no HTTP/2 ceiling row."]
    n = case["units"]
    walls, cpus = [], []
    for _ in range(REPS):
        ok, wall, cpu, _ = h2load_run(nginx, workdir, n)
        if not ok:
            return ["", "h2load failed against nginx's h2 listener."]
        walls.append(wall)
        cpus.append(cpu)
    instr = None
    if CALLGRIND:
        wrap = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        counts = []
        for reqs in (256 * 3, 256):
            ok, _, _, stderr = h2load_run(nginx, workdir, reqs, wrap)
            counts.append(collected_instructions(stderr) if ok else None)
        if None not in counts:
            instr = (counts[0] - counts[1]) / 512
    u = case["unit"]
    return ["", "### HTTP/2 ceiling: h2load (issue 14)", "",
            f"W7's load from `{' '.join(h2load_cmd(nginx, n)).replace(str(nginx.h2_port), 'PORT')}` "
            "(nghttp2's load generator, pinned like the clients; wall includes its start-up):", "",
            "| Workload | h2load wall | h2load CPU | h2load instr |", "|---|---|---|---|",
            f"| **W7** {n:,} GETs of 16 KiB, 256 streams on one connection "
            f"| {fmt_time(statistics.median(walls), n, u)} | {fmt_time(statistics.median(cpus), n, u)} "
            f"| {fmt_instr(instr, u)} |"]


# ---- the report --------------------------------------------------------------------------------------

def fmt_time(seconds, units, unit):
    if seconds is None:
        return "-"
    per = seconds / units * 1e6
    per_text = f"{per:,.1f} µs/{unit}" if per < 10000 else f"{per / 1000:,.1f} ms/{unit}"
    return f"{seconds:.3f} s ({per_text})"


def fmt_instr(value, unit):
    return "-" if value is None else f"{value:,.0f}/{unit}"


def fmt_rss(kib):
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


def cell(side, text, first=False):
    """A measured value; for a side that failed, the reason in its first cell, "n/a" after."""
    if side.failure:
        return side.failure if first else "n/a"
    return text


def goal_text(case, ours, curl, results):
    """The issue's goal for this row, and whether the measurement meets it."""
    if ours.failure or not ours.runs:
        return "n/a"
    cid = case["id"]
    wall, cwall = ours.median("wall"), curl.median("wall") if curl.runs else None
    ratio = wall / cwall if cwall else None
    checks = []
    if cid in ("W1", "W1s"):
        checks.append(("wall ≤ 0.95× curl", ratio is not None and ratio <= 0.95))
        if cid == "W1":
            checks.append(("≤ 18,000 instr/req", ours.instr is not None and ours.instr <= 18000))
            calls = sum(ours.syscalls.values()) if ours.syscalls else None
            if calls is not None:
                checks.append((f"≤ 3 system calls/req (is {calls:.2f})", calls <= 3.0))
        checks.append(("1 connection", all(r.conns == 1 for r in ours.runs)))
    elif cid.startswith("W2q"):
        checks.append(("wall ≤ 1.00× curl", ratio is not None and ratio <= 1.0))
        checks.append(("instr ≤ 1.5× curl", ours.instr is not None and curl.instr is not None
                       and ours.instr <= 1.5 * curl.instr))
    elif cid.startswith("W2"):
        if cid.endswith("-64k"):
            checks.append(("wall ≤ 1.00× curl", ratio is not None and ratio <= 1.0))
        if curl.runs:
            checks.append(("RSS ≤ curl + 4 MiB",
                           ours.median("rss_kib") <= curl.median("rss_kib") + 4096))
    elif cid.startswith("W3"):
        checks.append(("wall ≤ 0.85× curl", ratio is not None and ratio <= 0.85))
        checks.append(("≤ 64 connections", all(r.conns <= 64 for r in ours.runs)))
    elif cid == "W4":
        sync = results.get("W4-sync")
        if sync and sync[0].runs:
            factor = wall / sync[0].median("wall")
            checks.append((f"≤ 1.1× our sync (is {factor:.2f}×)", factor <= 1.1))
    elif cid == "W7":
        checks.append(("wall ≤ 0.8× curl", ratio is not None and ratio <= 0.8))
        checks.append(("instr ≤ 0.6× curl", ours.instr is not None and curl.instr is not None
                       and ours.instr <= 0.6 * curl.instr))
        checks.append(("1 connection", all(r.conns == 1 for r in ours.runs)))
    elif cid == "W6":
        checks.append(("wall ≤ 1.0× curl", ratio is not None and ratio <= 1.0))
        checks.append(("instr ≤ 0.5× curl", ours.instr is not None and curl.instr is not None
                       and ours.instr <= 0.5 * curl.instr))
    elif cid == "W5":
        per_sec = case["units"] * 3 / wall
        checks.append((f"≥ 1,000,000 handle open+close/s (is {per_sec:,.0f}/s)",
                       per_sec >= 1_000_000))
    if not checks:
        return "-"
    return "; ".join(("✅ " if ok else "❌ ") + text for text, ok in checks)


def ratio_text(ours, curl):
    if ours.failure or curl.failure or not ours.runs or not curl.runs:
        return "-"
    return f"{ours.median('wall') / curl.median('wall'):.2f}"


def table_row(case, ours, curl, results):
    u, n = case["unit"], case["units"]
    extra = ""
    if case["id"] == "W5" and ours.runs:
        trees = n / ours.median("wall")
        extra = f"<br>{trees:,.0f} trees/s = {3 * trees:,.0f} handle open+close/s"
    return ("| " + " | ".join([
        f"**{case['id']}** {case['title']}",
        cell(ours, fmt_time(ours.median("wall"), n, u) + extra, first=True),
        cell(curl, fmt_time(curl.median("wall"), n, u), first=True),
        ratio_text(ours, curl),
        cell(ours, fmt_time(ours.median("cpu"), n, u)),
        cell(curl, fmt_time(curl.median("cpu"), n, u)),
        cell(ours, fmt_instr(ours.instr, u)),
        cell(curl, fmt_instr(curl.instr, u)),
        cell(ours, fmt_rss(ours.median("rss_kib"))),
        cell(curl, fmt_rss(curl.median("rss_kib"))),
        cell(ours, ours.conns_text()),
        cell(curl, curl.conns_text()),
        goal_text(case, ours, curl, results),
    ]) + " |")


TABLE_HEAD = (
    "| Workload | ours wall | curl wall | ratio ours÷curl | ours CPU | curl CPU "
    "| ours instr | curl instr | ours peak RSS | curl peak RSS | ours conns | curl conns "
    "| goal |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


LOAD_AT_START = os.getloadavg()


def load_note():
    """Other work on the machine skews everything; the load averages tell the reader."""
    start = ", ".join(f"{v:.1f}" for v in LOAD_AT_START)
    end = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"- Load average (1/5/15 min) at start {start}, at end {end}"
            f"{' - the machine was busy: expect noise' if max(LOAD_AT_START) > 1.5 else ''}")


def environment_lines(build):
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=SOURCE)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"model name\s*:\s*(.*)", f.read())
        cpu = m.group(1) if m else cpu
    # BENCH_COMMIT names the sources when they are not a git checkout (e.g. a `git archive`).
    commit = os.environ.get("BENCH_COMMIT") or first_line(["git", "rev-parse", "--short", "HEAD"])
    if "fatal" in commit or commit == "?":
        commit = "(not a git checkout)"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, cwd=SOURCE).stdout.strip()
    dirty = dirty and "BENCH_COMMIT" not in os.environ
    return [
        f"- Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}; "
        f"OpenWinHTTP {commit}{' (with uncommitted changes)' if dirty else ''}, "
        f"Release build (`{os.path.relpath(build, SOURCE)}`)",
        f"- CPU: {cpu}, {os.cpu_count()} CPUs; kernel {os.uname().release}",
        f"- {first_line(['curl-config', '--version'])} (Debian libcurl4-openssl-dev); "
        f"{first_line(['/usr/sbin/nginx', '-v'])}",
        f"- Pinning: {pinning_note()}",
        load_note(),
        f"- {REPS} alternating runs per workload (ours, curl, curl, ours, ...); medians shown"
        f"{' (BENCH_QUICK=1 smoke run: small counts, not representative)' if QUICK else ''}.",
    ]


NOTES = """\
Columns: *wall* and *CPU* (user + system, from `wait4`) are medians over the runs, with the
per-unit figure in brackets; *instr* is instructions per unit from `valgrind --tool=callgrind`,
start-up subtracted (each client run with a large and a small count, difference ÷ units;
W2 compares a 64 MiB download with a 1 MiB one, per MiB); *peak RSS* is the client's VmHWM at exit; *conns* is
connections nginx accepted during each run (stub_status "accepts" before/after; a range when
runs differ). W3 repeats its batch of concurrent requests over the same session; per-request
figures divide by all of them. W4's goal compares our async path with our own sync path
(row W4-sync). W6 goes through tinyproxy (pinned with nginx), which closes every client
connection after one response (without announcing it) and opens one to nginx per request: its
wall time is mostly tinyproxy's, and instructions per request (the clients' own work) are the
fair comparison. W5's curl column (easy handle init + setopt + cleanup) is for reference only.
"n/a (feature not implemented: ...)" marks a workload the library cannot run yet; no number
is reported for it. Callgrind counts every iteration of a `rep movsb`/`rep stosb` as one
instruction, so copies and fills (W2) show up as about one instruction per byte."""


def micro_section(build, workdir):
    binary = os.path.join(build, "bench", "bench_micro")
    if not MICRO or not os.path.exists(binary):
        return []
    out = f"{workdir}/micro.json"
    min_time = "0.05" if QUICK else "0.5"
    subprocess.run(pin(CLIENT_CPU, [binary, f"--benchmark_min_time={min_time}",
                                    f"--benchmark_out={out}", "--benchmark_out_format=json"]),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    try:
        with open(out) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return ["", "Micro-benchmarks: failed to run."]
    lines = ["", "### Micro-benchmarks (Google Benchmark, internal hot paths)", "",
             "| Benchmark | CPU time/op | items/s (per thread) |", "|---|---|---|"]
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        # CPU time, not real time: other load on the machine inflates real time only.
        items = b.get("items_per_second")
        items_text = f"{items:,.0f}" if items else "-"
        lines.append(f"| `{b['name']}` | {b['cpu_time']:.1f} {b['time_unit']} | {items_text} |")
    return lines


def kept_history(path):
    """The hand-written sections of an existing report (every '## ' heading after the generated
    one: profiles and before/after notes per issue) survive a regeneration."""
    try:
        with open(path) as f:
            old = f.read().rstrip("\n").split("\n")
    except FileNotFoundError:
        return []
    heads = [i for i, line in enumerate(old) if line.startswith("## ")]
    return [""] + old[heads[1]:] if len(heads) > 1 else []


def write_report(path, build, cases, results, micro, trace_rows=(), extra=(), ws=()):
    history = kept_history(path)
    lines = ["## Benchmark results: OpenWinHTTP vs libcurl", ""]
    lines += environment_lines(build)
    lines += ["", TABLE_HEAD]
    for case in cases:
        ours, curl = results[case["id"]]
        lines.append(table_row(case, ours, curl, results))
    lines += ["", NOTES]
    lines += list(extra)
    lines += syscall_section(cases, results)
    lines += trace_section(trace_rows)
    lines += list(ws)
    lines += micro
    lines += ["", "Reproduce: `make bench` (or `BENCH_QUICK=1 make bench` for a smoke run)."]
    lines += history
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---- main -------------------------------------------------------------------------------------------

def exit_on_sigterm():
    """SIGTERM ends the run through the normal exit path, so nginx is stopped and cleaned up."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def serve():
    exit_on_sigterm()
    nginx = Nginx()
    try:
        nginx.start()
        print(f"nginx in {nginx.dir}: http port {nginx.http_port}, https port {nginx.https_port}",
              flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        nginx.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(SOURCE, "build-bench"))
    parser.add_argument("--out", default=os.path.join(HERE, "results.md"))
    parser.add_argument("--only", default="", help="comma-separated workload ids, e.g. W1,W5")
    parser.add_argument("--serve", action="store_true",
                        help="only start nginx, print its ports, wait for Ctrl-C (profiling)")
    opts = parser.parse_args()
    if opts.serve:
        return serve()
    build = os.path.abspath(opts.build)
    wanted = set(opts.only.split(",")) if opts.only else set()
    # Workloads that update only their own section of results.md: WS needs neither nginx nor
    # the HTTP clients, W8 only the stall server and the two clients.
    sections = {"WS": (ws_section, WS_SECTION, "WebSockets"), "W8": (w8_section, W8_SECTION, "W8")}
    if len(wanted) == 1 and next(iter(wanted)) in sections:
        key = next(iter(wanted))
        make_section, marker, name = sections[key]
        exit_on_sigterm()
        with tempfile.TemporaryDirectory(prefix=f"owh-bench-{key.lower()}-") as workdir:
            section = make_section(build, workdir)
        splice_trace_section(opts.out, section, marker)
        print("\n".join(section))
        print(f"updated the {name} section of {opts.out}")
        return
    binaries = [("ours", os.path.join(build, "bench", "bench_winhttp")),
                ("curl", os.path.join(build, "bench", "bench_curl"))]
    for _, path in binaries:
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} missing: build with -DWINHTTP_BUILD_BENCH=ON first (make bench)")
    global CALLGRIND
    if CALLGRIND and not shutil.which("valgrind"):
        print("valgrind not found: instruction counts skipped")
        CALLGRIND = False

    exit_on_sigterm()
    cases = make_cases()
    if opts.only:
        cases = [c for c in cases if c["id"] in wanted or c["id"].split("-")[0] in wanted]
    # The tracing cost rows: in a full run, or alone with --only TRACE (which then updates
    # only that section of results.md).
    want_trace = CALLGRIND and (not opts.only or "TRACE" in wanted)
    trace_rows = []
    want_ws = not opts.only or "WS" in wanted
    ws_lines = []
    want_w8 = not opts.only or "W8" in wanted
    w8_lines = []
    print(f"Pinning: {pinning_note()}")
    nginx = Nginx()
    proxy = Tinyproxy(nginx.dir)
    results = {}
    try:
        nginx.start()
        if any(c["args"].get("proxy") for c in cases):
            proxy.start()
            nginx.proxy_port = proxy.port
        for case in cases:
            start = time.time()
            results[case["id"]] = run_case(case, binaries, nginx, nginx.dir)
            ours, curl = results[case["id"]]
            print(f"{case['id']:10} ours {ours.failure or fmt_time(ours.median('wall'), case['units'], case['unit'])}"
                  f" | curl {curl.failure or fmt_time(curl.median('wall'), case['units'], case['unit'])}"
                  f" | ratio {ratio_text(ours, curl)} | conns {ours.conns_text()}/{curl.conns_text()}"
                  f" | {time.time() - start:.0f}s", flush=True)
        if want_trace:
            TRACE_BUILD[:] = [build, build_type(build)]
            trace_rows = trace_cost(binaries[0][1], nginx, nginx.dir)
            for label, values in trace_rows:
                print(f"TRACE      {label}: {[round(v) for v in values]} instr/req", flush=True)
        if want_ws:
            ws_lines = ws_section(build, nginx.dir)
            print("\n".join(ws_lines), flush=True)
        if want_w8:
            w8_lines = w8_section(build, nginx.dir)
            print("\n".join(w8_lines), flush=True)
        if not cases:
            if want_trace:
                splice_trace_section(opts.out, trace_section(trace_rows))
                print(f"updated the tracing section of {opts.out}")
            if want_ws:
                splice_trace_section(opts.out, ws_lines, WS_SECTION)
                print(f"updated the WebSockets section of {opts.out}")
            if want_w8:
                splice_trace_section(opts.out, w8_lines, W8_SECTION)
                print(f"updated the W8 section of {opts.out}")
            return
        h2load = []
        for case in cases:
            if case["id"] == "W7":
                h2load = h2load_section(case, nginx, nginx.dir)
                print("\n".join(h2load[-1:]), flush=True)
        micro = micro_section(build, nginx.dir)
    finally:
        proxy.stop()
        nginx.stop()
    write_report(opts.out, build, cases, results, micro, trace_rows, h2load, ws_lines + w8_lines)
    print(f"wrote {opts.out}")


if __name__ == "__main__":
    main()
