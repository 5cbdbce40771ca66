#!/usr/bin/env bash
# Prints the Content-Security-Policy header to serve with a built PIM Approvals bundle.
#   .ci/csp.sh [DIST] [FRAME_ANCESTORS] [CONNECT_SRC...]
# The inline bootstrap script (src/bootstrap.js, inlined by .ci/app-module.sh) is allowed by its
# SHA-256 hash (it changes only with that file, but run this after each build); no 'unsafe-inline'.
# FRAME_ANCESTORS is 'none' unless the app is embedded, e.g. "https://admin.contoso.com". CONNECT_SRC
# defaults to Microsoft's endpoints; add mimPamBaseUrl and portalApiBaseUrl when those sources are on.
set -euo pipefail
dist=${1:-dist}
ancestors=${2:-"'none'"}
shift $(( $# > 2 ? 2 : $# ))
connect=${*:-"https://login.microsoftonline.com https://graph.microsoft.com https://management.azure.com"}
hashes=$(python3 - "$dist/index.html" <<'PY'
import base64, hashlib, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
    if "src=" not in attrs:
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        print("'sha256-" + base64.b64encode(digest).decode() + "'", end=" ")
PY
)
echo "Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval' ${hashes% }; style-src 'self'; img-src 'self' data:; connect-src 'self' $connect; frame-ancestors $ancestors; base-uri 'self'; form-action 'self'; object-src 'none'"
