#!/usr/bin/env bash
# Builds the release bundle and prints the size of what a browser downloads, per entry, against the
# budgets of issue 12 (brotli at quality 11, as for precompressed static files; KB = 1,000 B):
#   sign-in screen  index.html (with its inline bootstrap script), the CSS and the entry module (.js,
#                   .wasm and the snippets it imports, named in <meta name="pim-approvals:entry">):
#                   what a visitor without a session loads before the sign-in button is usable <= 150 KB
#   signed-in load  index.html, the CSS and the full app's module and wasm (named in
#                   <meta name="pim-approvals:app">, and its snippets): what the page after the
#                   sign-in redirect, with a session or embedded loads (src/bootstrap.js skips the
#                   entry there)                                                            <= 275 KB
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

# module_files DIR NAME: the JS and wasm of `entry` or `app`, as index.html's <meta> tags name them.
module_files() {
    sed -n "s/.*<meta name=\"pim-approvals:$2\" content=\"\([^\"]*\)\".*/\1/p" "$1/index.html"
}

# part DIR FILE ENTRY APP: which load fetches FILE: entry, app or both (index.html, CSS, a snippet
# both modules import).
part() {
    local dir="$1" file="$2" entry="$3" app="$4" in_entry=0 in_app=0
    case " $entry " in *" $file "*) echo entry; return ;; esac
    case " $app " in *" $file "*) echo app; return ;; esac
    if [[ "$file" == snippets/* ]]; then
        grep -qF "$file" "$dir/${entry%% *}" && in_entry=1
        grep -qF "$file" "$dir/${app%% *}" && in_app=1
        [ "$in_entry$in_app" = 10 ] && { echo entry; return; }
        [ "$in_entry$in_app" = 01 ] && { echo app; return; }
    fi
    echo both
}

# table DIR LABEL: prints every file, which load fetches it, and both loads' totals; sets TOTAL_RAW,
# TOTAL_BR (every file), SIGN_IN_BR, SIGNED_IN_BR (the two loads), WASM_RAW, WASM_BR (both .wasm).
table() {
    local dir="$1" label="$2" kind file name raw br entry app where
    TOTAL_RAW=0 TOTAL_BR=0 SIGN_IN_RAW=0 SIGN_IN_BR=0 SIGNED_IN_RAW=0 SIGNED_IN_BR=0 WASM_RAW=0 WASM_BR=0
    entry=$(module_files "$dir" entry)
    app=$(module_files "$dir" app)
    printf '\n%s (%s)\n' "$label" "$dir"
    printf '  %-6s %-8s %-52s %10s %10s\n' kind load file "raw bytes" "brotli"
    for kind in wasm js css html; do
        while IFS= read -r file; do
            name="${file#"$dir"/}"
            raw=$(wc -c <"$file")
            br=$(brotli_size "$file")
            where=$(part "$dir" "$name" "$entry" "$app")
            printf '  %-6s %-8s %-52s %10d %10d\n' "$kind" "$where" "$name" "$raw" "$br"
            TOTAL_RAW=$((TOTAL_RAW + raw)) TOTAL_BR=$((TOTAL_BR + br))
            if [ "$where" != app ]; then
                SIGN_IN_RAW=$((SIGN_IN_RAW + raw)) SIGN_IN_BR=$((SIGN_IN_BR + br))
            fi
            if [ "$where" != entry ]; then
                SIGNED_IN_RAW=$((SIGNED_IN_RAW + raw)) SIGNED_IN_BR=$((SIGNED_IN_BR + br))
            fi
            if [ "$kind" = wasm ]; then
                WASM_RAW=$((WASM_RAW + raw)) WASM_BR=$((WASM_BR + br))
            fi
        done < <(find "$dir" -type f -name "*.$kind" | sort)
    done
    printf '  %-6s %-8s %-52s %10d %10d   (budget %d)\n' total sign-in "entry + both" \
        "$SIGN_IN_RAW" "$SIGN_IN_BR" "$SIGN_IN_BUDGET"
    printf '  %-6s %-8s %-52s %10d %10d   (budget %d)\n' total signed-in "app + both" \
        "$SIGNED_IN_RAW" "$SIGNED_IN_BR" "$SIGNED_IN_BUDGET"
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
sign_in_br=$SIGN_IN_BR signed_in_br=$SIGNED_IN_BR

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
if [ "$sign_in_br" -gt "$SIGN_IN_BUDGET" ]; then
    printf '\nFAIL: the sign-in screen is %d bytes brotli, over its budget of %d\n' "$sign_in_br" "$SIGN_IN_BUDGET"
    over=1
fi
if [ "$signed_in_br" -gt "$SIGNED_IN_BUDGET" ]; then
    printf '\nFAIL: the signed-in load is %d bytes brotli, over its budget of %d\n' "$signed_in_br" "$SIGNED_IN_BUDGET"
    over=1
fi
[ "$over" = 0 ] && printf '\nBoth budgets hold: sign-in screen %d <= %d, signed-in load %d <= %d (brotli bytes)\n' \
    "$sign_in_br" "$SIGN_IN_BUDGET" "$signed_in_br" "$SIGNED_IN_BUDGET"
exit "$over"
