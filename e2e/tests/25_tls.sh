#!/usr/bin/env bash
# End-to-end: every connection mode of a production Kafka and registry, each against the real
# listener of the local stack (e2e/stack/up; certificates from e2e/stack/certs):
#   SSL with a client certificate (:19095): PEM files, PEM strings, PKCS#12 -> plan/apply/export
#   SASL_SSL + PLAIN (:19094)                                               -> plan/apply/export
#   SASL_SSL + SCRAM-SHA-512 (:19094): our own client authenticates (quota_probe); the librdkafka
#     path works with librdkafka >= 2.6.1 and is refused in one clear line with older ones
#   a wrong CA, an expired client certificate, a host-name mismatch, a wrong SASL password and a
#     wrong key password: one line each, nothing written
#   the registry over HTTPS (nginx :18443-18445): basic auth, bearer token, client certificate;
#     a wrong password is refused and nothing is written
#   the operator over SSL + PKCS#12 with the registry over HTTPS + basic auth; no secret in its
#     log, the DataProduct's status or its events; a key it cannot honour stops it at start-up
#   deploy/tls/ validated by the real API server
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
PROBE=${QUOTA_PROBE:-$(dirname "$SM")/quota_probe}
tls=$SPECMESH_STACK_STATE/tls
work=$(mktemp -d)
ns=tls-$$-$RANDOM
pid=""
SECRETS=(admin-secret changeit registry-secret registry-token-0123456789 scram-admin-secret)
DOMAINS=(e2e.tls.pem e2e.tls.strings e2e.tls.pkcs e2e.tls.plain e2e.tls.scram e2e.tls.bad
        e2e.tls.bearer e2e.tls.mtlsreg e2e.tls.operator)

cleanup() {
        [ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
        kube_admin patch dp -n "$ns" tlsop --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
        kube_admin delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
        e2e_forget_domain "${DOMAINS[@]}"
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
cleanup >/dev/null 2>&1 || true
work=$(mktemp -d)

# spec DOMAIN: a small data product (one public topic with an Avro schema) in $work/DOMAIN/
spec() {
        local d=$1 dir=$work/$1
        mkdir -p "$dir/schema"
        cat >"$dir/schema/$d._public.events.avsc" <<A
{"type": "record", "name": "Event", "namespace": "$d", "fields": [{"name": "id", "type": "string"}]}
A
        cat >"$dir/asyncapi.yaml" <<Y
asyncapi: '2.5.0'
id: 'urn:${d//./:}'
info: {title: TLS e2e, version: '1.0.0'}
channels:
  _public/events:
    bindings: {kafka: {partitions: 2, replicas: 1}}
    publish:
      message:
        payload:
          \$ref: '/schema/$d._public.events.avsc'
Y
        echo "$dir/asyncapi.yaml"
}
# props FILE KEY=VALUE...: a properties file in $work
props() {
        local f=$work/$1
        shift
        printf '%s\n' "$@" >"$f"
        echo "$f"
}
reg_basic=$(props reg-basic.properties \
        "schema.registry.url=https://127.0.0.1:18443/apis/ccompat/v7" \
        basic.auth.credentials.source=USER_INFO basic.auth.user.info=registry-admin:registry-secret \
        "schema.registry.ssl.truststore.location=$tls/ca.crt")
# roundtrip WHAT DOMAIN KAFKA-PROPS [REGISTRY-PROPS]: plan (2), apply, plan (0), export; the topic
# and the subject checked with independent tools
roundtrip() {
        local what=$1 d=$2 kp=$3 rp=${4:-$reg_basic} s rc=0
        s=$(spec "$d")
        "$SM" plan --kafka-config "$kp" --registry-config "$rp" "$s" >"$work/$d.plan" 2>&1 || rc=$?
        t_assert_eq "$rc" 2 "$what: plan exit code (changes pending)"
        "$SM" apply --kafka-config "$kp" --registry-config "$rp" "$s" >"$work/$d.apply" 2>&1 ||
                t_fail "$what: apply failed: $(cat "$work/$d.apply")"
        t_assert_eq "$(kafka_partitions "$d._public.events")" 2 "$what: topic in Kafka (kcat)"
        t_assert_eq "$(registry_latest_version "$d._public.events-value")" 1 "$what: subject in the registry"
        rc=0
        "$SM" plan --kafka-config "$kp" --registry-config "$rp" "$s" >/dev/null 2>&1 || rc=$?
        t_assert_eq "$rc" 0 "$what: plan after apply: no changes"
        "$SM" export --kafka-config "$kp" --registry-config "$rp" --domain "$d" >"$work/$d.export" 2>&1 ||
                t_fail "$what: export failed: $(cat "$work/$d.export")"
        grep -q "_public/events\|$d._public.events" "$work/$d.export" || t_fail "$what: export lacks the topic"
}
# refused WHAT DOMAIN KAFKA-PROPS REGEX [REGISTRY-PROPS]: apply fails with exactly one line on
# stderr matching REGEX, and neither the topic nor the subject exists
refused() {
        local what=$1 d=$2 kp=$3 re=$4 rp=${5:-$reg_basic} s rc=0
        s=$(spec "$d")
        "$SM" apply --kafka-config "$kp" --registry-config "$rp" "$s" >"$work/out" 2>"$work/err" || rc=$?
        t_assert_eq "$rc" 1 "$what: exit code"
        t_assert_eq "$(grep -c . "$work/err")" 1 "$what: one line on stderr"
        t_assert_match "$(cat "$work/err")" "$re" "$what: the line says why"
        t_assert_eq "$(kafka_partitions "$d._public.events")" "" "$what: no topic written"
        t_assert_eq "$(registry_latest_version "$d._public.events-value")" "" "$what: no subject written"
        no_secret "$what" "$work/out" "$work/err"
}
# no_secret WHAT FILE...: none of the stack's passwords or tokens appears in the files
no_secret() {
        local what=$1 s
        shift
        for s in "${SECRETS[@]}"; do
                if grep -qF -- "$s" "$@"; then t_fail "$what: a secret ($s) appears in $*"; fi
        done
        T_CHECKS=$((T_CHECKS + 1))
        printf 'ok: %s: no secret in the output\n' "$what"
}

mtls=(bootstrap.servers=127.0.0.1:19095 security.protocol=SSL "ssl.ca.location=$tls/ca.crt")
step "SSL with a client certificate (principal User:CN=admin), PEM files with an encrypted key"
roundtrip "mTLS, PEM files" e2e.tls.pem "$(props pem.properties "${mtls[@]}" \
        "ssl.certificate.location=$tls/admin.crt" "ssl.key.location=$tls/admin-enc.key" \
        ssl.key.password=changeit)"

step "SSL with a client certificate as PEM strings (one line each, and a continued line)"
pemline() { tr '\n' ' ' <"$1"; }
f=$(props strings.properties bootstrap.servers=127.0.0.1:19095 security.protocol=SSL \
        "ssl.ca.pem=$(pemline "$tls/ca.crt")" "ssl.certificate.pem=$(pemline "$tls/admin.crt")")
{
        printf 'ssl.key.pem='
        sed 's/$/ \\/' "$tls/admin.key"
        echo
} >>"$f"
roundtrip "mTLS, PEM strings" e2e.tls.strings "$f"

step "SSL with a client certificate as PKCS#12"
p12=$(props p12.properties "${mtls[@]}" "ssl.keystore.location=$tls/admin.p12" ssl.keystore.password=changeit)
roundtrip "mTLS, PKCS#12" e2e.tls.pkcs "$p12"

step "SASL_SSL + PLAIN"
roundtrip "SASL_SSL PLAIN" e2e.tls.plain "$(props plain.properties bootstrap.servers=localhost:19094 \
        security.protocol=SASL_SSL sasl.mechanisms=PLAIN sasl.username=admin \
        sasl.password=admin-secret "ssl.ca.location=$tls/ca.crt")"

step "SASL_SSL + SCRAM-SHA-512: our own client authenticates"
scram=$(props scram.properties bootstrap.servers=127.0.0.1:19094 security.protocol=SASL_SSL \
        sasl.mechanisms=SCRAM-SHA-512 sasl.username=scram-admin sasl.password=scram-admin-secret \
        "ssl.ca.location=$tls/ca.crt")
out=$("$PROBE" "$scram" describe e2e.tls.scram 2>&1; echo "rc=$?")
t_assert_eq "$out" "$(printf 'none\nrc=0')" "quota_probe over SASL_SSL SCRAM-SHA-512"
scram256=$(props scram256.properties bootstrap.servers=127.0.0.1:19094 security.protocol=SASL_SSL \
        sasl.mechanisms=SCRAM-SHA-256 sasl.username=scram-admin sasl.password=scram-admin-secret \
        "ssl.ca.location=$tls/ca.crt")
out=$("$PROBE" "$scram256" describe e2e.tls.scram 2>&1; echo "rc=$?")
t_assert_eq "$out" "$(printf 'none\nrc=0')" "quota_probe over SASL_SSL SCRAM-SHA-256"

rdver=$(pkg-config --modversion rdkafka)
if [ "$(printf '%s\n2.6.1\n' "$rdver" | sort -V | head -1)" = 2.6.1 ]; then
        step "SASL_SSL + SCRAM-SHA-512 with librdkafka $rdver: plan/apply/export"
        roundtrip "SASL_SSL SCRAM-SHA-512" e2e.tls.scram "$scram"
else
        step "SASL_SSL + SCRAM-SHA-512 with librdkafka $rdver against Kafka 4.x: refused, saying why"
        refused "SCRAM, librdkafka $rdver" e2e.tls.scram "$scram" \
                "^specmesh apply: kafka 127.0.0.1:19094: SCRAM-SHA-512 cannot authenticate against Kafka 4.x with librdkafka $rdver .*fixed in 2.6.1.*PLAIN or a client certificate \(mTLS\).*trixie \(librdkafka 2.8.0\)$"
fi

step "failures: one line each, nothing written"
refused "a wrong CA" e2e.tls.bad "$(props wrongca.properties bootstrap.servers=127.0.0.1:19095 \
        security.protocol=SSL "ssl.ca.location=$tls/other-ca.crt" \
        "ssl.keystore.location=$tls/admin.p12" ssl.keystore.password=changeit)" \
        "kafka 127.0.0.1:19095: TLS: broker certificate refused: (unable to get local issuer certificate|self-signed)"
refused "an expired client certificate" e2e.tls.bad "$(props expired.properties "${mtls[@]}" \
        "ssl.certificate.location=$tls/expired.crt" "ssl.key.location=$tls/expired.key")" \
        "kafka config ssl.certificate.location: the client certificate expired on Jan  2 00:00:00 2020 GMT"
refused "a host-name mismatch" e2e.tls.bad "$(props wronghost.properties \
        bootstrap.servers=localhost:19096 security.protocol=SSL "ssl.ca.location=$tls/ca.crt" \
        "ssl.keystore.location=$tls/admin.p12" ssl.keystore.password=changeit)" \
        "kafka localhost:19096: TLS: broker certificate refused: hostname mismatch"
refused "a wrong SASL password" e2e.tls.bad "$(props badpass.properties \
        bootstrap.servers=127.0.0.1:19094 security.protocol=SASL_SSL sasl.mechanisms=PLAIN \
        sasl.username=admin sasl.password=not-the-password "ssl.ca.location=$tls/ca.crt")" \
        "kafka 127.0.0.1:19094: authentication failed: .*(Invalid username or password|[Aa]uthentication failed)"
refused "a wrong key password" e2e.tls.bad "$(props badkey.properties "${mtls[@]}" \
        "ssl.certificate.location=$tls/admin.crt" "ssl.key.location=$tls/admin-enc.key" \
        ssl.key.password=wrong)" \
        "kafka config ssl.key.location: cannot read the private key: is ssl.key.password right"
refused "no client certificate on the mTLS listener" e2e.tls.bad "$(props nocert.properties "${mtls[@]}")" \
        "kafka 127.0.0.1:19095: .*(TLS|closed|reset)"
refused "a key our clients cannot honour" e2e.tls.bad "$(props crl.properties "${mtls[@]}" \
        ssl.crl.location=/etc/crl.pem)" "kafka config ssl.crl.location: not supported"

step "the registry over HTTPS: a bearer token, and a client certificate (PKCS#12) + basic auth"
roundtrip "registry bearer token" e2e.tls.bearer "$p12" "$(props reg-bearer.properties \
        "schema.registry.url=https://localhost:18444/apis/ccompat/v7" \
        bearer.auth.credentials.source=STATIC_TOKEN bearer.auth.token=registry-token-0123456789 \
        "schema.registry.ssl.truststore.certificates=$(pemline "$tls/ca.crt")")"
roundtrip "registry mTLS + basic" e2e.tls.mtlsreg "$p12" "$(props reg-mtls.properties \
        "schema.registry.url=https://127.0.0.1:18445/apis/ccompat/v7" \
        basic.auth.credentials.source=USER_INFO basic.auth.user.info=registry-admin:registry-secret \
        "schema.registry.ssl.truststore.location=$tls/ca.crt" \
        "schema.registry.ssl.keystore.location=$tls/admin.p12" schema.registry.ssl.keystore.type=PKCS12 \
        schema.registry.ssl.keystore.password=changeit)"

step "the registry: a wrong password, a wrong token, no client certificate, a wrong CA"
refused "registry wrong password" e2e.tls.bad "$p12" "schema registry https://127.0.0.1:18443/apis/ccompat/v7: .*401" \
        "$(props reg-badpass.properties "schema.registry.url=https://127.0.0.1:18443/apis/ccompat/v7" \
                basic.auth.credentials.source=USER_INFO basic.auth.user.info=registry-admin:wrong-password \
                "schema.registry.ssl.truststore.location=$tls/ca.crt")"
grep -q wrong-password "$work/err" && t_fail "the wrong password appears in the message"
refused "registry wrong token" e2e.tls.bad "$p12" "schema registry https://localhost:18444/apis/ccompat/v7: .*401" \
        "$(props reg-badtoken.properties "schema.registry.url=https://localhost:18444/apis/ccompat/v7" \
                bearer.auth.token=not-the-token "schema.registry.ssl.truststore.location=$tls/ca.crt")"
refused "registry without its client certificate" e2e.tls.bad "$p12" "schema registry https://127.0.0.1:18445/apis/ccompat/v7: .*400" \
        "$(props reg-nocert.properties "schema.registry.url=https://127.0.0.1:18445/apis/ccompat/v7" \
                basic.auth.user.info=registry-admin:registry-secret \
                "schema.registry.ssl.truststore.location=$tls/ca.crt")"
refused "registry wrong CA" e2e.tls.bad "$p12" "schema registry https://127.0.0.1:18443/apis/ccompat/v7: tls: .*certificate" \
        "$(props reg-badca.properties "schema.registry.url=https://127.0.0.1:18443/apis/ccompat/v7" \
                basic.auth.user.info=registry-admin:registry-secret \
                "schema.registry.ssl.truststore.location=$tls/other-ca.crt")"

step "the operator over SSL (PKCS#12) with the registry over HTTPS + basic auth"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null
env -u SPECMESH_REGISTRY_URL SPECMESH_KAFKA_CONFIG="$p12" SPECMESH_REGISTRY_CONFIG="$reg_basic" \
        "$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" \
        --metrics-addr 127.0.0.1:18449 --resync 5 --log-level debug >"$work/operator.log" 2>&1 &
pid=$!
"$SM" manifest "$(spec e2e.tls.operator)" --name tlsop --namespace "$ns" >"$work/tlsop.yaml"
kube_admin apply -f "$work/tlsop.yaml" >/dev/null
kube_admin wait --for=condition=Ready dp/tlsop -n "$ns" --timeout=60s >/dev/null ||
        t_fail "the operator did not make tlsop Ready: $(tail -5 "$work/operator.log")"
t_assert_eq "$(kafka_partitions e2e.tls.operator._public.events)" 2 "operator: topic in Kafka"
t_assert_eq "$(registry_latest_version e2e.tls.operator._public.events-value)" 1 "operator: subject in the registry"
kube_admin get dp -n "$ns" tlsop -o yaml >"$work/tlsop-status.yaml"
kube_admin get events -n "$ns" -o yaml >"$work/events.yaml"
no_secret "operator log, status and events" "$work/operator.log" "$work/tlsop-status.yaml" "$work/events.yaml"
kill -TERM "$pid" && wait "$pid" || true
pid=""

step "the operator refuses a key it cannot honour at start-up, naming it"
rc=0
SPECMESH_KAFKA_CONFIG=$(props op-bad.properties "${mtls[@]}" ssl.truststore.location=/x.jks) \
        timeout 20 "$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" \
        --metrics-addr 0 >"$work/op-bad.log" 2>&1 || rc=$?
t_assert_eq "$rc" 1 "operator exit code"
t_assert_match "$(cat "$work/op-bad.log")" "kafka config ssl.truststore.location: a Java client key; use ssl.ca.location" "the line names the key"

step "deploy/tls: the Secrets and the patched Deployment pass the real API server's validation"
for f in "$root"/deploy/tls/30-*.yaml; do
        kube_admin apply --dry-run=server -f "$f" >/dev/null || t_fail "$f refused"
done
kubectl patch --local -f "$root/deploy/40-deployment.yaml" --type strategic \
        --patch-file "$root/deploy/tls/40-deployment-patch.yaml" -o yaml >"$work/deploy-tls.yaml"
kube_admin apply --dry-run=server -f "$work/deploy-tls.yaml" >/dev/null || t_fail "the patched Deployment was refused"
t_assert_match "$(grep -c 'mountPath: /etc/kafka-ca\|mountPath: /etc/kafka-user\|mountPath: /etc/specmesh-registry' "$work/deploy-tls.yaml")" '^3$' "three TLS mounts"
t_assert_match "$(cat "$work/deploy-tls.yaml")" "SPECMESH_REGISTRY_CONFIG" "the registry config env"
t_done
