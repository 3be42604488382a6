import type { JobMetadata, ModelInfo } from '@imgpipe/contracts';
import type { ApiClient } from '../lib/api-client';
import {
  DRAW_KINDS,
  KIND_NAMES,
  countByKind,
  describeDetection,
  detectionsOf,
  labelSize,
  scaleBox,
  type Detection,
  type Size,
} from '../lib/boxes';
import {
  derivedFilename,
  describeOutput,
  describeRecheck,
  formatBytes,
  formatMilliseconds,
  plural,
} from '../lib/format';
import { asRefusal } from '../lib/refusal';
import { h, nodes, svg } from './dom';

type Panel = 'processed' | 'original';

const GONE = 410;

/**
 * Shows one finished job: the processed image and the original side by side, each with the
 * detections drawn over it, what was found, how long each stage took and which models ran.
 */
export class Viewer {
  private objectUrls: string[] = [];
  private generation = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly root: HTMLElement,
    /** Told when the person erased the shown job. */
    private readonly onErased: (jobId: string) => void = () => undefined,
  ) {}

  /** The job shown (or being loaded), if any. */
  get jobId(): string | undefined {
    return this.root.dataset['jobId'];
  }

  async show(jobId: string, moveFocus: boolean): Promise<void> {
    const generation = ++this.generation;
    this.releaseUrls();
    this.setState('loading', jobId);
    this.root.replaceChildren(h('p', { class: 'muted' }, `Loading job ${jobId}…`));

    let metadata: JobMetadata;
    let processed: Blob;
    try {
      [metadata, processed] = await Promise.all([this.api.metadata(jobId), this.api.image(jobId, 'processed')]);
    } catch (err) {
      if (generation !== this.generation) return;
      this.root.replaceChildren(h('p', { class: 'error', role: 'alert' }, asRefusal(err).message));
      this.setState('error', jobId);
      return;
    }
    // The original may be switched off by the operator (403 or 404): the page then shows the
    // processed image alone and says why.
    const original = await this.api.image(jobId, 'original').then(
      (blob) => ({ blob }),
      (err: unknown) => ({ refusal: asRefusal(err) }),
    );
    if (generation !== this.generation) return;

    const filename = metadata.filename;
    const detections = detectionsOf(metadata);
    const compare = h('div', { class: 'compare' });
    const panels = [this.panel('processed', processed, metadata, detections, filename)];
    let originalNote: HTMLElement | null = null;
    if ('blob' in original) {
      panels.push(this.panel('original', original.blob, metadata, detections, filename));
      if (metadata.original_delete_at) {
        originalNote = h(
          'p',
          { class: 'note', 'data-note': 'original-due' },
          `The original will be deleted on ${formatTime(metadata.original_delete_at)} (the operator's retention).`,
        );
      }
    } else if (original.refusal.status === GONE) {
      compare.classList.add('single');
      originalNote = h(
        'p',
        { class: 'note', 'data-note': 'original-deleted' },
        `The original is gone: ${original.refusal.detail}. Showing the processed image alone.`,
      );
    } else {
      compare.classList.add('single');
      originalNote = h(
        'p',
        { class: 'note', 'data-note': 'original-unavailable' },
        `The original is not available here (${original.refusal.message}) Showing the processed image alone.`,
      );
    }
    compare.append(...panels.map((panel) => panel.figure));

    const title = h('h3', { tabindex: -1 }, filename);
    this.root.replaceChildren(
      ...nodes(
        title,
        h('p', { class: 'muted job-id' }, `job ${jobId}`),
        this.toggles(detections, compare),
        originalNote,
        compare,
        this.downloads(metadata, panels[0].url, filename),
        this.eraseControl(jobId, filename),
        this.facts(metadata),
        this.detectionTable(detections, compare),
        this.timings(metadata),
        this.models(metadata),
      ),
    );
    if (moveFocus) title.focus();
    await Promise.all(panels.map((panel) => panel.drawn));
    if (generation === this.generation) this.setState('ready', jobId);
  }

  /** Erasure on request: after a confirmation, everything stored of the job is deleted. */
  private eraseControl(jobId: string, filename: string): HTMLElement {
    const button = h('button', { type: 'button', class: 'button danger', 'data-action': 'erase' }, 'Erase this job');
    const outcome = h('span', { class: 'erase-outcome', role: 'status' });
    button.addEventListener('click', async () => {
      const question = `Erase ${filename}? The original, the processed image and the metadata are deleted for good.`;
      if (!window.confirm(question)) return;
      button.setAttribute('disabled', '');
      try {
        await this.api.erase(jobId);
      } catch (err) {
        outcome.textContent = asRefusal(err).message;
        outcome.className = 'erase-outcome error';
        button.removeAttribute('disabled');
        return;
      }
      this.releaseUrls();
      this.root.replaceChildren(
        h(
          'p',
          { class: 'note', 'data-note': 'erased', tabindex: -1 },
          `${filename} (job ${jobId}) was erased: its original, processed image, metadata and records are deleted.`,
        ),
      );
      this.setState('erased', jobId);
      this.onErased(jobId);
    });
    return h('p', { class: 'erase' }, button, ' ', outcome);
  }

  private setState(state: 'loading' | 'error' | 'ready' | 'erased', jobId: string): void {
    this.root.dataset['state'] = state;
    this.root.dataset['jobId'] = jobId;
  }

  private panel(kind: Panel, blob: Blob, metadata: JobMetadata, detections: Detection[], filename: string) {
    const url = this.objectUrl(blob);
    const counts = countByKind(detections);
    const alt =
      kind === 'processed'
        ? `${filename}, processed: ${plural(counts.face, 'face')} and ${plural(counts.plate, 'plate')} blurred`
        : `${filename}, the original as uploaded`;
    const img = h('img', { alt, src: url, decoding: 'async' });
    const frame = h('div', { class: 'frame' }, img);
    const figure = h(
      'figure',
      { class: 'shot', 'data-panel': kind },
      frame,
      h('figcaption', {}, kind === 'processed' ? 'Processed (what gets published)' : 'Original (as uploaded)'),
    );
    // Boxes are in pixels of the upright original (the metadata's width and height); drawn over
    // the image in its own pixels, they stay aligned at any displayed size.
    const drawn = img.decode().then(
      () => frame.append(overlay(detections, metadata.image, { width: img.naturalWidth, height: img.naturalHeight })),
      () => frame.append(h('p', { class: 'error' }, `The ${kind} image cannot be displayed by this browser.`)),
    );
    return { figure, url, drawn };
  }

  private toggles(detections: Detection[], compare: HTMLElement): HTMLElement {
    const counts = countByKind(detections);
    return h(
      'fieldset',
      { class: 'toggles' },
      h('legend', {}, 'Show boxes'),
      ...DRAW_KINDS.map((kind) => {
        const input = h('input', { type: 'checkbox', checked: true, 'data-toggle': kind });
        input.addEventListener('change', () => compare.classList.toggle(`hide-${kind}`, !input.checked));
        return h('label', { class: `toggle kind-${kind}` }, input, ` ${KIND_NAMES[kind]} (${counts[kind]})`);
      }),
    );
  }

  private downloads(metadata: JobMetadata, processedUrl: string, filename: string): HTMLElement {
    const json = this.objectUrl(new Blob([JSON.stringify(metadata, null, 2)], { type: 'application/json' }));
    return h(
      'p',
      { class: 'downloads' },
      h(
        'a',
        { class: 'button', href: processedUrl, download: derivedFilename(filename, 'blurred') },
        'Download processed image',
      ),
      h(
        'a',
        { class: 'button', href: json, download: derivedFilename(filename, 'metadata', 'json') },
        'Download metadata JSON',
      ),
    );
  }

  private facts(metadata: JobMetadata): HTMLElement {
    const { image, blur_metadata: blur } = metadata;
    const rows: [string, string][] = [
      [
        'Image',
        `${image.width} × ${image.height} ${image.format.toUpperCase()}, EXIF orientation ${image.orientation}`,
      ],
      ['Size', `${formatBytes(image.bytes_original)} original, ${formatBytes(image.bytes_processed)} processed`],
      ['Blur', `${blur.method}, strength ${blur.policy.strength}, boxes grown ×${blur.policy.box_expansion}`],
      ['Recheck', describeRecheck(blur.verification)],
      ['Output', describeOutput(blur.output)],
      ['Worker', `${metadata.pipeline.worker_id}, pipeline ${metadata.pipeline.version}`],
    ];
    return h('dl', { class: 'facts' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
  }

  private detectionTable(detections: Detection[], compare: HTMLElement): HTMLElement {
    const rows = detections.map((detection, index) => {
      const row = h(
        'tr',
        { 'data-kind': detection.kind },
        h('td', {}, index + 1),
        h('td', {}, detection.kind),
        h('td', {}, detection.label),
        h('td', { class: 'num' }, `${Math.round(detection.score * 100)} %`),
        h('td', { class: 'num' }, detection.box.map((v) => Math.round(v)).join(', ')),
        h('td', {}, detection.source ?? ''),
      );
      // Pointing at a row outlines its boxes in both images.
      const mark = (on: boolean) =>
        compare
          .querySelectorAll(`.det[data-index="${index}"]`)
          .forEach((group) => group.classList.toggle('highlight', on));
      row.addEventListener('mouseenter', () => mark(true));
      row.addEventListener('mouseleave', () => mark(false));
      return row;
    });
    return h(
      'details',
      { class: 'detections', open: detections.length <= 30 },
      h('summary', {}, `Detections (${detections.length})`),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['#', 'Kind', 'Label', 'Score', 'Box x1, y1, x2, y2', 'Source'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
  }

  private timings(metadata: JobMetadata): HTMLElement {
    const stages = Object.entries(metadata.timings_ms);
    return h(
      'details',
      { class: 'timings', open: true },
      h('summary', {}, 'Timings'),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Stage'), h('th', { scope: 'col' }, 'Time'))),
        h(
          'tbody',
          {},
          ...stages.map(([stage, ms]) =>
            h('tr', { 'data-stage': stage }, h('td', {}, stage), h('td', { class: 'num' }, formatMilliseconds(ms))),
          ),
        ),
      ),
    );
  }

  private models(metadata: JobMetadata): HTMLElement {
    const byName = new Map<string, ModelInfo>();
    for (const model of [metadata.detection_metadata.model, ...metadata.blur_metadata.models]) {
      byName.set(`${model.name}@${model.version}`, model);
    }
    return h(
      'details',
      { class: 'models', open: true },
      h('summary', {}, 'Models'),
      h(
        'ul',
        {},
        ...[...byName.values()].map((model) =>
          h(
            'li',
            {},
            `${model.name} ${model.version} `,
            h('code', { title: `sha256 ${model.sha256}` }, model.sha256.slice(0, 12)),
          ),
        ),
      ),
    );
  }

  private objectUrl(blob: Blob): string {
    const url = URL.createObjectURL(blob);
    this.objectUrls.push(url);
    return url;
  }

  /** Images of the previous job are dropped from memory when another is shown. */
  private releaseUrls(): void {
    for (const url of this.objectUrls) URL.revokeObjectURL(url);
    this.objectUrls = [];
  }
}

function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function overlay(detections: Detection[], source: Size, shown: Size): SVGSVGElement {
  const fontSize = labelSize(shown);
  return svg(
    'svg',
    {
      class: 'overlay',
      viewBox: `0 0 ${shown.width} ${shown.height}`,
      preserveAspectRatio: 'none',
      // The detections table says the same in words.
      'aria-hidden': 'true',
    },
    ...detections.map((detection, index) => {
      const rect = scaleBox(detection.box, source, shown);
      const labelAbove = rect.y >= fontSize * 1.2;
      return svg(
        'g',
        { class: 'det', 'data-kind': detection.kind, 'data-index': index },
        svg(
          'rect',
          {
            class: 'box',
            x: rect.x,
            y: rect.y,
            width: rect.width,
            height: rect.height,
            'data-kind': detection.kind,
            'data-label': detection.label,
            'data-score': detection.score,
            'data-box': detection.box.join(','),
          },
          svg('title', {}, describeDetection(detection)),
        ),
        svg(
          'text',
          {
            class: 'det-label',
            x: rect.x,
            y: labelAbove ? rect.y - fontSize * 0.25 : rect.y + fontSize,
            'font-size': fontSize,
          },
          describeDetection(detection),
        ),
      );
    }),
  );
}
