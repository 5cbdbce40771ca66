#!/usr/bin/env bash
# Builds the release bundle and prints the size of what a browser downloads, per entry, against the
# budgets of issue 12 (brotli at quality 11, as for precompressed static files; KB = 1,000 B):
#   sign-in screen  index.html, the entry module (.js, .wasm, its snippets) and the CSS: what a
#                   visitor without a session loads before the sign-in button is usable   <= 150 KB
#   signed-in load  all of that plus the full app's module and wasm (named in index.html's
#                   <meta name="pim-approvals:app">): what the page after sign-in loads  <= 275 KB
# and fails when a budget is exceeded. Then (SIZE_COMPARE=1) builds once more with wasm-opt turned off
# (data-wasm-opt="0", into a temporary directory) to show what wasm-opt saves. Run through `make size`
# (which installs the tools and sets PATH).
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
SIGN_IN_BUDGET=150000
SIGNED_IN_BUDGET=275000

brotli_size() {
    if command -v brotli >/dev/null 2>&1; then
        brotli -c -q 11 -- "$1" | wc -c
    else
        python3 -c 'import brotli, sys; print(len(brotli.compress(open(sys.argv[1], "rb").read(), quality=11)))' "$1"
    fi
}

# table DIR LABEL: prints each entry's files and totals; sets TOTAL_RAW, TOTAL_BR (everything),
# ENTRY_BR (the sign-in screen), WASM_RAW, WASM_BR (both .wasm files).
table() {
    local dir="$1" label="$2" kind file raw br app part
    TOTAL_RAW=0 TOTAL_BR=0 ENTRY_RAW=0 ENTRY_BR=0 WASM_RAW=0 WASM_BR=0
    # The full app's files, as the post_build hook (.ci/app-module.sh) named them.
    app=$(sed -n 's/.*<meta name="pim-approvals:app" content="\([^"]*\)".*/\1/p' "$dir/index.html")
    printf '\n%s (%s)\n' "$label" "$dir"
    printf '  %-6s %-10s %-52s %10s %10s\n' kind entry file "raw bytes" "brotli"
    for kind in wasm js css html; do
        while IFS= read -r file; do
            raw=$(wc -c <"$file")
            br=$(brotli_size "$file")
            part=sign-in
            case " $app " in *" ${file#"$dir"/} "*) part=app ;; esac
            printf '  %-6s %-10s %-52s %10d %10d\n' "$kind" "$part" "${file#"$dir"/}" "$raw" "$br"
            TOTAL_RAW=$((TOTAL_RAW + raw)) TOTAL_BR=$((TOTAL_BR + br))
            if [ "$part" = sign-in ]; then
                ENTRY_RAW=$((ENTRY_RAW + raw)) ENTRY_BR=$((ENTRY_BR + br))
            fi
            if [ "$kind" = wasm ]; then
                WASM_RAW=$((WASM_RAW + raw)) WASM_BR=$((WASM_BR + br))
            fi
        done < <(find "$dir" -type f -name "*.$kind" | sort)
    done
    printf '  %-6s %-10s %-52s %10d %10d   (budget %d)\n' total sign-in "index.html, entry, CSS" \
        "$ENTRY_RAW" "$ENTRY_BR" "$SIGN_IN_BUDGET"
    printf '  %-6s %-10s %-52s %10d %10d   (budget %d)\n' total signed-in "all of the above" \
        "$TOTAL_RAW" "$TOTAL_BR" "$SIGNED_IN_BUDGET"
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
entry_br=$ENTRY_BR

if [ "$SIZE_COMPARE" = 1 ]; then
    # The same page with data-wasm-opt="0"; it must sit next to index.html so its relative hrefs resolve.
    html="$ROOT/.bundle-size-no-wasm-opt.html"
    tmp_dist="$(mktemp -d)"
    trap 'rm -rf "$html" "$tmp_dist"' EXIT
    if grep -q 'data-wasm-opt=' index.html; then
        sed -E 's/data-wasm-opt="[^"]*"/data-wasm-opt="0"/g' index.html >"$html"
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

over=0
if [ "$entry_br" -gt "$SIGN_IN_BUDGET" ]; then
    printf '\nFAIL: the sign-in screen is %d bytes brotli, over its budget of %d\n' "$entry_br" "$SIGN_IN_BUDGET"
    over=1
fi
if [ "$with_br" -gt "$SIGNED_IN_BUDGET" ]; then
    printf '\nFAIL: the signed-in load is %d bytes brotli, over its budget of %d\n' "$with_br" "$SIGNED_IN_BUDGET"
    over=1
fi
[ "$over" = 0 ] && printf '\nBoth budgets hold: sign-in screen %d <= %d, signed-in load %d <= %d (brotli bytes)\n' \
    "$entry_br" "$SIGN_IN_BUDGET" "$with_br" "$SIGNED_IN_BUDGET"
exit "$over"
