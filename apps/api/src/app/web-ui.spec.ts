import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { WEB_UI_CSP, serveWebUi } from './web-ui';

@Controller()
class ProbeController {
  @Get('health')
  health() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const silent = { log: jest.fn(), error: jest.fn(), warn: jest.fn() };

describe('serveWebUi (real HTTP)', () => {
  let dir: string;
  let app: NestExpressApplication;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><script type="module" src="./assets/index-abc123.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1);');
    app = await NestFactory.create<NestExpressApplication>(ProbeModule, { logger: false });
    expect(serveWebUi(app, silent, dir)).toBe(true);
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at / with a policy that forbids inline code and allows blob: images', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('etag')).toBeTruthy();
    expect(res.headers.get('content-security-policy')).toBe(WEB_UI_CSP);
    expect(WEB_UI_CSP).toContain("script-src 'self'");
    expect(WEB_UI_CSP).not.toContain('unsafe-inline');
    expect(WEB_UI_CSP).toContain("img-src 'self' blob:");
    expect(await res.text()).toContain('index-abc123.js');
  });

  it('answers a repeated request for the page with 304 when the browser has it', async () => {
    const etag = (await fetch(`${base}/`)).headers.get('etag') as string;
    // node:http, because fetch adds `Cache-Control: no-cache` to a conditional request.
    const status = await new Promise<number | undefined>((done, fail) =>
      get(`${base}/`, { headers: { 'If-None-Match': etag } }, (res) => {
        res.resume();
        done(res.statusCode);
      }).on('error', fail),
    );
    expect(status).toBe(304);
  });

  it('lets browsers keep hashed assets for good', async () => {
    const res = await fetch(`${base}/assets/index-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('leaves unknown assets and the API routes to Nest', async () => {
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
  });

  it('sends /ui to the page', async () => {
    const res = await fetch(`${base}/ui`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
  });

  it('serves nothing, and says so, when the page was not built', async () => {
    const bare = await NestFactory.create<NestExpressApplication>(ProbeModule, { logger: false });
    try {
      expect(serveWebUi(bare, silent, join(dir, 'nowhere'))).toBe(false);
      expect(silent.warn).toHaveBeenCalledWith(expect.objectContaining({ dir: join(dir, 'nowhere') }));
    } finally {
      await bare.close();
    }
  });
});
