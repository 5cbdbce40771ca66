#!/usr/bin/env bash
# Builds the release bundle and prints the size of what a browser downloads: raw bytes and brotli
# (quality 11, as for precompressed static files) of the .wasm, .js, .css and index.html, and the total.
# Then builds it once more with wasm-opt turned off (data-wasm-opt="0", into a temporary directory)
# to show what wasm-opt saves. Run through `make size` (which installs the tools and sets PATH).
#
#   DIST=dist            where the release bundle goes (default dist)
#   PUBLIC_URL=/         Trunk's --public-url
#   SIZE_COMPARE=0       skip the build without wasm-opt
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DIST="${DIST:-dist}"
PUBLIC_URL="${PUBLIC_URL:-/}"
SIZE_COMPARE="${SIZE_COMPARE:-1}"

brotli_size() {
    if command -v brotli >/dev/null 2>&1; then
        brotli -c -q 11 -- "$1" | wc -c
    else
        python3 -c 'import brotli, sys; print(len(brotli.compress(open(sys.argv[1], "rb").read(), quality=11)))' "$1"
    fi
}

# table DIR LABEL: prints the table and sets TOTAL_RAW, TOTAL_BR, WASM_RAW, WASM_BR.
table() {
    local dir="$1" label="$2" kind file raw br
    TOTAL_RAW=0 TOTAL_BR=0 WASM_RAW=0 WASM_BR=0
    printf '\n%s (%s)\n' "$label" "$dir"
    printf '  %-6s %-44s %12s %12s\n' kind file "raw bytes" "brotli bytes"
    for kind in wasm js css html; do
        while IFS= read -r file; do
            raw=$(wc -c <"$file")
            br=$(brotli_size "$file")
            printf '  %-6s %-44s %12d %12d\n' "$kind" "$(basename "$file")" "$raw" "$br"
            TOTAL_RAW=$((TOTAL_RAW + raw))
            TOTAL_BR=$((TOTAL_BR + br))
            if [ "$kind" = wasm ]; then
                WASM_RAW=$((WASM_RAW + raw)) WASM_BR=$((WASM_BR + br))
            fi
        done < <(find "$dir" -maxdepth 1 -type f -name "*.$kind" | sort)
    done
    printf '  %-6s %-44s %12d %12d\n' total "" "$TOTAL_RAW" "$TOTAL_BR"
}

trunk_build() { # trunk_build DIST [TARGET_HTML]
    local dist="$1"
    shift
    trunk build --release --offline --dist "$dist" --public-url "$PUBLIC_URL" "$@" >&2
}

echo "==> trunk build --release (with wasm-opt, into $DIST)" >&2
trunk_build "$DIST"
table "$DIST" "release bundle, with wasm-opt (as index.html sets it)"
with_raw=$TOTAL_RAW with_br=$TOTAL_BR with_wasm_raw=$WASM_RAW with_wasm_br=$WASM_BR

if [ "$SIZE_COMPARE" = 1 ]; then
    # The same page with data-wasm-opt="0"; it must sit next to index.html so its relative hrefs resolve.
    html="$ROOT/.bundle-size-no-wasm-opt.html"
    tmp_dist="$(mktemp -d)"
    trap 'rm -rf "$html" "$tmp_dist"' EXIT
    if grep -q 'data-wasm-opt=' index.html; then
        sed -E 's/data-wasm-opt="[^"]*"/data-wasm-opt="0"/' index.html >"$html"
    else
        sed -E 's/(rel="rust")/\1 data-wasm-opt="0"/' index.html >"$html"
    fi
    echo "==> trunk build --release (wasm-opt off, into a temporary directory)" >&2
    trunk_build "$tmp_dist" "$html"
    table "$tmp_dist" "release bundle, without wasm-opt"
    printf '\nwasm-opt saves %d bytes raw (%d%%) and %d bytes brotli (%d%%) on the .wasm\n' \
        $((WASM_RAW - with_wasm_raw)) $(((WASM_RAW - with_wasm_raw) * 100 / WASM_RAW)) \
        $((WASM_BR - with_wasm_br)) $(((WASM_BR - with_wasm_br) * 100 / WASM_BR))
    printf 'total with wasm-opt: %d raw, %d brotli; without: %d raw, %d brotli\n' \
        "$with_raw" "$with_br" "$TOTAL_RAW" "$TOTAL_BR"
fi
