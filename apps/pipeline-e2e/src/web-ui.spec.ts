// The callbacks given to page.evaluate and $$eval run in the browser, with its DOM.
/// <reference lib="dom" />
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { BrowserContext, Locator, Page, chromium } from 'playwright-core';
import { JobMetadata, QueueStatusView, storageKeys } from '@imgpipe/contracts';
import { Stack, photos } from './support/stack';

// Debian's Chromium (`apt-get install chromium`; .ci/run installs it), driven by playwright-core:
// no browser download, nothing from outside the machine.
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '../../../dist/artifacts');

const photoNamed = (name: string): string => {
  const path = photos().find((p) => basename(p) === name);
  if (!path) throw new Error(`test photo ${name} is missing from E2E_PHOTOS`);
  return path;
};

interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile: no cache, no storage left by another test. */
async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'pipeline-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

interface DrawnBox {
  kind: string;
  label: string;
  box: number[];
  /** Position on screen, in CSS pixels. */
  screen: { x: number; y: number; width: number; height: number };
  visible: boolean;
}

describe('the review page in a real browser', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await Stack.start({
      storage: 'local',
      redisDb: 12,
      workers: 1,
      env: { REDIS_KEY_PREFIX: 'web-ui', QUEUE_PREFIX: 'web-ui' },
    });
    browser = await openBrowser();
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
    // A policy violation or a script error shows up here; the page must have none.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('is served at / by the api, with its assets and a strict policy', async () => {
    const res = await page.goto(`${stack.baseUrl}/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(page.title()).resolves.toContain('imgpipe');
    // The page's own script ran: it filled the service panel from /health.
    await page.waitForSelector('[data-health="ok"]');
  });

  it('uploads a photo picked in the file input and draws exactly the boxes of its metadata', async () => {
    const photo = photoNamed('sample2.jpg');
    await page.setInputFiles('#file-input', photo);
    const row = page.locator('li.job[data-status="completed"]', { hasText: basename(photo) });
    await row.waitFor({ timeout: 60_000 });
    const jobId = (await row.getAttribute('data-job-id')) as string;

    // The first finished job opens in the viewer by itself.
    await page.waitForSelector(`#viewer-body[data-state="ready"][data-job-id="${jobId}"]`);
    const metadata = (await stack.getJson(`/results/${jobId}/metadata`)) as JobMetadata;
    const expected = [
      ...metadata.blur_metadata.regions.map((r) => ({ kind: r.kind, label: r.kind as string, box: r.box })),
      ...metadata.detection_metadata.objects.map((o) => ({ kind: 'object', label: o.label, box: o.box })),
    ];
    expect(metadata.detection_metadata.objects.length).toBeGreaterThan(0);

    for (const panel of ['processed', 'original']) {
      const image = await page.$eval(`[data-panel="${panel}"] img`, (img) => {
        const r = (img as HTMLImageElement).getBoundingClientRect();
        return {
          natural: { width: (img as HTMLImageElement).naturalWidth, height: (img as HTMLImageElement).naturalHeight },
          screen: { x: r.x, y: r.y, width: r.width, height: r.height },
          alt: img.getAttribute('alt') ?? '',
        };
      });
      expect(image.natural).toEqual({ width: metadata.image.width, height: metadata.image.height });
      expect(image.alt).toContain(basename(photo));
      const drawn = await drawnBoxes(page, panel);
      expect(drawn.map((d) => [d.kind, d.label, d.box])).toEqual(expected.map((e) => [e.kind, e.label, e.box]));

      // Each rectangle sits on the photo where its box is, at the size the photo is shown.
      const scale = image.screen.width / metadata.image.width;
      for (const { box, screen } of drawn) {
        const [x1, y1, x2, y2] = clip(box, metadata.image.width, metadata.image.height);
        expect(screen.x).toBeCloseTo(image.screen.x + x1 * scale, 0);
        expect(screen.y).toBeCloseTo(image.screen.y + y1 * scale, 0);
        expect(screen.width).toBeCloseTo((x2 - x1) * scale, 0);
        expect(screen.height).toBeCloseTo((y2 - y1) * scale, 0);
      }
    }

    // The figures the page shows come from the same metadata.
    const counts = { face: 0, plate: 0, object: 0 } as Record<string, number>;
    for (const e of expected) counts[e.kind]++;
    for (const [kind, count] of Object.entries(counts)) {
      await expect(page.locator(`label.kind-${kind}`).textContent()).resolves.toContain(`(${count})`);
    }
    await expect(page.locator('.timings tbody tr').count()).resolves.toBe(Object.keys(metadata.timings_ms).length);
    await expect(page.locator('.models').textContent()).resolves.toContain(metadata.detection_metadata.model.name);
    await expect(page.locator('a', { hasText: 'Download processed image' }).getAttribute('href')).resolves.toMatch(
      /^blob:/,
    );

    const shot = join(ARTIFACTS, 'web-ui.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`web-ui screenshot: ${shot}`);
    expect(problems).toEqual([]);
  });

  it('hides the boxes of a kind when its toggle is off, and shows them again', async () => {
    const before = await drawnBoxes(page, 'processed');
    const objects = before.filter((d) => d.kind === 'object');
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.every((d) => d.visible)).toBe(true);

    await page.uncheck('input[data-toggle="object"]');
    const hidden = await drawnBoxes(page, 'processed');
    expect(hidden.filter((d) => d.kind === 'object').some((d) => d.visible)).toBe(false);
    // The other kinds stay.
    expect(hidden.filter((d) => d.kind !== 'object').every((d) => d.visible)).toBe(true);
    expect((await drawnBoxes(page, 'original')).filter((d) => d.kind === 'object').some((d) => d.visible)).toBe(false);

    await page.check('input[data-toggle="object"]');
    expect((await drawnBoxes(page, 'processed')).every((d) => d.visible)).toBe(true);
  });

  it('shows the figures of /queue-status in the service panel', async () => {
    const keys = ['waiting', 'active', 'failed', 'completed', 'workers', 'max_queue_size', 'redis_primary'] as const;
    const deadline = Date.now() + 20_000;
    let shown: Record<string, string> = {};
    let api: QueueStatusView | undefined;
    while (Date.now() < deadline) {
      api = (await stack.getJson('/queue-status')) as QueueStatusView;
      shown = await page.$$eval('[data-queue]', (dds) =>
        Object.fromEntries(dds.map((dd) => [(dd as HTMLElement).dataset['queue'], dd.textContent ?? ''])),
      );
      if (keys.every((key) => shown[key] === String(api?.[key]))) break;
      await page.waitForTimeout(500);
    }
    expect(keys.map((key) => [key, shown[key]])).toEqual(keys.map((key) => [key, String(api?.[key])]));
    expect(api?.workers).toBe(1);
  });

  it('says clearly why the api refused a file', async () => {
    await page.setInputFiles('#file-input', {
      name: 'notes.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.from('these are notes, not a photo\n'),
    });
    const row = page.locator('li.job[data-status="refused"]', { hasText: 'notes.jpg' });
    await row.waitFor();
    await expect(row.locator('.job-detail').textContent()).resolves.toMatch(
      /^Not a JPEG, PNG or WebP image \(415 unsupported_media_type\)/,
    );
    // Sending the same bytes again cannot help: no retry is offered.
    await expect(row.locator('button').count()).resolves.toBe(0);
  });

  it('shows the processed image alone, with a note, when the original is not available', async () => {
    const res = await stack.upload(photoNamed('sample3.jpg'));
    const { job_id: jobId } = (await res.json()) as { job_id: string };
    await stack.waitFor(jobId, ['completed']);
    // As when the operator keeps originals out of reach of the api: it answers 404 for them.
    await stack.storage.delete(storageKeys.original(jobId, 'jpeg'));
    expect((await stack.get(`/results/${jobId}/original`)).status).toBe(404);
    const metadata = (await stack.getJson(`/results/${jobId}/metadata`)) as JobMetadata;

    // A link to the job, as someone who submitted it with curl would open it.
    const linked = await context.newPage();
    try {
      await linked.goto(`${stack.baseUrl}/#job=${jobId}`);
      await linked.waitForSelector(`#viewer-body[data-state="ready"][data-job-id="${jobId}"]`);
      await expect(linked.locator('[data-note="original-unavailable"]').textContent()).resolves.toContain(
        '404 result_not_found',
      );
      await expect(linked.locator('[data-panel]').count()).resolves.toBe(1);
      await expect(linked.locator('[data-panel="processed"] img').getAttribute('alt')).resolves.toContain(
        'sample3.jpg',
      );
      const drawn = await drawnBoxes(linked, 'processed');
      expect(drawn).toHaveLength(metadata.blur_metadata.regions.length + metadata.detection_metadata.objects.length);
    } finally {
      await linked.close();
    }
  });

  it('can be used with the keyboard alone: token, file picker, then the result', async () => {
    const keyboard = await context.newPage();
    try {
      await keyboard.goto(`${stack.baseUrl}/`);
      await keyboard.waitForSelector('[data-health="ok"]');
      // Tab from the top of the page until the file picker has focus; on the way, the token field.
      const visited: string[] = [];
      for (let i = 0; i < 10 && visited.at(-1) !== 'file-input'; i++) {
        await keyboard.keyboard.press('Tab');
        visited.push(
          await keyboard.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''),
        );
      }
      expect(visited).toEqual(['token', 'BUTTON', 'token-forget', 'file-input']);
      // Keyboard focus is visible.
      await expect(
        keyboard.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle),
      ).resolves.not.toBe('none');

      const photo = photoNamed('sample1.jpg');
      const [chooser] = await Promise.all([keyboard.waitForEvent('filechooser'), keyboard.keyboard.press('Space')]);
      await chooser.setFiles(photo);
      const row = keyboard.locator('li.job[data-status="completed"]', { hasText: basename(photo) });
      await row.waitFor({ timeout: 60_000 });
      const jobId = (await row.getAttribute('data-job-id')) as string;

      // On to the row's View button, and Enter: the result opens and takes the focus.
      for (let i = 0; i < 20; i++) {
        await keyboard.keyboard.press('Tab');
        if (await keyboard.evaluate(() => document.activeElement?.classList.contains('job-view'))) break;
      }
      await expect(keyboard.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe(
        `View ${basename(photo)}`,
      );
      await keyboard.keyboard.press('Enter');
      await keyboard.waitForSelector(`#viewer-body[data-state="ready"][data-job-id="${jobId}"]`);
      await expect(keyboard.evaluate(() => document.activeElement?.tagName)).resolves.toBe('H3');
      const alts = await keyboard.$$eval('#viewer-body img', (imgs) =>
        imgs.map((img) => img.getAttribute('alt') ?? ''),
      );
      expect(alts).toHaveLength(2);
      for (const alt of alts) expect(alt).toContain(basename(photo));
    } finally {
      await keyboard.close();
    }
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForSelector('#viewer-body[data-state="ready"]');
    // Nothing wider than the screen, and the two pictures one above the other.
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(390);
    const processed = await page.locator('[data-panel="processed"]').boundingBox();
    const original = await page.locator('[data-panel="original"]').boundingBox();
    expect(processed && original && original.y >= processed.y + processed.height).toBe(true);
    expect(processed?.width).toBeLessThanOrEqual(390);

    const shot = join(ARTIFACTS, 'web-ui-phone.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`web-ui phone screenshot: ${shot}`);
    // Chrome logs the refused upload of the test above; nothing else may appear.
    expect(problems.filter((p) => !p.includes('status of 415'))).toEqual([]);
  });
});

describe('the review page with JWT auth on', () => {
  const SECRET = 'web-ui-secret-web-ui-secret-web-ui-secret-0123';
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 13,
      workers: 1,
      env: {
        AUTH_JWT_SECRET: SECRET,
        REDIS_KEY_PREFIX: 'web-ui-auth',
        QUEUE_PREFIX: 'web-ui-auth',
        // Originals go as soon as their job completes.
        ORIGINALS_RETENTION_HOURS: '0',
      },
    });
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('says the api wants a token, then works with one kept in sessionStorage only', async () => {
    const page = await browser.context.newPage();
    const res = await page.goto(`${stack.baseUrl}/`);
    // The page and its assets stay open; the API behind it does not.
    expect(res?.status()).toBe(200);
    expect((await stack.get('/queue-status')).status).toBe(401);
    const panelError = await waitForText(page.locator('#queue .error'), '(401 ');
    expect(panelError).toContain('paste one into the Token field');

    const photo = photoNamed('sample4.jpg');
    await page.setInputFiles('#file-input', photo);
    const refused = page.locator('li.job[data-status="refused"]', { hasText: basename(photo) });
    expect(await waitForText(refused.locator('.job-detail'), '(401 ')).toMatch(
      /^The api requires a valid access token: paste one into the Token field \(401 /,
    );

    // A token that may upload and read, but not see unblurred originals.
    const token = await new SignJWT({ scope: 'images:write images:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('web-ui-e2e')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    await page.fill('#token', `Bearer ${token}`);
    await page.click('#token-form button[type="submit"]');
    await waitForText(page.locator('[data-queue="workers"]'), /^1$/);
    await waitForText(page.locator('#queue .error'), /^$/);

    await refused.locator('button.job-retry').click();
    const row = page.locator('li.job[data-status="completed"]', { hasText: basename(photo) });
    await row.waitFor({ timeout: 60_000 });
    const jobId = (await row.getAttribute('data-job-id')) as string;
    await page.waitForSelector(`#viewer-body[data-state="ready"][data-job-id="${jobId}"]`);
    // The processed image came through fetch with the token; the original is refused for lack of scope.
    await expect(page.locator('[data-panel="processed"] img').getAttribute('src')).resolves.toMatch(/^blob:/);
    await expect(page.locator('[data-note="original-unavailable"]').textContent()).resolves.toContain('(403 ');
    await expect(page.locator('[data-panel]').count()).resolves.toBe(1);

    const kept = await page.evaluate(() => ({
      session: sessionStorage.getItem('imgpipe.token'),
      local: localStorage.length,
      cookies: document.cookie,
    }));
    expect(kept).toEqual({ session: token, local: 0, cookies: '' });
    await page.close();
  });

  it('says when the original is gone, and erases the job on request', async () => {
    const token = await new SignJWT({ scope: 'images:write images:read originals:read images:delete' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('web-ui-erasure')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    stack.defaultHeaders = { authorization: `Bearer ${token}` };
    const { job_id: jobId } = (await (await stack.upload(photoNamed('sample5.jpg'))).json()) as { job_id: string };
    await stack.waitFor(jobId, ['completed']);
    const deadline = Date.now() + 10_000;
    while ((await stack.getJson(`/status/${jobId}`)).original_deleted_at === undefined && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 100));
    }

    const page = await browser.context.newPage();
    try {
      await page.goto(`${stack.baseUrl}/`);
      await page.fill('#token', token);
      await page.click('#token-form button[type="submit"]');
      await page.goto(`${stack.baseUrl}/#job=${jobId}`);
      await page.waitForSelector(`#viewer-body[data-state="ready"][data-job-id="${jobId}"]`);
      const note = await page.locator('[data-note="original-deleted"]').textContent();
      expect(note).toMatch(/^The original is gone: the original of job .* was deleted at \d{4}-\d\d-\d\dT/);
      await expect(page.locator('[data-panel]').count()).resolves.toBe(1);

      // Declining the confirmation erases nothing; accepting it erases the job.
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.click('button[data-action="erase"]');
      expect((await stack.get(`/status/${jobId}`)).status).toBe(200);
      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('button[data-action="erase"]');
      await page.waitForSelector(`#viewer-body[data-state="erased"][data-job-id="${jobId}"]`);
      await expect(page.locator('[data-note="erased"]').textContent()).resolves.toContain('was erased');
      expect((await stack.get(`/status/${jobId}`)).status).toBe(404);
      expect(await stack.storage.exists(storageKeys.processed(jobId, 'jpeg'))).toBe(false);
      expect(await stack.storage.exists(storageKeys.metadata(jobId))).toBe(false);
    } finally {
      await page.close();
      stack.defaultHeaders = {};
    }
  });
});

/** Waits until the element's text contains `expected` (or matches it), and returns the text. */
async function waitForText(locator: Locator, expected: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.textContent()) ?? '';
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`text ${JSON.stringify(text)} did not come to match ${String(expected)} within ${timeoutMs} ms`);
}

/** The rectangles drawn over one panel, with their metadata box and where they are on screen. */
function drawnBoxes(page: Page, panel: string): Promise<DrawnBox[]> {
  return page.$$eval(`[data-panel="${panel}"] rect.box`, (rects) =>
    rects.map((rect) => {
      const r = rect.getBoundingClientRect();
      const element = rect as SVGRectElement;
      return {
        kind: element.dataset['kind'] ?? '',
        label: element.dataset['label'] ?? '',
        box: (element.dataset['box'] ?? '').split(',').map(Number),
        screen: { x: r.x, y: r.y, width: r.width, height: r.height },
        // Rendered unless it or a parent is display: none (checkVisibility misses that for SVG).
        visible: ((): boolean => {
          for (let node: Element | null = element; node; node = node.parentElement) {
            if (getComputedStyle(node).display === 'none') return false;
          }
          return true;
        })(),
      };
    }),
  );
}

function clip(box: number[], width: number, height: number): number[] {
  const [x1, y1, x2, y2] = box;
  return [
    Math.min(width, Math.max(0, Math.min(x1, x2))),
    Math.min(height, Math.max(0, Math.min(y1, y2))),
    Math.min(width, Math.max(0, Math.max(x1, x2))),
    Math.min(height, Math.max(0, Math.max(y1, y2))),
  ];
}
