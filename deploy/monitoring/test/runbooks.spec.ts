import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RULES, WORKSPACE } from './support';

interface Rule {
  alert?: string;
  annotations?: Record<string, string>;
}

const README = 'README.md';

/** The anchors GitHub gives a Markdown file's headings (lower case, punctuation dropped, spaces as dashes). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    anchors.add(seen ? `${base}-${seen}` : base);
  }
  return anchors;
}

const alerts = (): Rule[] =>
  (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups
    .flatMap((g) => g.rules)
    .filter((r) => r.alert);

describe('runbooks', () => {
  it('every alert links its Troubleshooting entry in the README, and the entry exists', () => {
    const anchors = headingAnchors(readFileSync(join(WORKSPACE, README), 'utf8'));
    const rules = alerts();
    expect(rules.length).toBeGreaterThan(0);
    const broken = rules
      .map((r) => [r.alert, r.annotations?.['runbook_url'] ?? '(none)'] as const)
      .filter(([, url]) => !url.startsWith(`${README}#`) || !anchors.has(url.slice(README.length + 1)));
    expect(broken).toEqual([]);
  });

  it('reads anchors as GitHub writes them', () => {
    const anchors = headingAnchors(
      '# A: title\n## Redis connection problems\n```\n# not a heading\n```\n### `GET /status/{job_id}`\n## Redis connection problems\n',
    );
    expect([...anchors]).toEqual([
      'a-title',
      'redis-connection-problems',
      'get-statusjob_id',
      'redis-connection-problems-1',
    ]);
  });
});
