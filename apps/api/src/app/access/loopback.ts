import { BlockList, isIP } from 'node:net';
import type { Request } from 'express';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 and ::1, also written as an IPv4-mapped IPv6 address (::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  const family = address ? isIP(address) : 0;
  return family !== 0 && LOOPBACK.check(address as string, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Whether the request comes from the api's own host. Express's `req.ip` is the nearest address
 * that the trusted proxy hops (TRUST_PROXY_HOPS) cannot vouch for; here every hop up to it must be
 * loopback too: a client on the host of a remote ingress is not on this host. A request forwarded
 * through more hops than are trusted (a local proxy the operator did not declare) names a client
 * that cannot be believed, so it is not taken for a loopback one.
 */
export function isLoopbackClient(req: Pick<Request, 'headers' | 'socket'>, trustedHops: number): boolean {
  const forwarded = [req.headers['x-forwarded-for'] ?? []]
    .flat()
    .join(',')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  if (forwarded.length > trustedHops) return false;
  return [req.socket.remoteAddress, ...forwarded].every(isLoopbackAddress);
}
