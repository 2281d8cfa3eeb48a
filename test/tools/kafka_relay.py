#!/usr/bin/env python3
"""A TCP relay in front of a real Kafka broker, for e2e/tests/20_quota_wire.sh.

It forwards bytes unchanged in both directions; it never answers anything itself. Two uses:
  --capture FILE   log every Kafka frame, one line each: "> <hex>" client to broker,
                   "< <hex>" broker to client (the whole frame, size prefix included)
  --cert/--key     terminate TLS (the stack's broker has no TLS listener), so our client's
                   TLS code talks TLS to the relay and Kafka protocol to the real broker;
                   --ca makes a client certificate optional but verified when sent, and
                   "peer cert: True|False" is printed to stderr per connection
Prints the port it listens on (127.0.0.1, chosen by the kernel) as its first stdout line.
"""
import argparse
import socket
import ssl
import struct
import sys
import threading

lock = threading.Lock()


def pump(src, dst, tag, capture):
    buf = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            if capture is None:
                continue
            buf += data
            while len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">i", buf[:4])[0]:
                n = 4 + struct.unpack(">i", buf[:4])[0]
                with lock:
                    capture.write("%s %s\n" % (tag, buf[:n].hex()))
                    capture.flush()
                buf = buf[n:]
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client, args, ctx, capture):
    try:
        if ctx:
            client = ctx.wrap_socket(client, server_side=True)
            print("peer cert:", bool(client.getpeercert()), file=sys.stderr, flush=True)
        host, port = args.target.rsplit(":", 1)
        broker = socket.create_connection((host, int(port)), timeout=10)
        broker.settimeout(None)
    except (OSError, ssl.SSLError) as e:
        print("relay:", e, file=sys.stderr, flush=True)
        client.close()
        return
    t = threading.Thread(target=pump, args=(broker, client, "<", capture), daemon=True)
    t.start()
    pump(client, broker, ">", capture)
    t.join()
    client.close()
    broker.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="127.0.0.1:19092")
    ap.add_argument("--capture")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--ca")
    args = ap.parse_args()
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        if args.ca:
            ctx.load_verify_locations(args.ca)
            ctx.verify_mode = ssl.CERT_OPTIONAL
    capture = open(args.capture, "a") if args.capture else None
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    print(s.getsockname()[1], flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, args, ctx, capture), daemon=True).start()


if __name__ == "__main__":
    main()
