import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MONITORING, runTool, tool } from './support';

const CONFIG = join(MONITORING, 'alertmanager/alertmanager.yml');
const amtool = tool('AMTOOL');
const withAmtool = amtool ? describe : describe.skip;

withAmtool('alertmanager.yml with amtool', () => {
  it('check-config accepts it', async () => {
    const run = await runTool(amtool as string, ['check-config', CONFIG]);
    expect(run.output).toContain('SUCCESS');
    expect(run.output).toContain('1 inhibit rules');
    expect(run.code).toBe(0);
  });

  it.each([
    [['severity=critical', 'alertname=ImgpipeTargetDown'], 'pager'],
    [['severity=warning', 'alertname=ImgpipeQueueBacklog'], 'chat'],
    [['alertname=SomethingElse'], 'chat'],
  ])('routes %j to %s', async (labels, receiver) => {
    const run = await runTool(amtool as string, ['config', 'routes', 'test', `--config.file=${CONFIG}`, ...labels]);
    expect(run.output.split('\n')[0]).toBe(receiver);
    expect(run.code).toBe(0);
  });
});

describe('alertmanager.yml', () => {
  const config = readFileSync(CONFIG, 'utf8');

  it('lets critical alerts inhibit warnings of the same alert and namespace', () => {
    expect(config).toMatch(
      /inhibit_rules:\n\s+- source_matchers: \['severity="critical"'\]\n\s+target_matchers: \['severity="warning"'\]\n\s+equal: \[alertname, namespace\]/,
    );
  });

  it('sends only to placeholder webhook addresses, so only addresses need editing', () => {
    const urls = [...config.matchAll(/url: (\S+)/g)].map((m) => m[1]);
    expect(urls).toEqual(['http://alert-receiver.example:9095/pager', 'http://alert-receiver.example:9095/chat']);
  });
});
