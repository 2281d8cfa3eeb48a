"""Evaluate alert rules on scraped /metrics text: a minimal PromQL evaluator for the expression
shapes the shipped rules use (deploy/monitoring/specmesh-alerts.yaml), not a Prometheus.

  python3 alerts_eval.py RULES SCRAPE0 SCRAPE1 SECONDS [--firing NAME]... [--quiet NAME]...

SCRAPE0 and SCRAPE1 are two scrapes of one target taken SECONDS apart; rate() is the counter's
increase between them divided by SECONDS (a counter that went down restarted: its value is the
increase). `for:` is ignored: the question is whether the expression would fire. Supported:
  SELECTOR OP NUMBER
  AGG [by (LABELS)] (SELECTOR | rate(SELECTOR[RANGE]) | increase(SELECTOR[RANGE])) OP NUMBER
with AGG sum, max or min, OP one of == != > < >= <=, and label matchers = != =~ !~. Any other
expression is an error, so a rule the evaluator cannot read fails the test instead of passing.
Prints one line per rule and its firing series; exits 1 when a --firing rule does not fire, a
--quiet rule fires (for the series whose labels contain every NAME=VALUE given after it as
--quiet NAME:label=value,...), or a rule cannot be evaluated.
"""
import re
import sys

import yaml

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
       "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}


def unescape(v):
    return v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def parse_labels(text):
    out, pos = [], 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        if not m:
            raise ValueError("cannot read labels: " + text)
        out.append((m.group(1), m.group(2), unescape(m.group(3))))
        pos = m.end()
    return out


def scrape(path):
    """name -> list of (labels dict, value)"""
    series = {}
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("not a sample line: " + line)
        labels = {k: v for k, _op, v in parse_labels(m.group(3) or "")}
        series.setdefault(m.group(1), []).append((labels, float(m.group(4))))
    return series


def matches(labels, matchers):
    for k, op, v in matchers:
        have = labels.get(k, "")
        ok = {"=": have == v, "!=": have != v,
              "=~": re.fullmatch(v, have) is not None, "!~": re.fullmatch(v, have) is None}[op]
        if not ok:
            return False
    return True


def selector(text):
    m = re.fullmatch(r'\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*', text)
    if not m:
        raise ValueError("unsupported selector: " + text)
    return m.group(1), parse_labels(m.group(2) or "")


def instant(s, text):
    name, matchers = selector(text)
    return [(l, v) for l, v in s.get(name, []) if matches(l, matchers)]


def key(labels):
    return tuple(sorted(labels.items()))


def inner(text, s0, s1, seconds):
    m = re.fullmatch(r'\s*(rate|increase)\s*\((.*)\[\s*\w+\s*\]\s*\)\s*', text)
    if not m:
        return instant(s1, text)
    before = {key(l): v for l, v in instant(s0, m.group(2))}
    out = []
    for l, v in instant(s1, m.group(2)):
        if key(l) not in before:
            continue  # a series needs two points for rate()
        inc = v - before[key(l)] if v >= before[key(l)] else v
        out.append((l, inc / seconds if m.group(1) == "rate" else inc))
    return out


def evaluate(expr, s0, s1, seconds):
    m = re.fullmatch(r'(.*?)\s*(==|!=|>=|<=|>|<)\s*([-+0-9.eE]+)\s*', expr.strip(), re.S)
    if not m:
        raise ValueError("unsupported expression (want LHS OP NUMBER): " + expr)
    lhs, op, num = m.group(1), m.group(2), float(m.group(3))
    a = re.fullmatch(r'\s*(sum|max|min)\s*(?:by\s*\(([^)]*)\))?\s*\((.*)\)\s*', lhs, re.S)
    if a:
        by = [x.strip() for x in (a.group(2) or "").split(",") if x.strip()]
        groups = {}
        for l, v in inner(a.group(3), s0, s1, seconds):
            groups.setdefault(tuple((k, l.get(k, "")) for k in by), []).append(v)
        fn = {"sum": sum, "max": max, "min": min}[a.group(1)]
        vec = [(dict(k), fn(vs)) for k, vs in groups.items()]
    else:
        vec = inner(lhs, s0, s1, seconds)
    return [(l, v) for l, v in vec if OPS[op](v, num)]


def main(argv):
    rules_path, p0, p1, seconds = argv[1], argv[2], argv[3], float(argv[4])
    want_firing, want_quiet, i = set(), {}, 5
    while i < len(argv):
        flag, arg = argv[i], argv[i + 1]
        if flag == "--firing":
            want_firing.add(arg)
        elif flag == "--quiet":
            name, _, sel = arg.partition(":")
            want_quiet[name] = dict(x.split("=", 1) for x in sel.split(",") if x)
        else:
            raise SystemExit("unknown flag " + flag)
        i += 2
    s0, s1 = scrape(p0), scrape(p1)
    seen, bad = set(), []
    for group in yaml.safe_load(open(rules_path))["groups"]:
        for rule in group["rules"]:
            name = rule["alert"]
            seen.add(name)
            try:
                firing = evaluate(rule["expr"], s0, s1, seconds)
            except ValueError as e:
                bad.append("%s: %s" % (name, e))
                continue
            print("%s: %s" % (name, "FIRING " + "; ".join(
                "{%s} %g" % (",".join('%s="%s"' % kv for kv in sorted(l.items())), v)
                for l, v in firing) if firing else "quiet"))
            if name in want_firing and not firing:
                bad.append(name + " does not fire")
            if name in want_quiet and any(all(l.get(k) == v for k, v in want_quiet[name].items())
                                          for l, _ in firing):
                bad.append(name + " fires for " + str(want_quiet[name]))
    for name in sorted((want_firing | set(want_quiet)) - seen):
        bad.append(name + ": no such rule")
    for b in bad:
        print("FAIL: " + b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
