import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Application, Request, Response } from 'express';

/** Where the api's build copies the review page (apps/web; see apps/api/webpack.config.js). */
export const WEB_UI_DIR = join(__dirname, 'web');

/**
 * The page's policy: helmet's defaults, with two differences. Images may come from blob: URLs,
 * because the page fetches them with the Authorization header and shows the bytes it got back.
 * No upgrade-insecure-requests: served over plain HTTP (a laptop, a LAN address), it would
 * send the page's own script and API requests to an https:// port that does not exist.
 */
export const WEB_UI_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' blob: data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
].join('; ');

/**
 * Serves the review page at `GET /` and its hashed assets under `/assets/`. These routes sit
 * outside Nest's controllers, so they need no token even when the API requires one: the page
 * itself asks for the token and sends it with each API request.
 *
 * Returns false (and logs why) when the page was not built into `dir`.
 */
export function serveWebUi(app: NestExpressApplication, logger: LoggerService, dir = WEB_UI_DIR): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    logger.warn({ message: 'review page not found: GET / answers 404; build it with `nx build api`', dir });
    return false;
  }
  // Asset names carry a hash of their content: a browser may keep them for good.
  app.useStaticAssets(join(dir, 'assets'), {
    prefix: '/assets/',
    index: false,
    redirect: false,
    immutable: true,
    maxAge: '365d',
  });
  const http: Application = app.getHttpAdapter().getInstance();
  // The page names the current assets, so a browser must check it each time (ETag keeps that cheap).
  http.get('/', (_req: Request, res: Response) => {
    res.setHeader('Content-Security-Policy', WEB_UI_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, { cacheControl: false }, (err) => {
      if (err && !res.headersSent) {
        res.status(404).json({ statusCode: 404, code: 'not_found', message: 'the review page is missing' });
      }
    });
  });
  http.get('/ui', (_req: Request, res: Response) => res.redirect(302, '/'));
  return true;
}
