import type { Socket } from 'node:net';
import { isLoopbackAddress, isLoopbackClient } from './loopback';

function request(remoteAddress: string | undefined, forwardedFor?: string) {
  return {
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress } as Socket,
  };
}

describe('isLoopbackAddress', () => {
  it('knows 127.0.0.0/8 and ::1 in every spelling, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.200.3.4', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1'])
      expect({ address, loopback: isLoopbackAddress(address) }).toEqual({ address, loopback: true });
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '203.0.113.7', '128.0.0.1', 'fe80::1', '::', 'localhost', ''])
      expect({ address, loopback: isLoopbackAddress(address) }).toEqual({ address, loopback: false });
    expect(isLoopbackAddress(undefined)).toBe(false);
  });
});

describe('isLoopbackClient', () => {
  it('takes a direct loopback peer for a local client, and any other peer for a remote one', () => {
    expect(isLoopbackClient(request('127.0.0.1'), 0)).toBe(true);
    expect(isLoopbackClient(request('::ffff:127.0.0.1'), 0)).toBe(true);
    expect(isLoopbackClient(request('172.17.0.1'), 0)).toBe(false);
    expect(isLoopbackClient(request(undefined), 0)).toBe(false);
  });

  it('follows trusted proxy hops to the client they name', () => {
    expect(isLoopbackClient(request('127.0.0.1', '203.0.113.7'), 1)).toBe(false);
    expect(isLoopbackClient(request('127.0.0.1', '127.0.0.1'), 1)).toBe(true);
    expect(isLoopbackClient(request('127.0.0.1', '::1, 127.0.0.1'), 2)).toBe(true);
    // A loopback client of a proxy on another host is that host's, not the api's.
    expect(isLoopbackClient(request('10.1.2.3', '127.0.0.1'), 1)).toBe(false);
    expect(isLoopbackClient(request('127.0.0.1', '127.0.0.1, 10.1.2.3'), 2)).toBe(false);
  });

  it('does not believe a client named beyond the trusted hops', () => {
    // A local proxy the operator did not declare (TRUST_PROXY_HOPS=0) forwarding for someone.
    expect(isLoopbackClient(request('127.0.0.1', '203.0.113.7'), 0)).toBe(false);
    // A remote client that wrote its own X-Forwarded-For before the one trusted proxy appended to it.
    expect(isLoopbackClient(request('127.0.0.1', '127.0.0.1, 203.0.113.7'), 1)).toBe(false);
  });
});
