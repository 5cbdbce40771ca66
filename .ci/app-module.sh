#!/usr/bin/env bash
# Trunk post_build hook (Trunk.toml). The full app (the `pim-approvals` binary) is built as a
# data-type="worker" asset with wasm-bindgen's ES-module target: Trunk writes it as pim-approvals.js
# and pim-approvals_bg.wasm, unhashed and not referenced by index.html. This gives both files a
# content hash in their names (so they can be cached for good, like Trunk's other files), lists them
# in <meta name="pim-approvals:app" content="JS WASM"> in the staged index.html (Trunk.toml's
# pattern_script names the entry the same way), and inlines src/bootstrap.js after them: the script
# that loads the entry or the full app before any wasm is fetched. .ci/csp.sh and the emulator's
# --serve-app allow that inline script by its SHA-256 hash.
set -euo pipefail
stage="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
js="$stage/pim-approvals.js"
wasm="$stage/pim-approvals_bg.wasm"
hash=$(cat "$js" "$wasm" | sha256sum | cut -c1-16)
mv "$js" "$stage/pim-approvals-$hash.js"
mv "$wasm" "$stage/pim-approvals-${hash}_bg.wasm"
meta="<meta name=\"pim-approvals:app\" content=\"pim-approvals-$hash.js pim-approvals-${hash}_bg.wasm\" />"
python3 - "$stage/index.html" "$meta" "$root/src/bootstrap.js" <<'PY'
import sys
path, meta, script = sys.argv[1], sys.argv[2], open(sys.argv[3], encoding="utf-8").read()
html = open(path, encoding="utf-8").read()
# Right after the entry's <meta> and before the stylesheets: a classic script there runs while the page
# is parsed, so both modules' downloads start at once instead of after the CSS (a module script, or
# one after the stylesheets, would wait for them: one more round trip on a slow network).
entry = html.find('<meta name="pim-approvals:entry" content=')
if entry < 0:
    sys.exit(f"{path}: no entry <meta> (Trunk.toml's pattern_script)")
at = html.index(">", entry) + 1
html = html[:at] + meta + "<script>" + script + "</script>" + html[at:]
open(path, "w", encoding="utf-8").write(html)
PY
