import { ApiRefusal, asRefusal, describeRefusal, isFileProblem, parseRetryAfter, refusalFrom } from './refusal';

describe('refusalFrom', () => {
  it("reads the api's error body", () => {
    const refusal = refusalFrom(
      415,
      JSON.stringify({
        statusCode: 415,
        code: 'unsupported_media_type',
        message: 'notes.txt is not a JPEG, PNG or WebP image',
      }),
      null,
    );
    expect(refusal).toBeInstanceOf(ApiRefusal);
    expect(refusal.status).toBe(415);
    expect(refusal.code).toBe('unsupported_media_type');
    expect(refusal.message).toBe(
      'Not a JPEG, PNG or WebP image (415 unsupported_media_type): notes.txt is not a JPEG, PNG or WebP image.',
    );
  });

  it('tells a person without a token what to do', () => {
    const refusal = refusalFrom(
      401,
      JSON.stringify({ statusCode: 401, code: 'unauthorized', message: 'missing bearer token' }),
      null,
    );
    expect(refusal.message).toBe(
      'The api requires a valid access token: paste one into the Token field (401 unauthorized): missing bearer token.',
    );
  });

  it('says a token lacks the right', () => {
    expect(
      refusalFrom(403, '{"statusCode":403,"code":"forbidden","message":"scope jobs:write required"}', null).message,
    ).toBe('The access token is not allowed to do this (403 forbidden): scope jobs:write required.');
  });

  it('says when to retry a full queue', () => {
    const refusal = refusalFrom(429, '{"statusCode":429,"code":"queue_full","message":"the queue is full"}', '30');
    expect(refusal.retryAfterSeconds).toBe(30);
    expect(refusal.message).toBe(
      'The api is busy: its queue is full (429 queue_full): the queue is full. Retry in 30 s.',
    );
  });

  it('explains too large and unreadable images', () => {
    expect(refusalFrom(413, '{"code":"payload_too_large","message":"File too large"}', null).message).toMatch(
      /^The file is larger than the api accepts \(413 payload_too_large\): File too large\.$/,
    );
    expect(refusalFrom(422, '{"code":"image_too_large","message":"60000000 pixels"}', null).message).toMatch(
      /^The image header cannot be read, or the image has too many pixels \(422/,
    );
  });

  it('copes with a proxy answering HTML or nothing', () => {
    expect(refusalFrom(502, '<html>Bad Gateway</html>', null).message).toBe('The api failed (502 http_502).');
    expect(refusalFrom(418, '', null).message).toBe('The api refused the request (418 http_418).');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('5')).toBe(5);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter(new Date(0).toUTCString(), 10_000)).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('what can be retried', () => {
  it('separates bad files from refusals that pass', () => {
    for (const status of [400, 413, 415, 422]) expect(isFileProblem(new ApiRefusal(status, 'x', ''))).toBe(true);
    for (const status of [0, 401, 403, 429, 503]) expect(isFileProblem(new ApiRefusal(status, 'x', ''))).toBe(false);
  });

  it('describes a request that never reached the api', () => {
    expect(describeRefusal(0, 'network_error', 'Failed to fetch')).toBe('The api cannot be reached (Failed to fetch).');
    const refusal = asRefusal(new TypeError('Failed to fetch'));
    expect(refusal.status).toBe(0);
    expect(asRefusal(refusal)).toBe(refusal);
  });
});
