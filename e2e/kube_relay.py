#!/usr/bin/env python3
"""A loopback TCP relay for fault tests: 127.0.0.1:LISTEN -> 127.0.0.1:TARGET, bytes untouched
(TLS passes through). Its mode is the first word of MODEFILE, re-read every 0.1 s:
  open    forward both ways (the default)
  freeze  accept, but move no byte either way: the path hangs like a stopped server
  oneway  only the server's bytes reach the client (a watch keeps streaming events) while the
          client's requests hang: the client hears the API server but cannot write to it
  drop    close every connection, and each new one as soon as it is accepted
Runs until killed.  usage: kube_relay.py LISTEN TARGET MODEFILE"""
import os
import selectors
import socket
import sys

listen_port, target_port, modefile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(64)
srv.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(srv, selectors.EVENT_READ)
peer = {}  # socket -> its other end (None while not yet connected upstream)
upstream = set()  # the sockets towards TARGET
mode, mtime = "open", None


def wanted(s):
    """Whether bytes readable on `s` move in the current mode."""
    return peer.get(s) is not None and (mode == "open" or (mode == "oneway" and s in upstream))


def arm(s):
    """(Un)register `s` for reading as the mode wants: a socket whose bytes wait is not
    watched, so that a frozen path does not spin."""
    try:
        sel.unregister(s)
    except (KeyError, ValueError):
        pass
    if wanted(s):
        sel.register(s, selectors.EVENT_READ)


def close(s):
    for x in (s, peer.get(s)):
        if x is None:
            continue
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        peer.pop(x, None)
        upstream.discard(x)
        x.close()


def connect(c):
    try:
        u = socket.create_connection(("127.0.0.1", target_port), timeout=2)
    except OSError:
        close(c)
        return
    u.setblocking(False)
    peer[c], peer[u] = u, c
    upstream.add(u)
    arm(c)
    arm(u)


def read_mode():
    global mode, mtime
    try:
        m = os.stat(modefile).st_mtime_ns
        if m == mtime:
            return
        mtime = m
        with open(modefile) as f:
            new = (f.read().split() or ["open"])[0]
    except OSError:
        new = "open"
    if new == mode:
        return
    mode = new
    if mode == "drop":
        for s in list(peer):
            if s in peer:
                close(s)
    for s in list(peer):
        if peer.get(s) is None and s not in upstream and mode in ("open", "oneway"):
            connect(s)
        elif s in peer:
            arm(s)


while True:
    read_mode()
    for key, _ in sel.select(timeout=0.1):
        s = key.fileobj
        if s is srv:
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            if mode == "drop":
                c.close()
                continue
            c.setblocking(False)
            peer[c] = None
            if mode in ("open", "oneway"):
                connect(c)
            continue
        if s not in peer or not wanted(s):
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            close(s)
            continue
        try:
            peer[s].setblocking(True)
            peer[s].sendall(data)
            peer[s].setblocking(False)
        except (OSError, KeyError):
            close(s)
