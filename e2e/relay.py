#!/usr/bin/env python3
"""A loopback TCP relay whose behaviour is switched at runtime, for fault tests (issue #15).

  e2e/relay.py LISTEN_PORT TARGET_PORT CONTROL_FILE [--log FILE]

Listens on 127.0.0.1:LISTEN_PORT and relays every connection to 127.0.0.1:TARGET_PORT. What it
does is the first word(s) of CONTROL_FILE, read again whenever the file changes (polled every
0.1 s; a missing or empty file means pass):
  pass        relay bytes both ways
  delay N     hold every chunk N milliseconds before relaying it (both ways, order kept)
  freeze      accept connections (and connect on) but relay nothing; what arrives is held
              and relayed, in order, when the mode changes back to pass or delay
  refuse      close the listening socket (connects are refused) and reset every open
              connection; listen again when the mode changes
Switch with e.g. `echo freeze >CONTROL_FILE`. Each change is logged with its time (stderr or
--log). Loopback only: it binds 127.0.0.1 and connects to 127.0.0.1. Stops on SIGTERM/SIGINT.
"""
import argparse
import errno
import os
import selectors
import signal
import socket
import struct
import sys
import time

MAX_HELD = 64 << 20  # stop reading a direction holding this much


def log(out, msg):
    out.write("[relay %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    out.flush()


class Pipe:
    """One direction of one connection: chunks waiting to be written, each with a release time."""

    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        self.chunks = []  # [release_at, bytes]; b"" marks the source's end
        self.held = 0
        self.eof = False


class Conn:
    def __init__(self, client, upstream):
        self.client, self.upstream = client, upstream
        self.up = Pipe(client, upstream)    # client -> target
        self.down = Pipe(upstream, client)  # target -> client
        self.closed = False
        self.connected = False


class Relay:
    def __init__(self, listen_port, target_port, control, out):
        self.listen_port, self.target_port, self.control, self.out = listen_port, target_port, control, out
        self.sel = selectors.DefaultSelector()
        self.listener = None
        self.conns = set()
        self.mode, self.delay = "pass", 0.0
        self.ctl_stamp = None
        self.stop = False

    # --- control
    def read_control(self):
        try:
            st = os.stat(self.control)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stamp = None
        if stamp == self.ctl_stamp:
            return
        self.ctl_stamp = stamp
        words = []
        if stamp:
            with open(self.control) as f:
                words = f.read().split()
        mode, delay = "pass", 0.0
        if words:
            mode = words[0]
            if mode == "delay":
                try:
                    delay = float(words[1]) / 1000.0
                except (IndexError, ValueError):
                    log(self.out, "bad control %r: ignored" % " ".join(words))
                    return
            elif mode not in ("pass", "freeze", "refuse"):
                log(self.out, "bad control %r: ignored" % " ".join(words))
                return
        if (mode, delay) != (self.mode, self.delay):
            log(self.out, "mode %s%s (was %s), %d connections" % (
                mode, " %dms" % (delay * 1000) if mode == "delay" else "", self.mode, len(self.conns)))
        self.mode, self.delay = mode, delay
        if mode == "refuse":
            self.unlisten()
            for c in list(self.conns):
                self.close(c, reset=True)
        else:
            self.listen()

    # --- sockets
    def listen(self):
        if self.listener:
            return
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.listen_port))
        s.listen(128)
        s.setblocking(False)
        self.listener = s
        self.sel.register(s, selectors.EVENT_READ, None)

    def unlisten(self):
        if not self.listener:
            return
        self.sel.unregister(self.listener)
        self.listener.close()
        self.listener = None

    def accept(self):
        try:
            client, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        client.setblocking(False)
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        upstream.setblocking(False)
        err = upstream.connect_ex(("127.0.0.1", self.target_port))
        if err not in (0, errno.EINPROGRESS):
            upstream.close()
            self.reset(client)
            return
        c = Conn(client, upstream)
        c.connected = err == 0
        self.conns.add(c)
        self.sel.register(client, selectors.EVENT_READ, c)
        self.sel.register(upstream, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    @staticmethod
    def reset(s):
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        s.close()

    def close(self, c, reset=False):
        if c.closed:
            return
        c.closed = True
        for s in (c.client, c.upstream):
            try:
                self.sel.unregister(s)
            except (KeyError, ValueError):
                pass
            if reset:
                self.reset(s)
            else:
                s.close()
        self.conns.discard(c)

    def pipe_of(self, c, sock):
        return c.up if sock is c.client else c.down

    def on_readable(self, c, sock):
        p = self.pipe_of(c, sock)
        if p.held > MAX_HELD:
            return
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        now = time.monotonic()
        if data:
            p.chunks.append([now + self.delay, data])
            p.held += len(data)
        else:
            p.eof = True
            p.chunks.append([now + self.delay, b""])
            try:
                self.sel.modify(sock, self.events(c, sock), c)
            except (KeyError, ValueError):
                pass

    def events(self, c, sock):
        p = self.pipe_of(c, sock)
        return 0 if p.eof else selectors.EVENT_READ

    def flush(self, c, p):
        """Write what is due on pipe p; True when the connection ended."""
        if self.mode == "freeze":
            return False
        now = time.monotonic()
        while p.chunks and p.chunks[0][0] <= now:
            data = p.chunks[0][1]
            if data == b"":
                return True
            try:
                n = p.dst.send(data)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError:
                return True
            p.held -= n
            if n < len(data):
                p.chunks[0][1] = data[n:]
                return False
            p.chunks.pop(0)
        return False

    def next_due(self):
        t = None
        if self.mode == "freeze":
            return None
        for c in self.conns:
            for p in (c.up, c.down):
                if p.chunks and (t is None or p.chunks[0][0] < t):
                    t = p.chunks[0][0]
        return t

    def run(self):
        self.read_control()
        if self.mode != "refuse":
            self.listen()
        log(self.out, "relaying 127.0.0.1:%d -> 127.0.0.1:%d, mode %s" % (self.listen_port, self.target_port, self.mode))
        last_ctl = 0.0
        while not self.stop:
            now = time.monotonic()
            due = self.next_due()
            timeout = 0.1 if due is None else max(0.0, min(0.1, due - now))
            for key, ev in self.sel.select(timeout):
                if key.data is None:
                    self.accept()
                    continue
                c = key.data
                if c.closed:
                    continue
                if ev & selectors.EVENT_WRITE and key.fileobj is c.upstream:
                    # the connect finished (or failed)
                    err = c.upstream.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        self.close(c, reset=True)
                        continue
                    c.connected = True
                    self.sel.modify(c.upstream, self.events(c, c.upstream), c)
                if ev & selectors.EVENT_READ:
                    self.on_readable(c, key.fileobj)
            for c in list(self.conns):
                if c.closed or not c.connected:
                    continue
                if self.flush(c, c.up) or self.flush(c, c.down):
                    self.close(c)
            if time.monotonic() - last_ctl >= 0.1:
                last_ctl = time.monotonic()
                self.read_control()
        for c in list(self.conns):
            self.close(c)
        self.unlisten()
        log(self.out, "stopped")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("listen_port", type=int)
    ap.add_argument("target_port", type=int)
    ap.add_argument("control")
    ap.add_argument("--log")
    a = ap.parse_args()
    out = open(a.log, "a") if a.log else sys.stderr
    r = Relay(a.listen_port, a.target_port, a.control, out)

    def stop(*_):
        r.stop = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    r.run()


if __name__ == "__main__":
    main()
