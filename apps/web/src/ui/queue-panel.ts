import type { HealthView, QueueStatusView, StatsView } from '@imgpipe/contracts';
import type { ApiClient } from '../lib/api-client';
import { formatPerMinute, formatPercent, formatSeconds } from '../lib/format';
import { asRefusal } from '../lib/refusal';
import { h } from './dom';

const REFRESH_MS = 3000;

interface Figure {
  /** Key in the panel's DOM (`data-queue`, `data-stats`, `data-health`), for people's tools and the tests. */
  attr: string;
  key: string;
  term: string;
}

const QUEUE: Figure[] = [
  { attr: 'queue', key: 'waiting', term: 'Waiting' },
  { attr: 'queue', key: 'active', term: 'Active' },
  { attr: 'queue', key: 'delayed', term: 'Delayed (retry)' },
  { attr: 'queue', key: 'failed', term: 'Failed' },
  { attr: 'queue', key: 'completed', term: 'Completed' },
  { attr: 'queue', key: 'workers', term: 'Workers' },
  { attr: 'queue', key: 'oldest_waiting_age_seconds', term: 'Oldest waiting' },
  { attr: 'queue', key: 'max_queue_size', term: 'Queue limit' },
  { attr: 'queue', key: 'redis_primary', term: 'Redis primary' },
];

const STATS: Figure[] = [
  { attr: 'stats', key: 'throughput_1m', term: 'Throughput, last minute' },
  { attr: 'stats', key: 'throughput_15m', term: 'Throughput, last 15 min' },
  { attr: 'stats', key: 'success_rate', term: 'Success rate' },
  { attr: 'stats', key: 'processing_p50', term: 'Processing p50 / p95' },
  { attr: 'stats', key: 'latency_p50', term: 'Upload to done p50 / p95' },
];

/** Queue depth, throughput and health, refreshed while the tab is visible. */
export class QueuePanel {
  private timer: number | undefined;
  private readonly values = new Map<string, HTMLElement>();
  private readonly updated: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly health: HTMLElement;

  constructor(
    private readonly api: ApiClient,
    root: HTMLElement,
  ) {
    this.health = h('p', { class: 'health', 'data-health': 'unknown' }, 'api: checking…');
    this.problem = h('p', { class: 'error', role: 'alert' });
    this.updated = h('p', { class: 'muted updated' });
    root.append(this.health, this.list('Queue', QUEUE), this.list('Statistics', STATS), this.problem, this.updated);
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.refresh();
    });
  }

  start(): void {
    this.refresh();
  }

  /** Reads everything now (and then every few seconds): after a token change, for instance. */
  refresh(): void {
    window.clearTimeout(this.timer);
    void this.load().finally(() => {
      if (!document.hidden) this.timer = window.setTimeout(() => this.refresh(), REFRESH_MS);
    });
  }

  private list(title: string, figures: Figure[]): HTMLElement {
    const dl = h('dl', { class: 'figures' });
    for (const figure of figures) {
      const value = h('dd', { [`data-${figure.attr}`]: figure.key }, '—');
      this.values.set(`${figure.attr}.${figure.key}`, value);
      dl.append(h('dt', {}, figure.term), value);
    }
    return h('section', { class: 'figure-group' }, h('h3', {}, title), dl);
  }

  private async load(): Promise<void> {
    const [queue, stats, health] = await Promise.allSettled([
      this.api.queueStatus(),
      this.api.stats(),
      this.api.health(),
    ]);
    if (queue.status === 'fulfilled') this.showQueue(queue.value);
    if (stats.status === 'fulfilled') this.showStats(stats.value);
    this.showHealth(health.status === 'fulfilled' ? health.value : undefined);
    const refused = [queue, stats].find((result) => result.status === 'rejected');
    const text = refused ? `Queue figures not refreshed: ${asRefusal(refused.reason).message}` : '';
    if (this.problem.textContent !== text) this.problem.textContent = text;
    if (!refused) this.updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  private showQueue(queue: QueueStatusView): void {
    for (const { key } of QUEUE) {
      const value = queue[key as keyof QueueStatusView];
      this.set('queue', key, key === 'oldest_waiting_age_seconds' ? formatSeconds(Number(value)) : String(value));
    }
  }

  private showStats(stats: StatsView): void {
    const pair = (p50: number | null, p95: number | null) => `${formatSeconds(p50)} / ${formatSeconds(p95)}`;
    this.set('stats', 'throughput_1m', formatPerMinute(stats.throughput.last_1m));
    this.set('stats', 'throughput_15m', formatPerMinute(stats.throughput.last_15m));
    this.set('stats', 'success_rate', formatPercent(stats.success_rate));
    this.set('stats', 'processing_p50', pair(stats.processing_time_seconds.p50, stats.processing_time_seconds.p95));
    this.set('stats', 'latency_p50', pair(stats.end_to_end_latency_seconds.p50, stats.end_to_end_latency_seconds.p95));
  }

  private showHealth(health: HealthView | undefined): void {
    const state = health?.status ?? 'unreachable';
    this.health.dataset['health'] = state;
    const failover = health?.status === 'degraded' ? ' (no Redis primary: failover under way)' : '';
    this.health.textContent = health
      ? `api ${health.status}: Redis ${health.dependencies.redis}, storage ${health.dependencies.storage}${failover}`
      : 'api unreachable';
  }

  private set(attr: string, key: string, text: string): void {
    const element = this.values.get(`${attr}.${key}`);
    if (element && element.textContent !== text) element.textContent = text;
  }
}
