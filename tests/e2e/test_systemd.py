#!/usr/bin/env python3
"""End-to-end: dateline-serve under a service manager, without systemd itself.

1. Socket activation: started by systemd-socket-activate (from the systemd package) on
   127.0.0.1:PORT while its own --listen address is taken by another socket, the server serves
   the socket it was passed (so it never bound --listen), reports that port in its log, says
   READY=1 (with a STATUS= naming the port) on the NOTIFY_SOCKET this test listens on, and
   only then: /healthz answers 200 at once. The Host check takes "loopback" and the port from
   the passed socket: Host 127.0.0.1:PORT and an HTTP/1.0 request without Host are answered,
   Host evil.example gets 421. The passed (blocking) socket has been made non-blocking, and
   64 searches from 16 clients at once on 4 threads are all answered. SIGTERM sends
   STOPPING=1 and the exit status is 0.
2. A passed socket on 0.0.0.0 is refused without --public (exit 2), as -l 0.0.0.0:PORT is.
3. Without socket activation, READY=1 still arrives when NOTIFY_SOCKET is set.

Skipped (77) without systemd-socket-activate, or when dateline-serve was built without
libsystemd (DL_HAVE_SYSTEMD=0 from meson)."""

import concurrent.futures
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dltest  # noqa: E402
from dltest import Server, build_index, free_port, sample_dir, tempdir  # noqa: E402

ACTIVATE = shutil.which("systemd-socket-activate")


class Notifications:
    """A NOTIFY_SOCKET: a Unix datagram socket in a temporary folder."""

    def __init__(self):
        self.path = os.path.join(tempdir("dl-notify-"), "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.received = []

    def wait_for(self, field, timeout=20):
        """The first datagram holding the line `field` (e.g. READY=1), or None after timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for d in self.received:
                if field in d.split("\n"):
                    return d
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                self.received.append(self.sock.recv(4096).decode("utf-8", "replace"))
            except socket.timeout:
                break
        return None


def setenv_args(env):
    """systemd-socket-activate passes its program only TERM, PATH, USER, HOME and what -E
    names: NOTIFY_SOCKET and the sanitizers' options, -E each."""
    out = []
    for k in ("NOTIFY_SOCKET", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in env:
            out += ["-E", "%s=%s" % (k, env[k])]
    return out


def first_connection(port, proc, timeout=20):
    """Connect to 127.0.0.1:port, retrying until systemd-socket-activate listens: it starts
    its program when the first connection comes. Returns the connected socket, or None when
    systemd-socket-activate exited first: it could not bind the port, taken (by another
    test's socket, say) between free_port() and its bind(); the caller tries another."""
    deadline = time.time() + timeout
    while True:
        if proc.poll() is not None:
            return None
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=timeout)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def activate(args_for_port, attempts=5, **popen):
    """Start systemd-socket-activate with args_for_port(port) on a free port and make the
    first connection; a port taken before it bound is worth another try. Returns
    (process, port, connected socket)."""
    for _ in range(attempts):
        port = free_port()
        proc = subprocess.Popen(args_for_port(port), **popen)
        sock = first_connection(port, proc)
        if sock is not None:
            return proc, port, sock
    raise RuntimeError("systemd-socket-activate exited before listening, %d times" % attempts)


class ActivatedServer(Server):
    """dateline-serve exec'd by systemd-socket-activate -l ADDR:PORT (it execs, so the pid is
    the server's, when the first connection comes), with NOTIFY_SOCKET set; start() makes
    that connection (self.first, left unused) and returns once READY=1 arrived."""

    def __init__(self, db, listen_arg, notify, bind="127.0.0.1", args=()):
        env = dict(os.environ, NOTIFY_SOCKET=notify.path)
        super().__init__(db, args, env=env)
        self.listen_arg = listen_arg
        self.notify = notify
        self.bind = bind
        self.ready = None
        self.threads = 4

    def start(self):
        dltest._servers.append(self)
        self._log = open(self.log_path, "ab")
        self.proc, self.port, self.first = activate(
            lambda port: [ACTIVATE, "-l", "%s:%d" % (self.bind, port)] +
            setenv_args(self.env) + [dltest.DL_SERVE, "-d", self.db, "-l", self.listen_arg,
                                     "-t", str(self.threads)] + self.args,
            stdout=self._log, stderr=self._log, env=self.env)
        self.ready = self.notify.wait_for("READY=1")
        return self


def activation(c, db):
    notify = Notifications()
    # Its own --listen address is held by us: binding it would fail.
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    taken_arg = "127.0.0.1:%d" % taken.getsockname()[1]
    s = ActivatedServer(db, taken_arg, notify)
    s.start()
    try:
        c.check(s.ready is not None, "READY=1 arrives on NOTIFY_SOCKET",
                "received %r; log:\n%s" % (notify.received, s.log()[-2000:]))
        if s.ready is None:
            return
        c.check("STATUS=serving" in s.ready and (":%d/" % s.port) in s.ready,
                "READY=1 comes with a STATUS= naming the passed socket's port", s.ready)
        r = s.get("/healthz")
        c.eq(r.status, 200, "/healthz answers at once after READY=1, on the passed socket")
        c.check("at http://127.0.0.1:%d/" % s.port in s.log(),
                "the log names the passed socket's address and port, not --listen's", s.log())
        c.check("at http://%s/" % taken_arg not in s.log(), "--listen was not used", s.log())
        # systemd passes a blocking socket: with a pool of threads, one blocked in accept()
        # would stop serving its connections. libmicrohttpd must have made it non-blocking.
        try:
            with open("/proc/%d/fdinfo/3" % s.proc.pid) as f:
                flags = int(re.search(r"flags:\s*(\d+)", f.read()).group(1), 8)
            c.check(flags & os.O_NONBLOCK, "the passed socket (fd 3) is non-blocking once served",
                    oct(flags))
        except OSError as e:
            print("no /proc/PID/fdinfo (%s): O_NONBLOCK not checked" % e)
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda _: s.get("/api/search?q=to+lam").status, range(64)))
        c.eq(statuses, [200] * 64, "64 searches from 16 clients at once are all answered (4 "
             "threads on the passed socket)")
        other = s.port + 1 if s.port < 65535 else s.port - 1
        for host, want, what in [
                ("127.0.0.1:%d" % s.port, 200, "Host 127.0.0.1:PORT (the passed socket's port)"),
                ("localhost:%d" % other, 421, "Host localhost with another port"),
                ("evil.example", 421, "Host evil.example")]:
            st, raw = s.raw(b"GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                            % host.encode())
            c.eq(st, want, "%s gets %d" % (what, want))
        st, _ = s.raw(b"GET /healthz HTTP/1.0\r\n\r\n")
        c.eq(st, 200, "HTTP/1.0 without Host is answered: the passed socket is loopback")
        s.first.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        first = b""
        while True:
            b = s.first.recv(65536)
            if not b:
                break
            first += b
        c.check(first.startswith(b"HTTP/1.1 200"),
                "the connection that started the server (queued before it ran) is answered",
                first[:300])
        s.terminate()
        stopping = notify.wait_for("STOPPING=1")
        c.check(stopping is not None, "SIGTERM sends STOPPING=1", notify.received)
    finally:
        s.stop()
        s.first.close()
        taken.close()


def public_refused(c, db):
    notify = Notifications()
    env = dict(os.environ, NOTIFY_SOCKET=notify.path)
    p, _, first = activate(
        lambda port: [ACTIVATE, "-l", "0.0.0.0:%d" % port] + setenv_args(env) +
        [dltest.DL_SERVE, "-d", db], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    with first:
        out = p.communicate(timeout=60)[0].decode("utf-8", "replace")
    r = p
    c.eq(r.returncode, 2, "a passed socket on 0.0.0.0 without --public: exit 2")
    c.check("without --public" in out and "passed by systemd" in out,
            "... saying the passed socket needs --public", out)
    dltest.check_stderr("dateline-serve with a socket on 0.0.0.0", out)
    c.check(notify.wait_for("READY=1", timeout=0.5) is None, "... and no READY=1 is sent",
            notify.received)


def plain_ready(c, db):
    notify = Notifications()
    env = dict(os.environ, NOTIFY_SOCKET=notify.path)
    with Server(db, env=env) as s:
        ready = notify.wait_for("READY=1")
        c.check(ready is not None and (":%d/" % s.port) in ready,
                "without socket activation READY=1 arrives too, naming the bound port", ready)


def run(c):
    db = build_index(sample_dir())
    activation(c, db)
    public_refused(c, db)
    plain_ready(c, db)


if __name__ == "__main__":
    if not ACTIVATE:
        print("systemd-socket-activate not found: skipped")
        sys.exit(77)
    if os.environ.get("DL_HAVE_SYSTEMD") == "0":
        print("dateline-serve built without libsystemd: skipped")
        sys.exit(77)
    dltest.main(run, "systemd")
