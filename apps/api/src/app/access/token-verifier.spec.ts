import { KeyObject, generateKeyPairSync } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';
import { InvalidTokenError, KeySetUnavailableError, createTokenVerifier, scopesOf } from './token-verifier';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const hsKey = new TextEncoder().encode(SECRET);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function token(claims: JWTPayload, alg = 'HS256', key: Parameters<SignJWT['sign']>[0] = hsKey, kid?: string) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

describe('createTokenVerifier', () => {
  it('accepts an HS256 token and reads its subject and scopes', async () => {
    const verify = createTokenVerifier({ kind: 'hs256', secret: SECRET });
    const principal = await verify(await token({ sub: 'fleet-ingest', scope: 'images:write images:read' }));
    expect(principal.subject).toBe('fleet-ingest');
    expect([...principal.scopes].sort()).toEqual(['images:read', 'images:write']);
  });

  it.each([
    [
      'a wrong secret',
      async () => token({ sub: 'x' }, 'HS256', new TextEncoder().encode('another-secret-another-secret-32b')),
    ],
    [
      'an expired token',
      async () =>
        new SignJWT({ sub: 'x' })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(hsKey),
    ],
    ['no subject', async () => token({ scope: 'images:read' })],
    ['garbage', async () => 'not.a.jwt'],
    ['an RS256 token where HS256 is set up', async () => token({ sub: 'x' }, 'RS256', rsa.privateKey)],
  ])('refuses %s', async (_, make) => {
    const verify = createTokenVerifier({ kind: 'hs256', secret: SECRET });
    await expect(verify(await make())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('checks issuer and audience when they are set', async () => {
    const verify = createTokenVerifier({ kind: 'hs256', secret: SECRET, issuer: 'https://idp', audience: 'imgpipe' });
    await expect(verify(await token({ sub: 'x', iss: 'https://idp', aud: 'imgpipe' }))).resolves.toMatchObject({
      subject: 'x',
    });
    await expect(verify(await token({ sub: 'x', iss: 'https://other', aud: 'imgpipe' }))).rejects.toThrow(
      "the token's iss is not accepted",
    );
  });

  it('verifies RS256 with a PEM public key, and refuses an HS256 token signed with that PEM as secret', async () => {
    const verify = createTokenVerifier({ kind: 'rs256', publicKeyPem: rsaPem });
    await expect(verify(await token({ sub: 'svc' }, 'RS256', rsa.privateKey))).resolves.toMatchObject({
      subject: 'svc',
    });
    const confused = await token({ sub: 'attacker' }, 'HS256', new TextEncoder().encode(rsaPem));
    await expect(verify(confused)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  describe('with a JWKS endpoint', () => {
    let server: Server;
    let url: string;
    let up = true;

    let keys: object[];
    const jwkOf = async (publicKey: KeyObject, kid: string) => ({
      ...(await exportJWK(publicKey)),
      kid,
      alg: 'RS256',
      use: 'sig',
    });

    beforeAll(async () => {
      keys = [await jwkOf(rsa.publicKey, 'k1')];
      server = createServer((_, res) => {
        if (!up) return res.destroy();
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ keys }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('verifies tokens by key id and refuses unknown keys', async () => {
      const verify = createTokenVerifier({ kind: 'jwks', jwksUrl: url });
      await expect(verify(await token({ sub: 'svc' }, 'RS256', rsa.privateKey, 'k1'))).resolves.toMatchObject({
        subject: 'svc',
      });
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await expect(verify(await token({ sub: 'svc' }, 'RS256', other.privateKey, 'k2'))).rejects.toBeInstanceOf(
        InvalidTokenError,
      );
    });

    it('rotates keys without refusing a valid token: both keys published, then the old one withdrawn', async () => {
      const verify = createTokenVerifier({ kind: 'jwks', jwksUrl: url });
      const next = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const oldToken = await token({ sub: 'svc' }, 'RS256', rsa.privateKey, 'k1');
      const newToken = await token({ sub: 'svc' }, 'RS256', next.privateKey, 'k2');
      const clock = jest.spyOn(Date, 'now');
      const start = Date.now();
      try {
        await expect(verify(oldToken)).resolves.toMatchObject({ subject: 'svc' });
        // Step 1: the identity provider publishes k2 beside k1.
        keys = [await jwkOf(rsa.publicKey, 'k1'), await jwkOf(next.publicKey, 'k2')];
        // Within 30 s of its last fetch the api does not refetch for an unknown key: why step 2 waits.
        clock.mockReturnValue(start + 10_000);
        await expect(verify(newToken)).rejects.toBeInstanceOf(InvalidTokenError);
        // Step 2: once the api's copy is 10 minutes old, both keys verify.
        clock.mockReturnValue(start + 601_000);
        await expect(verify(newToken)).resolves.toMatchObject({ subject: 'svc' });
        await expect(verify(oldToken)).resolves.toMatchObject({ subject: 'svc' });
        // Step 4: k1 withdrawn after its last token expired; the next refetch drops it.
        keys = [await jwkOf(next.publicKey, 'k2')];
        clock.mockReturnValue(start + 1_202_000);
        await expect(verify(newToken)).resolves.toMatchObject({ subject: 'svc' });
        await expect(verify(oldToken)).rejects.toBeInstanceOf(InvalidTokenError);
      } finally {
        clock.mockRestore();
        keys = [await jwkOf(rsa.publicKey, 'k1')];
      }
    });

    it('reports an unreachable key set as unavailable, not as a bad token', async () => {
      up = false;
      const verify = createTokenVerifier({ kind: 'jwks', jwksUrl: url });
      await expect(verify(await token({ sub: 'svc' }, 'RS256', rsa.privateKey, 'k1'))).rejects.toBeInstanceOf(
        KeySetUnavailableError,
      );
      up = true;
    });
  });
});

describe('scopesOf', () => {
  it('reads a space-separated scope, an scp array, or nothing', () => {
    expect([...scopesOf({ scope: 'a  b' })]).toEqual(['a', 'b']);
    expect([...scopesOf({ scp: ['a', 'b', 3] })]).toEqual(['a', 'b']);
    expect([...scopesOf({})]).toEqual([]);
  });
});
