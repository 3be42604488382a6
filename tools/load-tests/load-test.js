// k6 load test of the api: uploads arrive at a rate ramping up to PEAK_RATE images/s (100 by
// default), hold there, and ramp down; one upload in TRACK_EVERY is followed to the end of its
// job, for the end-to-end latency. Fails (exit 99) when the thresholds below are crossed.
//
//   k6 run -e BASE_URL=http://localhost:8000 -e IMAGES=a.jpg,b.jpg tools/load-tests/load-test.js
//   docker compose -f deploy/compose/docker-compose.yml run --rm k6
// Environment: BASE_URL, IMAGES (comma-separated paths, opened once), PEAK_RATE, HOLD (e.g. 3m),
// TRACK_EVERY (default 10), AUTH_JWT_SECRET (signs an HS256 token per virtual user, as the api
// verifies it; optionally AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE) or TOKEN (one bearer token).
// `npm run load` does the same from Node, bounded, against a local stack.
import http from 'k6/http';
import { check, sleep } from 'k6';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';

const BASE_URL = (__ENV.BASE_URL || 'http://localhost:8000').replace(/\/+$/, '');
const PEAK_RATE = Number(__ENV.PEAK_RATE || 100);
const HOLD = __ENV.HOLD || '3m';
const TRACK_EVERY = Number(__ENV.TRACK_EVERY || 10);
const IMAGES = (__ENV.IMAGES || '/photos/sample1.jpg').split(',').map((path) => ({
  name: path.split('/').pop(),
  bytes: open(path.trim(), 'b'),
}));

const accepted = new Counter('uploads_accepted');
const queueFull = new Counter('uploads_rejected_queue_full');
const rejected = new Rate('uploads_rejected_429');
const uploadFailed = new Rate('uploads_failed');
const jobFailed = new Rate('jobs_failed');
const endToEnd = new Trend('job_end_to_end_seconds');

export const options = {
  scenarios: {
    uploads: {
      executor: 'ramping-arrival-rate',
      startRate: 1,
      timeUnit: '1s',
      preAllocatedVUs: 100,
      maxVUs: 600,
      stages: [
        { target: PEAK_RATE, duration: '2m' },
        { target: PEAK_RATE, duration: HOLD },
        { target: 0, duration: '30s' },
      ],
    },
  },
  thresholds: {
    // 429s are the service protecting itself, so they are expected statuses below; everything
    // else that is not a 202 counts as a failed upload.
    uploads_failed: ['rate<0.01'],
    uploads_rejected_429: ['rate<0.05'],
    'http_req_duration{name:upload}': ['p(95)<2000'],
    jobs_failed: ['rate<0.01'],
    job_end_to_end_seconds: ['p(95)<60'],
  },
};

http.setResponseCallback(http.expectedStatuses(200, 202, 429));

function base64url(text) {
  return encoding.b64encode(text, 'rawurl');
}

/** An HS256 token, as the api verifies it with AUTH_JWT_SECRET; one subject per virtual user. */
function token() {
  if (__ENV.TOKEN) return __ENV.TOKEN;
  if (!__ENV.AUTH_JWT_SECRET) return null;
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: `k6-vu-${exec.vu.idInTest}`, scope: 'images:write images:read', iat: now, exp: now + 3600 };
  if (__ENV.AUTH_JWT_ISSUER) claims.iss = __ENV.AUTH_JWT_ISSUER;
  if (__ENV.AUTH_JWT_AUDIENCE) claims.aud = __ENV.AUTH_JWT_AUDIENCE;
  const unsigned = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${crypto.hmac('sha256', __ENV.AUTH_JWT_SECRET, unsigned, 'base64rawurl')}`;
}

let bearer;
function headers() {
  if (bearer === undefined) bearer = token();
  return bearer ? { Authorization: `Bearer ${bearer}` } : {};
}

export default function () {
  const image = IMAGES[exec.scenario.iterationInTest % IMAGES.length];
  const res = http.post(
    `${BASE_URL}/upload`,
    { file: http.file(image.bytes, image.name, image.name.endsWith('.png') ? 'image/png' : 'image/jpeg') },
    { headers: headers(), tags: { name: 'upload' } },
  );
  rejected.add(res.status === 429);
  uploadFailed.add(res.status !== 202 && res.status !== 429);
  if (res.status === 429) {
    if (res.json('code') === 'queue_full') queueFull.add(1);
    return;
  }
  if (!check(res, { 'upload accepted': (r) => r.status === 202 })) return;
  accepted.add(1);
  if (exec.scenario.iterationInTest % TRACK_EVERY !== 0) return;

  // Follows this job to its end (two minutes at most), once a second.
  const id = res.json('job_id');
  for (let i = 0; i < 120; i++) {
    sleep(1);
    const status = http.get(`${BASE_URL}/status/${id}`, { headers: headers(), tags: { name: 'status' } });
    if (status.status !== 200) continue;
    const state = status.json('status');
    if (state === 'completed' || state === 'failed') {
      jobFailed.add(state === 'failed');
      endToEnd.add(status.json('updated_at') - status.json('created_at'));
      return;
    }
  }
  jobFailed.add(true);
}

/** The service's own view at the end: totals and latency percentiles over its last 1000 jobs. */
export function teardown() {
  const stats = http.get(`${BASE_URL}/stats`, { headers: headers() });
  if (stats.status === 200) console.log(`api /stats: ${stats.body}`);
}
