import { pipeline, Readable, Transform } from 'node:stream';

/**
 * Makes a body fail instead of being stored when it is not `expected` bytes long, so a client
 * that disconnects mid-upload leaves no truncated object behind. A Readable is wrapped; the
 * wrapper errors at the first byte too many, or at the end when bytes are missing.
 */
export function withExpectedLength(body: Buffer | Readable, expected: number | undefined): Buffer | Readable {
  if (expected === undefined) return body;
  if (Buffer.isBuffer(body)) {
    if (body.length !== expected) throw lengthMismatch(`${body.length}`, expected);
    return body;
  }
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      seen += Buffer.byteLength(chunk);
      done(seen > expected ? lengthMismatch(`more than ${expected}`, expected) : null, chunk);
    },
    flush(done) {
      done(seen === expected ? null : lengthMismatch(`${seen}`, expected));
    },
  });
  // pipeline forwards a source error to `counted` and destroys the source when `counted` fails.
  pipeline(body, counted, () => undefined);
  return counted;
}

function lengthMismatch(actual: string, expected: number): Error {
  return new Error(`Body is ${actual} bytes long, but contentLength says ${expected}`);
}
