#!/usr/bin/env bash
# Trunk post_build hook (Trunk.toml). The full app (the `pim-approvals` binary) is built as a
# data-type="worker" asset with wasm-bindgen's ES-module target: Trunk writes it as pim-approvals.js
# and pim-approvals_bg.wasm, unhashed and not referenced by index.html. This gives both files a
# content hash in their names (so they can be cached for good, like Trunk's other files) and lists
# them in <meta name="pim-approvals:app" content="JS WASM"> in the staged index.html, where the entry
# module (src/entry.rs) finds them to prefetch and start the app.
set -euo pipefail
stage="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
js="$stage/pim-approvals.js"
wasm="$stage/pim-approvals_bg.wasm"
hash=$(cat "$js" "$wasm" | sha256sum | cut -c1-16)
mv "$js" "$stage/pim-approvals-$hash.js"
mv "$wasm" "$stage/pim-approvals-${hash}_bg.wasm"
meta="<meta name=\"pim-approvals:app\" content=\"pim-approvals-$hash.js pim-approvals-${hash}_bg.wasm\" />"
grep -q '</head>' "$stage/index.html"
sed -i "s|</head>|$meta</head>|" "$stage/index.html"
