#!/usr/bin/env bash
# In-cluster, as a platform team would install it: the project's image (built without pulling
# anything, e2e/image/build) loaded into the nodes' containerd, the local stack extended to a
# real two-node Kubernetes 1.34 (e2e/stack/node: controller-manager, scheduler, kubelets), then
#  - `helm install` with an existing connection Secret (a SCRAM-SHA-512 user of Kafka 4.1.1, the
#    image's librdkafka 2.8) -> two operator pods Running and Ready (the kubelets run the probes),
#    on two nodes, using the projected ServiceAccount token, no kubeconfig;
#  - a DataProduct applied with kubectl becomes Ready; topics, ACLs and subjects checked with
#    Kafka's tools and the registry's REST API;
#  - `kubectl delete pod` of the leader -> the other pod takes the Lease and applies an edit;
#  - `helm upgrade` with a changed value rolls the pods; an edit made during the roll lands;
#  - `helm uninstall` leaves the CRD and the DataProduct (with its finalizer);
#  - deploy/ as plain manifests picks the DataProduct up, applies an edit and, on delete, runs
#    the finalizer.
# Differences from a real cluster (no pod network, no kube-proxy): pods use hostNetwork, the
# kubernetes Service address is given to them as KUBERNETES_SERVICE_HOST/PORT, and the metrics
# listener binds the pod IP (the node's loopback address) so two replicas fit one host.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
source "$E2E_DIR/stack/common.sh" # ports, node names
SM=${SPECMESH_BIN:?}
work=$(mktemp -d)
rel=specmesh
opns=incluster-op-$$ # the release's namespace (the controller-manager deletes it at the end)
ns=incluster-dp-$$   # where the DataProducts live
BDL=london.hammersmith.olympia.bigdatalondon
ATTENDEE=$BDL._public.attendee
PURCHASE=$BDL._protected.retail.purchase
user=specmesh-incluster
pass=$(openssl rand -hex 16)
PORT=10256 # metrics/probes on the pod IP (127.0.0.1 or 127.0.0.2), in the node's port range

eventually() { # SECONDS EXPECTED WHAT COMMAND...
        local s=$1 want=$2 what=$3 got i
        shift 3
        for i in $(seq 1 $((s * 2))); do
                got=$("$@" 2>/dev/null || true)
                [ "$got" = "$want" ] && break
                sleep 0.5
        done
        t_assert_eq "$got" "$want" "$what"
}
forget_dps() {
        local o
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
}
cleanup() {
        set +e
        if [ -n "${E2E_KEEP:-}" ]; then echo "kept: namespaces $opns $ns, $work"; return; fi
        helm uninstall "$rel" -n "$opns" --wait --timeout 60s >/dev/null 2>&1
        kube_admin delete deploy specmesh-operator -n specmesh-system --ignore-not-found --wait=false >/dev/null 2>&1
        kube_admin delete secret specmesh-connection -n specmesh-system --ignore-not-found >/dev/null 2>&1
        kube_admin delete lease specmesh-operator -n specmesh-system --ignore-not-found >/dev/null 2>&1
        kube_admin label ns specmesh-system pod-security.kubernetes.io/enforce=restricted --overwrite >/dev/null 2>&1
        forget_dps
        kube_admin delete ns "$opns" "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
        e2e_forget_domain "$BDL"
        kafka_acls --remove --force --allow-principal "User:$user" --cluster >/dev/null 2>&1
        kafka_acls --remove --force --allow-principal "User:$user" --topic '*' >/dev/null 2>&1
        kafka_acls --remove --force --allow-principal "User:$user" --group '*' >/dev/null 2>&1
        kafka_configs --alter --entity-type users --entity-name "$user" \
                --delete-config SCRAM-SHA-512,SCRAM-SHA-256 >/dev/null 2>&1
        rm -rf "$work"
}
trap cleanup EXIT

step "the image, built from Debian packages only (cached), and a two-node cluster"
t=$(date +%s)
img=$("$root/e2e/image/build")
echo "image archive $img ($(du -h "$img" | cut -f1)), $(($(date +%s) - t))s"
t=$(date +%s)
if ! out=$("$E2E_DIR/stack/node" up 2>&1); then
        printf '%s\n' "$out" | tail -20
        t_fail "e2e/stack/node up failed"
fi
echo "node up: $(($(date +%s) - t))s"
"$E2E_DIR/stack/node" load "$img"
for n in $NODE_NAMES; do t_assert_match "$(kube_admin get nodes)" "$n +Ready" "node $n Ready"; done
tag=$(sed -nE 's/^appVersion: "?([^"]+)"?/\1/p' "$root/helm/specmesh/Chart.yaml")
repo=$(sed -nE 's/^  repository: (.*)/\1/p' "$root/helm/specmesh/values.yaml")

step "the operator's own Kafka identity: a SCRAM-SHA-512 user with exactly the ACLs of docs/install.md"
kafka_add_scram_user "$user" "$pass"
kafka_acls --add --allow-principal "User:$user" --cluster --operation Describe --operation Alter \
        --operation DescribeConfigs --operation AlterConfigs >/dev/null
kafka_acls --add --allow-principal "User:$user" --topic '*' --operation Create --operation Delete \
        --operation Describe --operation Alter --operation DescribeConfigs --operation AlterConfigs >/dev/null
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin create namespace "$opns" >/dev/null
kube_admin create namespace "$ns" >/dev/null
# the chart's admission policy lets a namespace claim only the domains its annotation names
kube_admin annotate namespace "$ns" "specmesh.io/domains=$BDL" >/dev/null
# cluster-scoped objects of the chart left by an interrupted run (or deploy/60-tenant-roles.yaml
# applied by another suite) would make `helm install` refuse to adopt them
kube_admin delete clusterrole dataproduct-editor dataproduct-viewer --ignore-not-found >/dev/null
kube_admin delete validatingadmissionpolicybinding,validatingadmissionpolicy "$rel-dataproducts" \
        --ignore-not-found >/dev/null 2>&1 || true
kube_admin delete clusterrolebinding,clusterrole "$rel" "$rel-meshpolicies" --ignore-not-found >/dev/null
cat >"$work/kafka.properties" <<P
bootstrap.servers=127.0.0.1:$KAFKA_PORT
security.protocol=SASL_PLAINTEXT
sasl.mechanisms=SCRAM-SHA-512
sasl.username=$user
sasl.password=$pass
P
secret() { # NAMESPACE NAME
        kube_admin create secret generic "$2" -n "$1" --from-file=kafka.properties="$work/kafka.properties" \
                --from-literal=registry-url="$SPECMESH_REGISTRY_URL" --dry-run=client -o yaml |
                kube_admin apply -f - >/dev/null
}
secret "$opns" kafka-connection

step "helm install specmesh helm/specmesh -> two pods Running and Ready on two nodes"
# only what this test cluster needs (no pod network, no kube-proxy) plus this run's namespaces
cat >"$work/values.yaml" <<Y
image: {pullPolicy: Never}
connection: {existingSecret: kafka-connection}
operator: {watchNamespaces: [$ns], logFormat: text}
hostNetwork: true
metrics: {port: $PORT, bindAddress: "\$(POD_IP)"}
updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}
extraEnv:
  - {name: KUBERNETES_SERVICE_HOST, value: "127.0.0.1"}
  - {name: KUBERNETES_SERVICE_PORT, value: "$APISERVER_PORT"}
Y
t=$(date +%s)
helm install "$rel" "$root/helm/specmesh" -n "$opns" -f "$work/values.yaml" --wait --timeout 120s >"$work/notes.txt" ||
        { kube_admin get pods -n "$opns" -o wide; kube_admin describe pods -n "$opns" | tail -30; t_fail "helm install"; }
ready2() { [ "$(kube_admin get deploy -n "$opns" "$rel" -o jsonpath='{.status.readyReplicas}')" = 2 ]; }
wait_for 90 "both replicas Ready" ready2 # --wait counts maxUnavailable as enough
echo "helm install -> two Ready pods: $(($(date +%s) - t))s"
pods() { kube_admin get pods -n "$opns" -l app.kubernetes.io/instance=$rel -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.nodeName}{" "}{.status.phase}{" "}{.status.containerStatuses[0].ready}{"\n"}{end}'; }
pods | tee "$work/pods"
t_assert_eq "$(grep -c ' Running true$' "$work/pods")" 2 "two pods Running and Ready"
t_assert_eq "$(awk '{print $2}' "$work/pods" | sort -u | wc -l)" 2 "spread over both nodes (podAntiAffinity)"
p1=$(head -1 "$work/pods" | cut -d' ' -f1)
t_assert_eq "$(kube_admin get pod -n "$opns" "$p1" -o jsonpath='{.spec.containers[0].image}')" "$repo:$tag" "the chart's image"
t_assert_match "$(kube_admin get pod -n "$opns" "$p1" -o jsonpath='{.status.containerStatuses[0].imageID}')" "sha256:" "image from the node's containerd"
t_assert_match "$(kube_admin get pod -n "$opns" "$p1" -o jsonpath='{.spec.volumes[*].projected.sources[*].serviceAccountToken.expirationSeconds}')" \
        "^[0-9]+$" "a projected, expiring ServiceAccount token"
t_assert_eq "$(kube_admin get pod -n "$opns" "$p1" -o jsonpath='{.spec.containers[0].args}' | grep -c kubeconfig || true)" 0 "no kubeconfig: in-cluster credentials"
t_assert_match "$(kube_admin logs -n "$opns" "$p1" | head -5)" "." "kubectl logs reaches the kubelet"
uid=$(kube_admin get pod -n "$opns" "$p1" -o jsonpath='{.status.containerStatuses[0].user.linux.uid}' 2>/dev/null || true)
echo "pod user: ${uid:-(not reported by this containerd)}; RSS per pod (kubelet /stats/summary):"
# the apiserver's node proxy refuses loopback addresses: ask each kubelet itself
for ip in $(kube_admin get nodes -o jsonpath='{.items[*].status.addresses[?(@.type=="InternalIP")].address}'); do
        curl -sk "https://$ip:10250/stats/summary" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["pods"]:
    if p["podRef"]["name"].startswith("'"$rel"'-") or p["podRef"]["name"].startswith("'"$rel"'"):
        for c in p.get("containers", []):
            print("  %s/%s rss=%.1f MiB working_set=%.1f MiB" % (p["podRef"]["name"], c["name"],
                  c["memory"].get("rssBytes", 0) / 2**20, c["memory"].get("workingSetBytes", 0) / 2**20))'
done
holder() { kube_admin get lease -n "$opns" "$rel" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
has_holder() { [ -n "$(holder)" ]; }
wait_for 30 "a leader" has_holder
leader=$(holder)
t_assert_match "$leader" "^$rel-" "the Lease (named after the release) is held by a pod"
podip() { kube_admin get pod -n "$opns" "$1" -o jsonpath='{.status.podIP}'; }
t_assert_match "$(curl -s "http://$(podip "$leader"):$PORT/readyz")" "^ok$" "leader /readyz (on its pod IP)"
t_assert_eq "$(curl -s "http://$(podip "$leader"):$PORT/metrics" | awk '$1 == "specmesh_leader" {print $2}')" 1 "leader gauge"

step "a DataProduct applied with kubectl becomes Ready (SCRAM-SHA-512 from the pod)"
cp -r "$root/examples/." "$work/"
manifest() { "$SM" manifest "$work/bigdatalondon/asyncapi.yaml" --name bigdatalondon --namespace "$ns"; }
manifest | kube_admin apply -f - >/dev/null
kube_admin wait --for=condition=Ready dp/bigdatalondon -n "$ns" --timeout=90s >/dev/null ||
        { kube_admin get dp -n "$ns" -o yaml | tail -20; kube_admin logs -n "$opns" "$leader" | tail -20; t_fail "not Ready"; }
t_assert_eq "$(kafka_partitions "$PURCHASE")" 6 "partitions of $PURCHASE (kcat)"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 3 "partitions of $ATTENDEE (kcat)"
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 14 "ACL bindings of $BDL (kafka-acls)"
t_assert_eq "$(registry_latest_version "$ATTENDEE-value")" 1 "subject $ATTENDEE-value (registry REST)"
t_assert_match "$(kube_admin logs -n "$opns" "$leader")" "applied" "the leader applied it"

step "kubectl delete pod <leader> -> the other pod takes the Lease and applies an edit"
kube_admin delete pod -n "$opns" "$leader" --wait=false >/dev/null
t=$(date +%s)
new_leader() { local h; h=$(holder); [ -n "$h" ] && [ "$h" != "$leader" ]; }
wait_for 40 "another pod to take the Lease" new_leader
echo "Lease taken over after $(($(date +%s) - t))s by $(holder)"
sed -i '0,/partitions: 3/s//partitions: 4/' "$work/bigdatalondon/asyncapi.yaml"
manifest | kube_admin apply -f - >/dev/null
eventually 60 4 "edit applied by the new leader" kafka_partitions "$ATTENDEE"
wait_for 60 "two Ready pods again" ready2

step "helm upgrade with a changed value rolls the pods; an edit made during the roll lands"
old_rs=$(kube_admin get pods -n "$opns" -l app.kubernetes.io/instance=$rel -o jsonpath='{.items[0].metadata.labels.pod-template-hash}')
helm upgrade "$rel" "$root/helm/specmesh" -n "$opns" -f "$work/values.yaml" --set operator.resyncSeconds=120 \
        --wait=false >/dev/null
sed -i '0,/partitions: 4/s//partitions: 5/' "$work/bigdatalondon/asyncapi.yaml"
manifest | kube_admin apply -f - >/dev/null
kube_admin rollout status deploy/"$rel" -n "$opns" --timeout=120s >/dev/null
new_rs=$(kube_admin get deploy -n "$opns" "$rel" -o jsonpath='{.spec.template.spec.containers[0].args}')
t_assert_match "$new_rs" "--resync=120s" "the new value is in the pods' args"
t_assert_eq "$(kube_admin get pods -n "$opns" -l "pod-template-hash=$old_rs" -o name | wc -l)" 0 "old pods replaced"
eventually 60 5 "the edit made during the roll" kafka_partitions "$ATTENDEE"
wait_for 30 "a leader after the roll" has_holder

step "helm uninstall leaves the CRD and the DataProduct (with its finalizer)"
helm uninstall "$rel" -n "$opns" --wait --timeout 60s >/dev/null
t_assert_eq "$(kube_admin get crd dataproducts.specmesh.io -o name)" customresourcedefinition.apiextensions.k8s.io/dataproducts.specmesh.io "CRD kept"
t_assert_eq "$(kube_admin get dp -n "$ns" bigdatalondon -o jsonpath='{.metadata.finalizers[0]}')" specmesh.io/finalizer "DataProduct kept, finalizer still on"
pods_gone() { [ -z "$(kube_admin get pods -n "$opns" -o name)" ]; }
wait_for 60 "the operator pods to go" pods_gone

step "deploy/ as plain manifests: the same operator picks the DataProduct up"
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" -f "$root/deploy/20-rbac.yaml" >/dev/null
# the restricted Pod Security level refuses hostNetwork, which this cluster needs (no pod network)
kube_admin label ns specmesh-system pod-security.kubernetes.io/enforce=privileged --overwrite >/dev/null
secret specmesh-system specmesh-connection
kube_admin delete lease specmesh-operator -n specmesh-system --ignore-not-found >/dev/null
c=/spec/template/spec/containers/0
patch=$(cat <<J
[{"op": "add", "path": "/spec/template/spec/hostNetwork", "value": true},
 {"op": "add", "path": "/spec/template/spec/dnsPolicy", "value": "ClusterFirstWithHostNet"},
 {"op": "add", "path": "/spec/strategy", "value": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}},
 {"op": "replace", "path": "$c/imagePullPolicy", "value": "Never"},
 {"op": "replace", "path": "$c/args", "value": ["operator", "--leader-elect", "--identity=\$(POD_NAME)", "--metrics-addr=\$(POD_IP):$PORT"]},
 {"op": "replace", "path": "$c/ports", "value": [{"name": "http", "containerPort": $PORT}]},
 {"op": "add", "path": "$c/env/-", "value": {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}},
 {"op": "add", "path": "$c/env/-", "value": {"name": "KUBERNETES_SERVICE_HOST", "value": "127.0.0.1"}},
 {"op": "add", "path": "$c/env/-", "value": {"name": "KUBERNETES_SERVICE_PORT", "value": "$APISERVER_PORT"}}]
J
)
kube_admin patch --local -f "$root/deploy/40-deployment.yaml" --type=json -p "$patch" -o yaml | kube_admin apply -f - >/dev/null
kube_admin rollout status deploy/specmesh-operator -n specmesh-system --timeout=120s >/dev/null ||
        { kube_admin describe pods -n specmesh-system | tail -30; t_fail "deploy/ pods not Ready"; }
t_assert_eq "$(kube_admin get deploy specmesh-operator -n specmesh-system -o jsonpath='{.status.readyReplicas}')" 2 "two Ready pods from deploy/"
sed -i '0,/partitions: 5/s//partitions: 6/' "$work/bigdatalondon/asyncapi.yaml"
manifest | kube_admin apply -f - >/dev/null
eventually 60 6 "an edit applied by deploy/'s operator" kafka_partitions "$ATTENDEE"
kube_admin delete dp bigdatalondon -n "$ns" --timeout=60s >/dev/null
t_assert_eq "$(kube_admin get dp -n "$ns" -o name | wc -l)" 0 "the finalizer ran: DataProduct gone"
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 0 "its ACLs removed (Retain keeps topics)"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 6 "topic kept under Retain"
t_done
