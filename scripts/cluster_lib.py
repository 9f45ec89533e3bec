"""What scripts/cluster-faults and benchmarks/cluster share: three nats-server processes
clustered with JetStream and creditlog nodes on 127.0.0.1, on free ports, their data and logs in
one working folder; and the USCCs of generated subjects."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REQUEST_TIMEOUT_S = 20  # one HTTP request


# ------------------------------------------------------------------ USCCs (GB 32100, GB 11714)

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(registration, division, body):
    organisation = sum((c - 48 if c < 65 else c - 55) * w for c, w in zip(map(ord, body), [3, 7, 9, 10, 5, 8, 4, 2]))
    check = 11 - organisation % 11
    code = registration + division + body + ("X" if check == 10 else "0" if check == 11 else str(check))
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(code))
    return code + ALPHABET[(31 - total % 31) % 31]


# ------------------------------------------------------------------ processes


class Cluster:
    """The processes of one run. `name` prefixes its temporary folder and its failure message;
    with `directory` (started afresh), everything is kept there instead."""

    def __init__(self, name, binary, passphrase, directory=None):
        self.name = name
        self.bin = os.path.realpath(binary)
        self.keep = directory is not None
        self.work = directory or tempfile.mkdtemp(prefix=f"creditlog-{name}-")
        if directory:
            shutil.rmtree(self.work, ignore_errors=True)
            os.makedirs(self.work)
        self.env = dict(os.environ, CREDITLOG_PASSPHRASE=passphrase, CREDITLOG_LANG="en")
        self.procs = {}
        self.config = None  # serve --config FILE, when set
        ports = free_ports(9)
        self.nats_ports, self.route_ports, self.http_ports = ports[0:3], ports[3:6], ports[6:9]
        self.nats_urls = ",".join(f"nats://127.0.0.1:{p}" for p in self.nats_ports)
        self.node_urls = [f"http://127.0.0.1:{p}" for p in self.http_ports]

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def fail(self, message):
        for name, (proc, log) in self.procs.items():
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGCONT)
                    proc.kill()
                except OSError:
                    pass
            try:
                with open(log, encoding="utf-8", errors="replace") as f:
                    tail = f.read()[-2000:]
                print(f"--- {name} log (last lines) ---\n{tail}", file=sys.stderr)
            except OSError:
                pass
        print(f"data and logs kept in {self.work}", file=sys.stderr)
        sys.exit(f"{self.name} FAILED: {message}")

    def creditlog(self, *args):
        r = subprocess.run([self.bin, *args], env=self.env, capture_output=True, text=True)
        if r.returncode != 0:
            self.fail(f"creditlog {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()[-1500:]}")
        return r.stdout

    def spawn(self, name, argv):
        log = self.path(name + ".log")
        out = open(log, "a")
        self.procs[name] = (subprocess.Popen(argv, env=self.env, stdout=out, stderr=subprocess.STDOUT), log)

    def start_nats(self, i):
        routes = ",".join(f"nats://127.0.0.1:{p}" for p in self.route_ports)
        self.spawn(f"nats-{i + 1}", ["nats-server", "-js", "-n", f"nats-{i + 1}", "-a", "127.0.0.1",
                                     "-p", str(self.nats_ports[i]), "-sd", self.path(f"nats-{i + 1}"),
                                     "--cluster_name", f"creditlog-{self.name}",
                                     "--cluster", f"nats://127.0.0.1:{self.route_ports[i]}", "--routes", routes])
        wait_for(lambda: port_open(self.nats_ports[i]), 30) or self.fail(f"nats-{i + 1} did not listen")

    def start_node(self, i, cluster=True, data=None):
        """Node i on its HTTP port, serving DIR/node-{i+1} (or `data`); `cluster` False: a single node."""
        argv = [self.bin, "serve", "--data", data or self.path(f"node-{i + 1}"), "--listen", f"127.0.0.1:{self.http_ports[i]}"]
        if self.config:
            argv += ["--config", self.config]
        if cluster:
            argv += ["--cluster", self.nats_urls]
        self.spawn(f"node-{i + 1}", argv)
        if not wait_for(lambda: http_ok(self.node_urls[i] + "/v1/checkpoint"), 90):
            self.fail(f"node-{i + 1} did not start")

    def stop(self, name):
        """Stops one process as an operator does (SIGTERM) and waits for it."""
        proc, _ = self.procs.pop(name)
        proc.terminate()
        proc.wait(timeout=60)

    def signal(self, name, sig):
        proc, _ = self.procs[name]
        proc.send_signal(sig)
        if sig == signal.SIGKILL:
            proc.wait()

    def stop_all(self):
        """The nodes first, as an operator stops a cluster (each publishes what it has left to
        NATS), then the NATS servers."""
        for group in (lambda name: name.startswith("node-"), lambda name: not name.startswith("node-")):
            procs = [proc for name, (proc, _) in self.procs.items() if group(name)]
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGCONT)
                    proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def free_ports(n):
    sockets = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as r:
        return r.read()
