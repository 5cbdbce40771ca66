#!/usr/bin/env bash
# reap.sh COMMAND...: runs COMMAND, then ends the processes it left behind, and exits with COMMAND's
# status. Browser tests start chromedriver and Chromium; when a test fails, its chromedriver is killed
# but the Chromium it launched can stay behind, orphaned. Every process started under this script
# inherits a unique PIM_REAP_TAG in its environment, and only processes carrying this run's tag are
# ended (by pid): never anything else on the machine.
set -uo pipefail

tag="$$-$(date +%s%N)-$RANDOM"
export PIM_REAP_TAG="$tag"

"$@"
status=$?

leftovers() {
    local environ pid
    for environ in /proc/[0-9]*/environ; do
        pid="${environ#/proc/}"
        pid="${pid%/environ}"
        [ "$pid" = "$$" ] && continue
        if grep -qz "^PIM_REAP_TAG=$tag\$" "$environ" 2>/dev/null; then
            echo "$pid"
        fi
    done
}

pids=$(leftovers)
if [ -n "$pids" ]; then
    echo "reap: ending $(wc -w <<<"$pids") process(es) left behind by: $*" >&2
    kill -TERM $pids 2>/dev/null
    sleep 1
    pids=$(leftovers)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
fi
exit "$status"
