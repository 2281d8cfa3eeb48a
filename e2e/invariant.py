#!/usr/bin/env python3
"""The invariant every fault test ends with (issue #15), read back with independent tools.

For one namespace and one name prefix:
  * Kafka's topics (partitions, replication factor, dynamic configs), ACL bindings and user
    quotas under the prefix, and the registry's subjects under the prefix (and their
    compatibility), equal EXACTLY the union of the plans of the namespace's Ready DataProducts
    (`specmesh plan --offline -o json` of each live object);
  * every DataProduct's status tells the truth: Ready=True has observedGeneration ==
    metadata.generation, its status.domain/topics/subjects/acls match its plan, it is not
    Stalled and not being deleted; Ready=False has a reason and a message.

"Under the prefix": a topic, subject or quota user whose name starts with PREFIX; an ACL
binding whose resource name starts with PREFIX or whose principal is User:PREFIX...
Nothing is read through specmesh's own client code: Kafka through kcat (topics) and Kafka's own
admin tools (AclCommand, ConfigCommand) from its jars, the registry through its REST API, the
DataProducts through kubectl.

  e2e/invariant.py --namespace NS --prefix PREFIX [--bootstrap HOST:PORT]
                   [--kafka-config FILE] [--registry-url URL] [--kubeconfig FILE]
                   [--all-ready] [--not-ready NAME]... [--wait SECONDS] [--quiet]

--kafka-config is a librdkafka properties file (default $SPECMESH_KAFKA_CONFIG); the Java
tools get the same identity. --bootstrap overrides its bootstrap.servers (another broker with
the same admin user). --all-ready: every DataProduct must be Ready, except the --not-ready ones,
which must be Ready=False. --wait: check again (every 2 s) until the invariant holds or SECONDS
pass. Exit: 0 holds, 1 violated (a diff is printed), 2 could not check.
Products with deletionPolicy Retain that were deleted leave topics and subjects behind, which
this check reports as extra: use deletionPolicy Delete in tests that delete.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL_TIMEOUT = 180


class CannotCheck(Exception):
    pass


def run(cmd, timeout=TOOL_TIMEOUT, stdin=None):
    try:
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CannotCheck("%s: no answer in %ss" % (" ".join(cmd[:4]), timeout))
    except OSError as e:
        raise CannotCheck("%s: %s" % (cmd[0], e))
    return p


# --- configuration --------------------------------------------------------------------------
def read_props(path):
    props = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            props[k.strip()] = v.strip()
    return props


def java_props(rd, bootstrap, path):
    """A Java client properties file with the identity of the librdkafka properties `rd`."""
    proto = rd.get("security.protocol", "PLAINTEXT").upper()
    lines = ["bootstrap.servers=" + bootstrap, "security.protocol=" + proto]
    if proto.startswith("SASL"):
        mech = rd.get("sasl.mechanisms", rd.get("sasl.mechanism", "PLAIN")).upper()
        user = rd.get("sasl.username", "").replace("\\", "\\\\").replace('"', '\\"')
        pw = rd.get("sasl.password", "").replace("\\", "\\\\").replace('"', '\\"')
        module = ("org.apache.kafka.common.security.plain.PlainLoginModule" if mech == "PLAIN"
                  else "org.apache.kafka.common.security.scram.ScramLoginModule")
        lines += ["sasl.mechanism=" + mech,
                  'sasl.jaas.config=%s required username="%s" password="%s";' % (module, user, pw)]
    if "SSL" in proto and rd.get("ssl.ca.location"):
        lines += ["ssl.truststore.type=PEM", "ssl.truststore.location=" + rd["ssl.ca.location"]]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


class Kafka:
    def __init__(self, lib, kafka_config, bootstrap, tmp):
        self.lib = lib
        self.kafka_config = kafka_config
        rd = read_props(kafka_config)
        self.bootstrap = bootstrap or rd.get("bootstrap.servers")
        if not self.bootstrap:
            raise CannotCheck("no bootstrap server (--bootstrap or bootstrap.servers in %s)" % kafka_config)
        self.props = java_props(rd, self.bootstrap, os.path.join(tmp, "admin.properties"))
        self._classes = {}

    def cls(self, name):
        if name in self._classes:
            return self._classes[name]
        jars = glob.glob(os.path.join(self.lib, "kafka*.jar"))
        if not jars:
            raise CannotCheck("no Kafka jars in %s (SPECMESH_KAFKA_LIB)" % self.lib)
        for c in ("org.apache.kafka.tools." + name, "kafka.admin." + name, "kafka.tools." + name):
            entry = c.replace(".", "/") + ".class"
            for jar in jars:
                if entry in zipfile.ZipFile(jar).namelist():
                    self._classes[name] = c
                    return c
        raise CannotCheck("no class %s in %s" % (name, self.lib))

    def tool(self, name, *args):
        quiet = os.path.join(HERE, "stack", "kafka")
        cmd = ["java", "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               "-Dlog4j2.configurationFile=" + os.path.join(quiet, "log4j2-quiet.properties"),
               "-Dlog4j.configuration=file:" + os.path.join(quiet, "log4j-quiet.properties"),
               "-cp", os.path.join(self.lib, "*"), self.cls(name),
               "--bootstrap-server", self.bootstrap, "--command-config", self.props] + list(args)
        p = run(cmd)
        if p.returncode != 0:
            raise CannotCheck("%s %s failed (exit %d): %s" % (name, " ".join(args), p.returncode,
                                                              (p.stderr or p.stdout).strip()[-600:]))
        return p.stdout

    def topics(self):
        """{name: (partitions, replication factor)} from kcat's metadata."""
        p = run(["kcat", "-F", self.kafka_config, "-b", self.bootstrap, "-m", "15", "-L", "-J"])
        if p.returncode != 0:
            raise CannotCheck("kcat -L failed: %s" % p.stderr.strip()[-600:])
        out = {}
        for t in json.loads(p.stdout)["topics"]:
            if t.get("error"):
                raise CannotCheck("kcat: topic %s: %s" % (t["topic"], t["error"]))
            parts = t["partitions"]
            out[t["topic"]] = (len(parts), len(parts[0]["replicas"]) if parts else 0)
        return out

    def topic_configs(self):
        """{topic: {key: value}}: every topic's dynamic (per-topic) configs."""
        out, cur = {}, None
        for line in self.tool("ConfigCommand", "--describe", "--entity-type", "topics").splitlines():
            m = re.match(r"Dynamic configs for topic (\S+) are:", line)
            if m:
                cur = out.setdefault(m.group(1), {})
                continue
            m = re.match(r"\s+([^=\s]+)=(.*?) sensitive=(?:true|false) synonyms=", line)
            if m and cur is not None:
                cur[m.group(1)] = m.group(2)
        return out

    def acls(self):
        """[(type, name, pattern, principal, host, operation, permission)], as listed."""
        out, resource = [], None
        for line in self.tool("AclCommand", "--list").splitlines():
            m = re.search(r"ResourcePattern\(resourceType=(\w+), name=(.+), patternType=(\w+)\)", line)
            if m:
                resource = m.groups()
                continue
            m = re.search(r"principal=([^,]+), host=([^,]+), operation=(\w+), permissionType=(\w+)", line)
            if m and resource:
                out.append(resource + m.groups())
        return out

    def user_quotas(self):
        """{user: {key: float}} for every user with a client quota."""
        out = {}
        for line in self.tool("ConfigCommand", "--describe", "--entity-type", "users").splitlines():
            m = re.match(r"Quota configs for user-principal '(.*)' are (.*)$", line)
            if not m:
                continue
            vals = {}
            for kv in m.group(2).split(", "):
                if "=" in kv:
                    k, v = kv.split("=", 1)
                    vals[k.strip()] = float(v)
            if vals:
                out[m.group(1)] = vals
        return out


class Registry:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise CannotCheck("registry GET %s: HTTP %d" % (path, e.code))
        except (urllib.error.URLError, OSError) as e:
            raise CannotCheck("registry GET %s: %s" % (path, e))

    def subjects(self, prefix=""):
        """Every subject whose name starts with `prefix`. Apicurio answers at most 1,000 names
        per GET /subjects and ignores subjectPrefix: read in pages until a short page (or the
        same page again, from a registry that ignores offset)."""
        out, offset, first = [], 0, None
        for _ in range(1000):
            page = self.get("/subjects?subjectPrefix=%s&offset=%d&limit=1000" % (
                urllib.parse.quote(prefix, safe=""), offset)) or []
            if page and page[0] == first:
                break
            out += [s for s in page if s.startswith(prefix)]
            if len(page) < 1000:
                break
            first, offset = page[0], offset + len(page)
        return out

    def compatibility(self, subject):
        d = self.get("/config/" + urllib.parse.quote(subject, safe=""))
        if not d:
            return None
        return d.get("compatibilityLevel") or d.get("compatibility")


# --- the wanted side --------------------------------------------------------------------------
def plan_of(specmesh, dp, tmp):
    manifest = {"apiVersion": dp["apiVersion"], "kind": dp["kind"],
                "metadata": {"name": dp["metadata"]["name"], "namespace": dp["metadata"]["namespace"]},
                "spec": dp["spec"]}
    path = os.path.join(tmp, "dp-%s.json" % dp["metadata"]["name"])
    with open(path, "w") as f:
        json.dump(manifest, f)
    env = dict(os.environ)
    for k in ("SPECMESH_KAFKA_CONFIG", "SPECMESH_REGISTRY_URL", "SPECMESH_REGISTRY_CONFIG"):
        env.pop(k, None)  # --offline talks to nothing anyway
    try:
        p = subprocess.run([specmesh, "plan", "--offline", path, "-o", "json"], capture_output=True,
                           text=True, timeout=60, env=env)
    except (subprocess.TimeoutExpired, OSError) as e:
        raise CannotCheck("specmesh plan: %s" % e)
    if p.returncode not in (0, 2):
        return None, p.stderr.strip()
    return json.loads(p.stdout), None


def cond(dp, typ):
    for c in (dp.get("status") or {}).get("conditions") or []:
        if c.get("type") == typ:
            return c
    return None


def fmt_acl(a):
    return "%s %s %s %s host=%s %s %s" % a


def check(args, tmp):
    kafka = Kafka(args.kafka_lib, args.kafka_config, args.bootstrap, tmp)
    registry = Registry(args.registry_url)
    prefix = args.prefix
    under = lambda name: name.startswith(prefix)  # noqa: E731
    acl_under = lambda a: under(a[1]) or a[3].startswith("User:" + prefix)  # noqa: E731

    # read everything at once: the JVMs are the slow part
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=6)
    f_dps = pool.submit(run, ["kubectl", "--kubeconfig", args.kubeconfig, "get", "dataproducts",
                              "-n", args.namespace, "-o", "json"], 60)
    f_topics = pool.submit(kafka.topics)
    f_configs = pool.submit(kafka.topic_configs)
    f_acls = pool.submit(kafka.acls)
    f_quotas = pool.submit(kafka.user_quotas)
    f_subjects = pool.submit(registry.subjects, prefix)
    try:
        p = f_dps.result()
        if p.returncode != 0:
            raise CannotCheck("kubectl get dataproducts: %s" % p.stderr.strip())
        dps = json.loads(p.stdout)["items"]
        plans = {}
        problems = []  # status violations
        futs = {dp["metadata"]["name"]: pool.submit(plan_of, args.specmesh, dp, tmp) for dp in dps}
        for dp in dps:
            plans[dp["metadata"]["name"]] = futs[dp["metadata"]["name"]].result()
        topics = f_topics.result()
        configs = f_configs.result()
        acls = f_acls.result()
        quotas = f_quotas.result()
        subjects = f_subjects.result()
    finally:
        pool.shutdown(wait=True)

    # --- the statuses, and the union of the Ready products' plans
    want_topics, want_acls, want_quotas, want_subjects = {}, {}, {}, {}
    ready_n = 0
    for dp in sorted(dps, key=lambda d: d["metadata"]["name"]):
        name = dp["metadata"]["name"]
        who = "%s/%s" % (args.namespace, name)
        gen = dp["metadata"].get("generation")
        st = dp.get("status") or {}
        ready, stalled = cond(dp, "Ready"), cond(dp, "Stalled")
        plan, perr = plans[name]
        is_ready = bool(ready and ready.get("status") == "True")
        if dp["metadata"].get("deletionTimestamp"):
            problems.append("%s: still being deleted (finalizers %s; Ready=%s %s: %s)" % (
                who, dp["metadata"].get("finalizers"), ready and ready.get("status"),
                ready and ready.get("reason"), ready and ready.get("message")))
            continue
        if ready is None:
            problems.append("%s: no Ready condition (generation %s)" % (who, gen))
            continue
        if name in args.not_ready and is_ready:
            problems.append("%s: Ready=True, expected Ready=False" % who)
        if not is_ready:
            if not ready.get("reason") or not ready.get("message"):
                problems.append("%s: Ready=%s without a reason and a message" % (who, ready.get("status")))
            if args.all_ready and name not in args.not_ready:
                problems.append("%s: not Ready: %s: %s" % (who, ready.get("reason"), ready.get("message")))
            continue
        ready_n += 1
        if st.get("observedGeneration") != gen:
            problems.append("%s: Ready=True but status.observedGeneration %s != generation %s" % (
                who, st.get("observedGeneration"), gen))
        if ready.get("observedGeneration") not in (None, gen):
            problems.append("%s: Ready condition's observedGeneration %s != generation %s" % (
                who, ready.get("observedGeneration"), gen))
        if stalled and stalled.get("status") == "True":
            problems.append("%s: Ready=True and Stalled=True" % who)
        if plan is None:
            problems.append("%s: Ready=True but specmesh plan --offline refuses its spec: %s" % (who, perr))
            continue
        if st.get("domain") not in (None, plan["domain"]):
            problems.append("%s: status.domain %s, the plan's domain %s" % (who, st.get("domain"), plan["domain"]))
        p_topics = {}
        for c in plan["changes"]:
            r, a = c["resource"], c["action"]
            if a not in ("create", "update"):
                continue
            if r == "topic":
                p_topics[c["name"]] = c
                if under(c["name"]):
                    want_topics[c["name"]] = (c, who)
            elif r == "acl":
                t = (c["resourceType"], c["resourceName"], c["patternType"], c["principal"],
                     c.get("host", "*"), c["operation"], c["permission"])
                if acl_under(t):
                    want_acls.setdefault(t, who)
            elif r == "quota":
                u = c["entity"]["user"]
                if under(u):
                    want_quotas[u] = ({k: float(v) for k, v in c["values"].items()}, who)
            elif r == "subject":
                if under(c["name"]):
                    want_subjects[c["name"]] = (c, who)
        outside = [c.get("name") or c.get("resourceName") for c in plan["changes"]
                   if c["resource"] in ("topic", "subject") and not under(c["name"])]
        if outside:
            problems.append("%s: its plan reaches outside the prefix %s: %s" % (who, prefix, outside[:3]))
        if "topics" in st:
            got = {t.get("name"): t.get("partitions") for t in st.get("topics") or []}
            exp = {n: c["partitions"] for n, c in p_topics.items()}
            if set(got) != set(exp) or any(exp[n] is not None and got[n] != exp[n] for n in exp):
                problems.append("%s: status.topics %s, the plan's %s" % (who, sorted(got.items()), sorted(exp.items())))
        if "subjects" in st:
            got = sorted(s.get("name") for s in st.get("subjects") or [])
            exp = sorted(c["name"] for c in plan["changes"] if c["resource"] == "subject")
            if got != exp:
                problems.append("%s: status.subjects %s, the plan's %s" % (who, got, exp))
        if "acls" in st:
            exp = sum(1 for c in plan["changes"] if c["resource"] == "acl")
            if st["acls"] != exp:
                problems.append("%s: status.acls %s, the plan declares %d bindings" % (who, st["acls"], exp))

    # --- Kafka and the registry against the union
    diff = []
    have_topics = {n: v for n, v in topics.items() if under(n)}
    for n in sorted(set(want_topics) | set(have_topics)):
        if n not in have_topics:
            diff.append("topic missing: %s (planned by %s)" % (n, want_topics[n][1]))
            continue
        if n not in want_topics:
            diff.append("topic extra: %s (%d partitions)" % (n, have_topics[n][0]))
            continue
        c, who = want_topics[n]
        parts, rf = have_topics[n]
        if c.get("partitions") is not None and parts != c["partitions"]:
            diff.append("topic %s: %d partitions, planned %d (%s)" % (n, parts, c["partitions"], who))
        if c.get("replicas") is not None and rf != c["replicas"]:
            diff.append("topic %s: replication factor %d, planned %d (%s)" % (n, rf, c["replicas"], who))
        got_cfg = configs.get(n, {})
        exp_cfg = c.get("configs") or {}
        if got_cfg != exp_cfg:
            diff.append("topic %s: dynamic configs %s, planned %s (%s)" % (n, got_cfg, exp_cfg, who))
    have_acls = [a for a in acls if acl_under(a)]
    seen = set()
    for a in have_acls:
        if a in seen:
            diff.append("acl listed twice: %s" % fmt_acl(a))
        seen.add(a)
    for a in sorted(set(want_acls) - seen):
        diff.append("acl missing: %s (planned by %s)" % (fmt_acl(a), want_acls[a]))
    for a in sorted(seen - set(want_acls)):
        diff.append("acl extra: %s" % fmt_acl(a))
    have_quotas = {u: v for u, v in quotas.items() if under(u)}
    for u in sorted(set(want_quotas) | set(have_quotas)):
        exp = want_quotas.get(u, ({}, None))[0]
        got = have_quotas.get(u, {})
        if exp != got:
            diff.append("quota of user %s: %s, planned %s" % (u, got or "none", exp or "none"))
    have_subjects = sorted(s for s in subjects if under(s))
    for s in sorted(set(want_subjects) | set(have_subjects)):
        if s not in have_subjects:
            diff.append("subject missing: %s (planned by %s)" % (s, want_subjects[s][1]))
        elif s not in want_subjects:
            diff.append("subject extra: %s" % s)
        else:
            c, who = want_subjects[s]
            if c.get("compatibility"):
                got = registry.compatibility(s)
                if got != c["compatibility"]:
                    diff.append("subject %s: compatibility %s, planned %s (%s)" % (s, got, c["compatibility"], who))
    summary = ("%d DataProducts (%d Ready) in %s; under %s: %d topics, %d ACL bindings, %d quotas, "
               "%d subjects" % (len(dps), ready_n, args.namespace, prefix, len(have_topics),
                                len(have_acls), len(have_quotas), len(have_subjects)))
    return problems + diff, summary


def list_subjects(url, prefix):
    """For scripts: every subject of the registry at `url` whose name starts with `prefix`."""
    return Registry(url).subjects(prefix)


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--namespace", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--bootstrap", help="HOST:PORT; default: bootstrap.servers of --kafka-config")
    ap.add_argument("--kafka-config", default=env("SPECMESH_KAFKA_CONFIG"))
    ap.add_argument("--kafka-lib", default=env("SPECMESH_KAFKA_LIB"))
    ap.add_argument("--registry-url", default=env("SPECMESH_REGISTRY_URL"))
    ap.add_argument("--kubeconfig", default=env("KUBECONFIG"))
    ap.add_argument("--specmesh", default=env("SPECMESH_BIN") or os.path.join(HERE, "..", "build", "specmesh"))
    ap.add_argument("--all-ready", action="store_true")
    ap.add_argument("--not-ready", action="append", default=[], metavar="NAME")
    ap.add_argument("--wait", type=float, default=0, metavar="SECONDS")
    ap.add_argument("--quiet", action="store_true", help="print only a violation")
    args = ap.parse_args()
    for k in ("kafka_config", "kafka_lib", "registry_url", "kubeconfig"):
        if not getattr(args, k):
            ap.error("--%s is needed (or its environment variable: eval \"$(e2e/stack/env)\")" % k.replace("_", "-"))
    if not args.prefix:
        ap.error("an empty --prefix would compare the whole cluster")
    deadline = time.monotonic() + args.wait
    attempt = 0
    while True:
        attempt += 1
        with tempfile.TemporaryDirectory(prefix="invariant.") as tmp:
            try:
                violations, summary = check(args, tmp)
            except CannotCheck as e:
                print("invariant: cannot check: %s" % e, file=sys.stderr)
                if time.monotonic() + 2 < deadline and attempt < 100:
                    time.sleep(2)
                    continue
                return 2
        if not violations:
            if not args.quiet:
                print("invariant holds: %s" % summary)
            return 0
        if time.monotonic() + 2 >= deadline or attempt >= 100:
            break
        time.sleep(2)
    print("invariant VIOLATED (%d): %s" % (len(violations), summary))
    for v in violations[:80]:
        print("  " + v)
    if len(violations) > 80:
        print("  ... and %d more" % (len(violations) - 80))
    return 1


if __name__ == "__main__":
    sys.exit(main())
