#!/bin/sh
# Sourced by both start scripts: sets `me` to this pod's announced hostname and `primary` to the
# primary the sentinels name, or to pod 0 before any sentinel answers (the set's very first start).
me="$(hostname).${HEADLESS_SERVICE}"
primary=""
for i in 0 1 2; do
  primary="$(timeout 3 redis-cli -h "${STATEFULSET}-$i.${HEADLESS_SERVICE}" -p 26379 --raw \
    sentinel get-master-addr-by-name "${SENTINEL_NAME}" 2>/dev/null | head -n 1 || true)"
  [ -n "$primary" ] && break
done
[ -n "$primary" ] || primary="${STATEFULSET}-0.${HEADLESS_SERVICE}"
