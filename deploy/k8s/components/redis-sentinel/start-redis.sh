#!/bin/sh
# Starts this pod's Redis as a replica of the primary the sentinels name, or as the primary
# when they name this pod (primary.sh). Hostnames, not pod IPs, are announced: they survive a pod's restart.
set -eu
. /config/primary.sh
if [ "$primary" = "$me" ]; then
  exec redis-server /config/redis.conf --replica-announce-ip "$me"
fi
exec redis-server /config/redis.conf --replica-announce-ip "$me" --replicaof "$primary" 6379
