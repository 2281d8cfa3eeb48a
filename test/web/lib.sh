# Helpers for tests that look at the catalogue as people do: headless Chromium (Debian's
# `chromium`, installed by e2e/bootstrap) and the npm packages of the Backstage schema check,
# cached outside the work tree. Source it.

# web_npm: install (once) and print the NODE_PATH holding @backstage/catalog-model and ajv
web_npm() {
        local dir=${XDG_CACHE_HOME:-$HOME/.cache}/specmesh/npm-web
        mkdir -p "$dir"
        if [ ! -f "$dir/node_modules/@backstage/catalog-model/package.json" ] ||
                [ ! -f "$dir/node_modules/ajv/package.json" ]; then
                [ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
                timeout 600 npm install --prefix "$dir" --no-audit --no-fund --silent \
                        @backstage/catalog-model@1.10.3 ajv@8.20.0 >&2 || return 1
        fi
        echo "$dir/node_modules"
}

# web_chromium ARGS... URL: one headless Chromium run with a fresh profile, bounded in time;
# no network but what the URL names (all of it on 127.0.0.1)
web_chromium() {
        local profile rc
        profile=$(mktemp -d)
        timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
                --disable-background-networking --disable-component-update --disable-sync \
                --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" "$@" \
                2> >(grep -v -e 'dbus' -e 'Fontconfig' -e 'unexpected operator' -e '^$' >&2)
        rc=$?
        rm -rf "$profile"
        return $rc
}
web_dom() { web_chromium --dump-dom "$1"; }                                     # URL
web_shot() { web_chromium --window-size="${3:-1400,1000}" --screenshot="$2" "$1" >/dev/null; } # URL PNG [W,H]
