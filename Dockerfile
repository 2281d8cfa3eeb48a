# syntax=docker/dockerfile:1
# specmesh: the operator and CLI in one small image.
#
#   docker build -t ghcr.io/specmesh-operator/specmesh:0.1.0 .            (or podman build)
#   e2e/image/build        the same image from Debian packages only, without pulling anything
#
# Build stage and runtime libraries are Debian trixie (librdkafka 2.8.0: SCRAM against Kafka 4.x,
# IncrementalAlterConfigs). The runtime stage is FROM scratch: the binary, exactly the shared
# libraries it links (with their Debian copyright files and dpkg records, so image scanners see
# the packages), the CA bundle and a passwd entry for the numeric non-root user. No shell.
ARG BASE=debian:trixie-slim

FROM ${BASE} AS build
# Install only what the base lacks: with a base that already has the packages (e2e/image/build
# makes one with mmdebstrap) this step needs no network.
ARG PKGS="build-essential cmake ninja-build pkg-config ca-certificates libcurl4-openssl-dev \
libyaml-dev libjson-c-dev librdkafka-dev libssl-dev libcriterion-dev libmicrohttpd-dev \
libgraphviz-dev python3"
RUN missing=""; for p in $PKGS; do \
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"; \
    done; \
    if [ -n "$missing" ]; then \
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing && \
        rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
COPY CMakeLists.txt CMakePresets.json ./
COPY pkg pkg
COPY operator operator
COPY test test
COPY examples examples
COPY e2e/bench/floor.c e2e/bench/floor.c
# The unit and CLI tests (python3: the CLI tests read JSON) run against trixie's libraries
# (RUN_TESTS=0 skips them).
ARG RUN_TESTS=1
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPECMESH_BENCH=OFF \
        -DSPECMESH_TESTS=$([ "$RUN_TESTS" = 1 ] && echo ON || echo OFF) && \
    cmake --build /build --parallel 2 && \
    if [ "$RUN_TESTS" = 1 ]; then ctest --test-dir /build --output-on-failure; fi && \
    strip --strip-unneeded -o /specmesh /build/specmesh
# The runtime file system: merged-/usr layout, the binary's shared-library closure, CA bundle.
RUN set -e; r=/rootfs; \
    mkdir -p $r/usr/bin $r/usr/lib $r/usr/lib64 $r/etc/ssl/certs $r/var/lib/dpkg/status.d \
             $r/usr/share/doc $r/tmp; \
    ln -s usr/lib $r/lib; ln -s usr/lib64 $r/lib64; ln -s usr/bin $r/bin; chmod 1777 $r/tmp; \
    cp /specmesh $r/usr/bin/specmesh; \
    gvp=$(pkg-config --variable=libdir libgvc)/graphviz; \
    plugins="$gvp/libgvplugin_dot_layout.so.6 $gvp/libgvplugin_core.so.6"; \
    libs=$(for f in /specmesh $plugins; do ldd "$f"; done | \
           sed -nE 's#.*=> (/[^ ]+) .*#\1#p; s#^\s*(/[^ ]+) \(.*#\1#p' | sort -u); \
    libs="$libs $plugins"; \
    for l in $libs; do cp -L --parents "$l" $r/; done; \
    for f in $libs /etc/ssl/certs/ca-certificates.crt; do \
        dpkg -S "$(realpath "$f")" 2>/dev/null || dpkg -S "$f" 2>/dev/null || true; \
    done | cut -d: -f1 | sort -u >/pkgs; \
    echo ca-certificates >>/pkgs; \
    for p in $(sort -u /pkgs); do \
        dpkg-query -s "$p" >$r/var/lib/dpkg/status.d/$p; \
        mkdir -p $r/usr/share/doc/$p; cp /usr/share/doc/$p/copyright $r/usr/share/doc/$p/; \
    done; \
    cp /etc/ssl/certs/ca-certificates.crt $r/etc/ssl/certs/; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nspecmesh:x:65532:65532:specmesh:/nonexistent:/sbin/nologin\n' >$r/etc/passwd; \
    printf 'root:x:0:\nspecmesh:x:65532:\n' >$r/etc/group; \
    printf 'hosts: files dns\n' >$r/etc/nsswitch.conf; \
    chroot $r /usr/bin/specmesh --version

FROM scratch
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="specmesh" \
      org.opencontainers.image.description="Specification-driven data mesh on Apache Kafka: the DataProduct operator and CLI" \
      org.opencontainers.image.source="https://github.com/specmesh-operator/specmesh" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="scratch (libraries from debian:trixie)"
COPY --from=build /rootfs/ /
# Numeric, so that runAsNonRoot can be verified by the kubelet; OpenShift's restricted SCC may
# replace it with an arbitrary UID, which works too (nothing in the image is owned by it).
USER 65532:65532
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
EXPOSE 8080
ENTRYPOINT ["/usr/bin/specmesh"]
CMD ["operator", "--help"]
