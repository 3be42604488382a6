import type { JobStatusView } from '@imgpipe/contracts';
import type { ApiClient } from '../lib/api-client';
import { describeStatus, formatBytes, isFinished, plural, type Tone } from '../lib/format';
import { ApiRefusal, asRefusal, isFileProblem } from '../lib/refusal';
import { h, nodes } from './dom';

/** Client-side phases before the api knows the job, then the api's own statuses. */
type Phase = 'waiting' | 'uploading' | 'refused' | JobStatusView['status'];

export interface JobEntry {
  key: number;
  file: File;
  phase: Phase;
  progress: number;
  jobId?: string;
  /** When its status was last asked for (ms), so that every pending job gets its turn. */
  polledAt: number;
  view?: JobStatusView;
  refusal?: ApiRefusal;
  row: HTMLLIElement;
  /** What the row shows now, so a poll that changes nothing does not rebuild it. */
  rendered?: string;
}

// Enough to keep a connection busy while the next file is read; more only competes for bandwidth.
const PARALLEL_UPLOADS = 3;
const POLL_INTERVAL_MS = 1000;
// A folder of hundreds of photos must not turn into hundreds of requests a second.
const POLLS_PER_TICK = 8;

/** The list of uploads: sends files, polls their jobs, and offers the finished ones to the viewer. */
export class JobList {
  private readonly entries: JobEntry[] = [];
  private nextKey = 1;
  private uploading = 0;
  private pollTimer: number | undefined;
  private polling = false;

  constructor(
    private readonly api: ApiClient,
    private readonly list: HTMLOListElement,
    private readonly summary: HTMLElement,
    private readonly policy: () => string | undefined,
    /** `fromPerson` is false when a job has just finished and nobody asked to see it. */
    private readonly onView: (entry: JobEntry, fromPerson: boolean) => void,
  ) {}

  add(files: readonly File[]): void {
    for (const file of files) {
      const entry: JobEntry = {
        key: this.nextKey++,
        file,
        phase: 'waiting',
        progress: 0,
        polledAt: 0,
        row: h('li', { class: 'job' }),
      };
      this.entries.push(entry);
      this.list.append(entry.row);
      this.render(entry);
    }
    this.renderSummary();
    this.startUploads();
  }

  private startUploads(): void {
    for (const entry of this.entries) {
      if (this.uploading >= PARALLEL_UPLOADS) return;
      if (entry.phase === 'waiting') void this.upload(entry);
    }
  }

  private async upload(entry: JobEntry): Promise<void> {
    this.uploading++;
    this.update(entry, { phase: 'uploading', progress: 0, refusal: undefined });
    try {
      const accepted = await this.api.upload(entry.file, this.policy(), (progress) => this.update(entry, { progress }))
        .done;
      this.update(entry, { phase: accepted.status, jobId: accepted.job_id, progress: 1 });
      this.schedulePoll();
    } catch (err) {
      this.update(entry, { phase: 'refused', refusal: asRefusal(err) });
    } finally {
      this.uploading--;
      this.startUploads();
    }
  }

  private schedulePoll(): void {
    if (this.pollTimer === undefined) this.pollTimer = window.setTimeout(() => void this.poll(), POLL_INTERVAL_MS);
  }

  private async poll(): Promise<void> {
    this.pollTimer = undefined;
    if (this.polling) return;
    this.polling = true;
    try {
      const pending = this.entries
        .filter((entry) => entry.jobId && !(entry.view && isFinished(entry.view)))
        .sort((a, b) => a.polledAt - b.polledAt);
      for (const entry of pending.slice(0, POLLS_PER_TICK)) {
        entry.polledAt = Date.now();
        try {
          const view = await this.api.status(entry.jobId as string);
          const wasFinished = entry.view ? isFinished(entry.view) : false;
          this.update(entry, { view, phase: view.status, refusal: undefined });
          if (!wasFinished && view.status === 'completed') this.onView(entry, false);
        } catch (err) {
          // Keep polling: a refused poll (token expired, api restarting) is shown, not final.
          this.update(entry, { refusal: asRefusal(err) });
        }
      }
      if (this.entries.some((entry) => entry.jobId && !(entry.view && isFinished(entry.view)))) this.schedulePoll();
    } finally {
      this.polling = false;
    }
  }

  private update(entry: JobEntry, changes: Partial<JobEntry>): void {
    Object.assign(entry, changes);
    this.render(entry);
    this.renderSummary();
  }

  private render(entry: JobEntry): void {
    const status = this.statusOf(entry);
    const progress = entry.phase === 'uploading' ? Math.round(entry.progress * 100) : null;
    const signature = JSON.stringify([entry.phase, progress, status, entry.jobId]);
    if (signature === entry.rendered) return;
    entry.rendered = signature;

    const { row, file } = entry;
    // Rebuilding the row must not throw away keyboard focus on its button.
    const focused = row.contains(document.activeElement) ? (document.activeElement as HTMLElement).className : '';
    const name = file.webkitRelativePath || file.name;
    row.dataset['status'] = entry.phase;
    if (entry.jobId) row.dataset['jobId'] = entry.jobId;
    row.replaceChildren(
      ...nodes(
        h('span', { class: 'job-name', title: name }, name),
        h('span', { class: 'job-size' }, formatBytes(file.size)),
        // Bytes sent; a refused upload shows its reason instead.
        entry.phase !== 'refused' &&
          h(
            'progress',
            {
              class: 'job-progress',
              max: 100,
              value: entry.phase === 'waiting' ? 0 : (progress ?? 100),
              'aria-label': `Upload of ${name}`,
            },
            `${progress ?? 0} %`,
          ),
        h('span', { class: `badge tone-${status.tone}` }, status.label),
        h('span', { class: 'job-detail' }, status.detail),
        this.actionOf(entry),
      ),
    );
    if (focused) (row.querySelector(`.${focused.split(' ')[0]}`) as HTMLElement | null)?.focus();
  }

  private statusOf(entry: JobEntry): { label: string; tone: Tone; detail: string } {
    const refusal = entry.refusal?.message ?? '';
    switch (entry.phase) {
      case 'waiting':
        return { label: 'waiting', tone: 'pending', detail: 'waiting for other uploads to finish' };
      case 'uploading':
        return { label: 'uploading', tone: 'busy', detail: `${Math.round(entry.progress * 100)} % sent` };
      case 'refused':
        return { label: 'refused', tone: 'bad', detail: refusal };
      default: {
        const text = entry.view ? describeStatus(entry.view) : { label: 'queued', tone: 'pending' as Tone, detail: '' };
        // A failed poll does not change the job; say why its status is stale.
        return refusal ? { ...text, detail: `${text.detail} (status not refreshed: ${refusal})` } : text;
      }
    }
  }

  private actionOf(entry: JobEntry): HTMLElement | null {
    const name = entry.file.name;
    if (entry.phase === 'completed') {
      const button = h('button', { type: 'button', class: 'job-view', 'aria-label': `View ${name}` }, 'View');
      button.addEventListener('click', () => this.onView(entry, true));
      return button;
    }
    if (entry.phase === 'refused' && entry.refusal && !isFileProblem(entry.refusal)) {
      const button = h('button', { type: 'button', class: 'job-retry', 'aria-label': `Retry ${name}` }, 'Retry');
      button.addEventListener('click', () => {
        this.update(entry, { phase: 'waiting', refusal: undefined });
        this.startUploads();
      });
      return button;
    }
    return null;
  }

  private renderSummary(): void {
    const counts = new Map<string, number>();
    for (const entry of this.entries) counts.set(entry.phase, (counts.get(entry.phase) ?? 0) + 1);
    const parts = [...counts].map(([phase, count]) => `${count} ${phase}`);
    const text = this.entries.length
      ? `${plural(this.entries.length, 'photo')}: ${parts.join(', ')}`
      : 'No uploads yet.';
    // A live region: rewrite it only when it says something new, not at every progress event.
    if (this.summary.textContent !== text) this.summary.textContent = text;
  }
}
