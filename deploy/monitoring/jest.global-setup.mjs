// The suites run the real Prometheus tools; they find them through these variables, which the
// test workers inherit.

import { ensureAmtool, ensurePrometheus, ensurePromtool } from '../../tools/testing/debian-tools.mjs';

export default async function globalSetup() {
  process.env.PROMTOOL = await ensurePromtool();
  process.env.PROMETHEUS = await ensurePrometheus();
  const amtool = await ensureAmtool();
  if (amtool) process.env.AMTOOL = amtool;
  else
    process.stderr.write(
      'amtool not found (apt-get install -y prometheus-alertmanager): alertmanager.yml checks are skipped\n',
    );
}
