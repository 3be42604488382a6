#!/bin/sh
# Writes this pod's sentinel configuration on the first start of the pod (a sentinel rewrites
# its file as it learns the other sentinels, the replicas and each failover; a restarted
# container keeps what it learnt) and starts the sentinel. Quorum 2 of 3.
set -eu
conf=/sentinel/sentinel.conf
if [ ! -f "$conf" ]; then
  . /config/primary.sh
  cat >"$conf" <<CONF
port 26379
protected-mode no
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $me
sentinel monitor ${SENTINEL_NAME} $primary 6379 2
sentinel down-after-milliseconds ${SENTINEL_NAME} 5000
sentinel failover-timeout ${SENTINEL_NAME} 60000
sentinel parallel-syncs ${SENTINEL_NAME} 1
CONF
fi
exec redis-server "$conf" --sentinel
