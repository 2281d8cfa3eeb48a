#!/usr/bin/env python3
"""Check byte fixtures (test/fixtures/kafka/*.hex) against frames captured from a real broker.

  kafka_fixture_check.py CAPTURE FIXTURE...

CAPTURE is what test/tools/kafka_relay.py --capture wrote ("> hex" client to broker, "< hex"
broker to client). A fixture whose name contains "_request" must equal a captured client frame,
any other fixture a captured broker frame; the correlation id is not compared (it depends on how
many requests came before on the connection). Prints "ok NAME" or "MISSING NAME" per fixture,
and for a missing one the captured frames of the same direction and length; exits 1 when any
fixture is missing.
"""
import os
import re
import sys


def load_hex(path):
    """The fixture format: hex byte pairs, "ascii text", # comments to the end of the line."""
    out = bytearray()
    text = open(path).read()
    for m in re.finditer(r'#[^\n]*|"([^"]*)"|([0-9a-fA-F]{2})|(\S)', text):
        if m.group(1) is not None:
            out += m.group(1).encode()
        elif m.group(2):
            out.append(int(m.group(2), 16))
        elif m.group(3):
            sys.exit("%s: stray %r" % (path, m.group(3)))
    if len(out) < 8 or int.from_bytes(out[:4], "big") != len(out) - 4:
        sys.exit("%s: the size field does not match the frame" % path)
    return bytes(out)


def masked(frame, request):
    at = 8 if request else 4  # request header: size, api key, version, correlation id
    return frame[:at] + b"\0\0\0\0" + frame[at + 4:]


def main():
    frames = {">": [], "<": []}
    for line in open(sys.argv[1]):
        tag, _, hexs = line.strip().partition(" ")
        if tag in frames:
            frames[tag].append(bytes.fromhex(hexs))
    missing = 0
    for path in sys.argv[2:]:
        name = os.path.basename(path)
        request = "_request" in name
        want = load_hex(path)
        seen = frames[">" if request else "<"]
        if any(masked(f, request) == masked(want, request) for f in seen if len(f) == len(want)):
            print("ok", name)
            continue
        missing += 1
        print("MISSING", name, "want", want.hex())
        for f in seen:
            if len(f) == len(want):
                print("    same length:", f.hex())
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
