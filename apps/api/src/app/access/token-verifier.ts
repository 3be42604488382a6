import { createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type KeyLike } from 'jose';
import type { AuthConfig } from '@imgpipe/config';

/** What a verified token grants: who the caller is and which scopes they hold. */
export interface Principal {
  subject: string;
  scopes: ReadonlySet<string>;
}

/** A token that is missing, malformed, expired, or signed by someone else: 401. */
export class InvalidTokenError extends Error {}

/** The key set could not be fetched: the api cannot decide, so the caller gets a 503, not a 401. */
export class KeySetUnavailableError extends Error {}

export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * Verifies bearer tokens with exactly one algorithm per configuration (HS256 for a shared secret,
 * RS256 for a public key or a JWKS), so a token cannot pick a weaker algorithm than the one set up.
 */
export function createTokenVerifier(auth: AuthConfig): TokenVerifier {
  const algorithms = auth.kind === 'hs256' ? ['HS256'] : ['RS256'];
  const options = { algorithms, issuer: auth.issuer, audience: auth.audience };
  let key: Promise<KeyLike | Uint8Array> | ReturnType<typeof createRemoteJWKSet>;
  switch (auth.kind) {
    case 'hs256':
      key = Promise.resolve(new TextEncoder().encode(auth.secret));
      break;
    case 'rs256':
      key = importSPKI(auth.publicKeyPem, 'RS256');
      break;
    case 'jwks':
      // Cached, refetched on an unknown key id at most every 30 s.
      key = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
      break;
  }
  return async (token) => {
    try {
      const { payload } =
        typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, await key, options);
      return principalOf(payload);
    } catch (err) {
      throw translate(err, auth.kind === 'jwks');
    }
  };
}

function principalOf(payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('the token has no subject');
  return { subject: payload.sub, scopes: scopesOf(payload) };
}

/** OAuth 2 puts scopes in `scope` (space-separated); some issuers use `scp` (an array or a string). */
export function scopesOf(payload: JWTPayload): Set<string> {
  const raw = payload['scope'] ?? payload['scp'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return new Set(list.filter((s): s is string => typeof s === 'string' && s !== ''));
}

function translate(err: unknown, remoteKeys: boolean): Error {
  if (err instanceof InvalidTokenError) return err;
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    return new KeySetUnavailableError(`the key set could not be fetched: ${err.message}`);
  }
  if (err instanceof errors.JWTExpired) return new InvalidTokenError('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed)
    return new InvalidTokenError(`the token's ${err.claim} is not accepted`);
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new InvalidTokenError('the token signature is invalid');
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new InvalidTokenError('the token is signed with an algorithm not accepted here');
  if (err instanceof errors.JWKSNoMatchingKey) return new InvalidTokenError('the token is signed with an unknown key');
  if (err instanceof errors.JOSEError) return new InvalidTokenError(`the token is malformed (${err.code})`);
  // Anything else thrown while the key set is fetched is the network (refused, reset, DNS).
  if (remoteKeys) return new KeySetUnavailableError(`the key set could not be fetched: ${(err as Error).message}`);
  return err as Error;
}
