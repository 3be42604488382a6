// The suites run real tools; they find them through these variables, which the test workers
// inherit. kubectl (with its built-in kustomize) is part of the machine image CI runs on: it
// is not in Debian's archive at a usable version, so a missing one fails the suite with that
// message rather than skipping it.

import { ensurePromtool, onPath } from '../tools/testing/debian-tools.mjs';

export default async function globalSetup() {
  process.env.PROMTOOL = await ensurePromtool();
  const kubectl = onPath('kubectl');
  if (kubectl) process.env.KUBECTL = kubectl;
}
