#!/usr/bin/env node
// `npm run token`: signs an HS256 bearer token with AUTH_JWT_SECRET, for local use and for
// services that share the secret. Identity providers mint RS256 tokens themselves.
//
//   AUTH_JWT_SECRET=... npm run token -- --sub fleet-ingest --scope "images:write images:read" --ttl 3600

import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

const USAGE = `usage: npm run token -- [--sub <subject>] [--scope "<scopes>"] [--ttl <seconds>] [--iss <issuer>] [--aud <audience>]
scopes: images:write (upload), images:read (own jobs' status and results, stats), originals:read (unblurred
originals), images:delete (erase own jobs and batches), images:read-all (every client's jobs)`;

export async function mintToken({ secret, sub, scope, ttlS, iss, aud }) {
  if (!secret || Buffer.byteLength(secret) < 32) throw new Error('AUTH_JWT_SECRET must be set to at least 32 bytes');
  let jwt = new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlS);
  if (iss) jwt = jwt.setIssuer(iss);
  if (aud) jwt = jwt.setAudience(aud);
  return jwt.sign(new TextEncoder().encode(secret));
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sub: { type: 'string', default: 'local-user' },
        scope: { type: 'string', default: 'images:write images:read' },
        ttl: { type: 'string', default: '3600' },
        iss: { type: 'string', default: process.env.AUTH_JWT_ISSUER },
        aud: { type: 'string', default: process.env.AUTH_JWT_AUDIENCE },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) return console.log(USAGE);
  const ttlS = Number(values.ttl);
  if (!Number.isInteger(ttlS) || ttlS <= 0) {
    console.error(`--ttl must be a positive number of seconds\n${USAGE}`);
    process.exit(2);
  }
  try {
    const token = await mintToken({
      secret: process.env.AUTH_JWT_SECRET,
      sub: values.sub,
      scope: values.scope,
      ttlS,
      iss: values.iss,
      aud: values.aud,
    });
    console.log(token);
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
