#!/usr/bin/env python3
"""Turn one benchmark run (RUN_DIR: meta.json, samples.tsv, notes.tsv, errors.tsv, status.tsv,
written by e2e/bench/run and lib.sh) into OUT.md and OUT.json.

  report.py RUN_DIR OUT

Per measurement: the samples in repeat order, median, min, max and, from 4 samples on, the
interquartile range (Q1..Q3, linear interpolation). Measurements keep the order in which they
were first recorded.
"""
import json
import statistics
import sys


def rows(path, n):
    try:
        with open(path) as f:
            return [line.rstrip("\n").split("\t", n - 1) for line in f if line.strip()]
    except OSError:
        return []


def quartiles(xs):
    if len(xs) < 4:
        return None, None
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def summarise(samples):
    xs = [v for _, v in samples]
    q1, q3 = quartiles(xs)
    return {"samples": xs, "repeats": [r for r, _ in samples], "n": len(xs),
            "median": statistics.median(xs), "min": min(xs), "max": max(xs), "q1": q1, "q3": q3}


def fmt(x):
    if x is None:
        return ""
    a = abs(x)
    if a >= 1000:
        return "%.0f" % x
    if a >= 100:
        return "%.1f" % x
    if a >= 1:
        return "%.2f" % x
    return "%.3f" % x


def collect(run):
    meta = json.load(open(run + "/meta.json"))
    status = {r[0]: {"title": r[1], "status": r[2], "error": r[3] if len(r) > 3 else ""}
              for r in rows(run + "/status.tsv", 4)}
    measures = {}  # (id, name) -> {"unit", "samples": [(repeat, value)]}
    for bid, rep, name, value, unit in rows(run + "/samples.tsv", 5):
        m = measures.setdefault((bid, name), {"unit": unit, "samples": []})
        m["samples"].append((int(rep), float(value)))
    notes, errors = {}, {}
    for bid, text in rows(run + "/notes.tsv", 2):
        if text not in notes.setdefault(bid, []):
            notes[bid].append(text)
    for bid, text in rows(run + "/errors.tsv", 2):
        errors.setdefault(bid, []).append(text)
    benches = []
    for bid, st in status.items():
        results = [dict(name=name, unit=m["unit"], **summarise(m["samples"]))
                   for (b, name), m in measures.items() if b == bid]
        benches.append({"id": bid, "title": st["title"], "status": st["status"],
                        "error": st["error"], "errors": errors.get(bid, []),
                        "notes": notes.get(bid, []), "results": results})
    meta["benchmarks"] = benches
    return meta


def markdown(d):
    m, v, c = d["machine"], d["versions"], d["config"]
    out = ["# specmesh benchmarks, %s" % d["timestamp"], "",
           "- commit `%s` (%s)%s; %d repeat(s)%s" % (d["git"]["commit"], d["git"]["branch"],
                                                     ", with uncommitted changes" if d["git"]["dirty"] else "",
                                                     c["repeat"], ", --quick" if c["quick"] else ""),
           "- machine: %s CPUs (%s), %s GiB RAM, Linux %s, %s" % (m["nproc"], m["cpu"], m["ram_gib"],
                                                                 m["kernel"], m["os"]),
           "- versions: specmesh %s, Kafka %s, Apicurio Registry %s, librdkafka %s, libcurl %s"
           % (v["specmesh"], v["kafka"] or "?", v["apicurio"] or "?", v["librdkafka"], v["libcurl"]),
           "", "| benchmark | measurement | median | min | max | IQR | n | unit |",
           "|---|---|--:|--:|--:|--:|--:|---|"]
    for b in d["benchmarks"]:
        if not b["results"]:
            out.append("| %s | %s | | | | | | |" % (b["id"], b["status"] + (": " + b["error"] if b["error"] else "")))
        for r in b["results"]:
            iqr = "%s–%s" % (fmt(r["q1"]), fmt(r["q3"])) if r["q1"] is not None else ""
            out.append("| %s | %s | **%s** | %s | %s | %s | %d | %s |" % (
                b["id"], r["name"], fmt(r["median"]), fmt(r["min"]), fmt(r["max"]), iqr, r["n"],
                r["unit"]))
    out.append("")
    for b in d["benchmarks"]:
        lines = ["- " + n for n in b["notes"]]
        if b["status"] != "ok":
            lines.append("- **%s**: %s" % (b["status"], b["error"]))
        lines += ["- error: " + e for e in b["errors"]]
        if lines:
            out += ["%s — %s:" % (b["id"], b["title"])] + lines + [""]
    return "\n".join(out)


def main():
    run, dest = sys.argv[1], sys.argv[2]
    d = collect(run)
    with open(dest + ".json", "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
    with open(dest + ".md", "w") as f:
        f.write(markdown(d))


if __name__ == "__main__":
    main()
