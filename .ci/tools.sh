#!/usr/bin/env bash
# Installs the build and test tools of PIM Approvals, each only when it is missing or at another
# version (so a second run is quick). Used by the Makefile: `.ci/tools.sh rust trunk wasm-bindgen ...`.
#
#   rust          rustup target wasm32-unknown-unknown, components rustfmt and clippy
#   trunk         trunk $TRUNK_VERSION (cargo install --locked; ~10 minutes the first time)
#   wasm-bindgen  wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock
#                 (also provides wasm-bindgen-test-runner)
#   npm           the npm tools pinned by .ci/tools/package.json + package-lock.json, installed with
#                 `npm ci` into .tools/npm (git-ignored): wasm-opt (binaryen; `make` puts
#                 .tools/npm/node_modules/.bin first on PATH) and axe-core (e2e accessibility checks).
#                 `wasm-opt` is another name for this step.
#   browser       Debian chromium + chromium-driver (apt-get; sudo only when not root)
#   brotli        a brotli compressor for `make size` (Debian brotli, or python3's brotli module)
#
# Only the package registries are used (crates.io, npm, Debian): nothing is downloaded from GitHub.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="${TRUNK_VERSION:-0.21.14}"
NPM_TOOLS="$ROOT/.tools/npm"
export PATH="$NPM_TOOLS/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'tools: %s\n' "$*" >&2; exit 1; }

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but not on PATH ($2)"
}

apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        need sudo "install the Debian packages $* yourself, or run as root"
        sudo=(sudo)
    fi
    say "apt-get install $*"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# The wasm-bindgen version in Cargo.lock (wasm-bindgen-cli must match it exactly).
wasm_bindgen_version() {
    grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"$/\1/p'
}

# The binaryen major version pinned in .ci/tools/package-lock.json (wasm-opt reports "version_N").
wasm_opt_version() {
    sed -n '/"node_modules\/binaryen"/,/}/s/.*"version": *"\([0-9]*\)\..*/\1/p' \
        "$ROOT/.ci/tools/package-lock.json" | head -n1
}

tool_rust() {
    need rustup "install Rust with rustup"
    need cargo "install Rust with rustup"
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "rustup target add wasm32-unknown-unknown"
        rustup target add wasm32-unknown-unknown
    fi
    local installed
    installed="$(rustup component list --installed)"
    for component in rustfmt clippy; do
        if ! grep -q "^$component" <<<"$installed"; then
            say "rustup component add $component"
            rustup component add "$component"
        fi
    done
}

tool_trunk() {
    need cargo "install Rust with rustup"
    if [ "$(trunk --version 2>/dev/null || true)" = "trunk $TRUNK_VERSION" ]; then
        return
    fi
    say "cargo install --locked trunk --version $TRUNK_VERSION (about 10 minutes the first time)"
    cargo install --locked trunk --version "$TRUNK_VERSION"
}

tool_wasm_bindgen() {
    need cargo "install Rust with rustup"
    local version
    version="$(wasm_bindgen_version)"
    [ -n "$version" ] || die "no wasm-bindgen in Cargo.lock"
    if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $version" ] &&
        [ "$(wasm-bindgen-test-runner --version 2>/dev/null || true)" = "wasm-bindgen-test-runner $version" ]; then
        return
    fi
    # Not --locked: wasm-bindgen-cli's own lock file may need a newer rustc than ours.
    say "cargo install wasm-bindgen-cli --version =$version"
    cargo install --force wasm-bindgen-cli --version "=$version"
}

tool_npm() {
    local version pinned_in_trunk
    version="$(wasm_opt_version)"
    [ -n "$version" ] || die "cannot read the binaryen version from .ci/tools/package-lock.json"
    pinned_in_trunk="$(sed -n 's/^wasm_opt *= *"\(.*\)".*/\1/p' "$ROOT/Trunk.toml")"
    if [ -n "$pinned_in_trunk" ] && [ "$pinned_in_trunk" != "version_$version" ]; then
        die "Trunk.toml pins wasm_opt = \"$pinned_in_trunk\" but .ci/tools/package-lock.json has binaryen $version: make them agree"
    fi
    if [ "$("$NPM_TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null || true)" = "wasm-opt version $version (version_$version)" ] &&
        [ -f "$NPM_TOOLS/node_modules/axe-core/axe.min.js" ] &&
        cmp -s "$ROOT/.ci/tools/package-lock.json" "$NPM_TOOLS/package-lock.json"; then
        return
    fi
    need node "install Node.js 18 or newer"
    need npm "install npm"
    say "npm ci into .tools/npm (binaryen $version, axe-core)"
    mkdir -p "$NPM_TOOLS"
    cp "$ROOT/.ci/tools/package.json" "$ROOT/.ci/tools/package-lock.json" "$NPM_TOOLS/"
    (cd "$NPM_TOOLS" && npm ci --no-audit --no-fund --loglevel=error)
    "$NPM_TOOLS/node_modules/.bin/wasm-opt" --version >/dev/null || die "wasm-opt from npm does not run"
}

tool_browser() {
    if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
        return
    fi
    apt_install chromium chromium-driver
}

tool_brotli() {
    if command -v brotli >/dev/null 2>&1 || python3 -c 'import brotli' >/dev/null 2>&1; then
        return
    fi
    apt_install brotli
}

[ "$#" -gt 0 ] || set -- rust trunk wasm-bindgen npm browser brotli
for tool in "$@"; do
    case "$tool" in
        rust) tool_rust ;;
        trunk) tool_trunk ;;
        wasm-bindgen) tool_wasm_bindgen ;;
        npm | wasm-opt) tool_npm ;;
        browser) tool_browser ;;
        brotli) tool_brotli ;;
        *) die "unknown tool '$tool'" ;;
    esac
done
