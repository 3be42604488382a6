#!/bin/sh
# Starts this pod's Redis as a replica of the primary the sentinels name, or as the primary
# when they name this pod. Before any sentinel answers (the set's very first start), pod 0 is
# the primary. Hostnames, not pod IPs, are announced: they survive a pod's restart.
set -eu
me="$(hostname).${HEADLESS_SERVICE}"
primary=""
for i in 0 1 2; do
  primary="$(timeout 3 redis-cli -h "${STATEFULSET}-$i.${HEADLESS_SERVICE}" -p 26379 --raw \
    sentinel get-master-addr-by-name "${SENTINEL_NAME}" 2>/dev/null | head -n 1 || true)"
  [ -n "$primary" ] && break
done
[ -n "$primary" ] || primary="${STATEFULSET}-0.${HEADLESS_SERVICE}"
if [ "$primary" = "$me" ]; then
  exec redis-server /config/redis.conf --replica-announce-ip "$me"
fi
exec redis-server /config/redis.conf --replica-announce-ip "$me" --replicaof "$primary" 6379
