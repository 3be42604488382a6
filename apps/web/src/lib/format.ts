import type { BlurMetadata, JobStatusView } from '@imgpipe/contracts';

/** `270 ms`, `2.4 s`, `3 min 5 s`; an em dash for a figure the api does not have yet. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export function formatMilliseconds(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The api counts throughput in jobs per second; people think of photos per minute. */
export function formatPerMinute(perSecond: number): string {
  const perMinute = perSecond * 60;
  return `${perMinute < 10 ? perMinute.toFixed(1) : Math.round(perMinute)} /min`;
}

export function formatPercent(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(ratio === 1 || ratio === 0 ? 0 : 1)} %`;
}

export type Tone = 'pending' | 'busy' | 'good' | 'bad';

export interface StatusText {
  /** One or two words, shown in the status badge. */
  label: string;
  tone: Tone;
  /** Longer explanation (time taken, reason of a failure), possibly empty. */
  detail: string;
}

/** What a job's row says about a `/status` answer. */
export function describeStatus(view: JobStatusView): StatusText {
  switch (view.status) {
    case 'submitted':
      if (view.error) {
        return {
          label: 'retrying',
          tone: 'pending',
          detail: `attempt ${view.attempts} failed (${view.error}); waiting to try again`,
        };
      }
      return { label: 'queued', tone: 'pending', detail: 'waiting for a worker' };
    case 'processing':
      return {
        label: 'processing',
        tone: 'busy',
        detail: view.attempts > 1 ? `attempt ${view.attempts}` : '',
      };
    case 'completed': {
      const results = view.results;
      if (!results) return { label: 'completed', tone: 'good', detail: '' };
      const regions = results.blur_metadata.regions;
      const faces = regions.filter((region) => region.kind === 'face').length;
      const plates = regions.length - faces;
      const objects = results.detection_metadata.objects.length;
      return {
        label: 'completed',
        tone: 'good',
        detail:
          `in ${formatSeconds(results.processing_time)}: ` +
          `${plural(faces, 'face')}, ${plural(plates, 'plate')} blurred; ${plural(objects, 'object')}`,
      };
    }
    case 'failed':
      return { label: 'failed', tone: 'bad', detail: view.error ?? 'no reason given' };
  }
}

/** The worker looks for faces and plates again in the blurred image; what it still finds is blurred again. */
export function describeRecheck(verification: {
  rechecked: boolean;
  residual: number;
  residual_faces?: number;
  residual_plates?: number;
}): string {
  if (!verification.rechecked) return 'not run';
  if (verification.residual === 0) return 'no face or plate found in the blurred image';
  const faces = verification.residual_faces ?? verification.residual;
  const plates = verification.residual_plates ?? 0;
  const found = [faces && plural(faces, 'face'), plates && plural(plates, 'plate')].filter(Boolean).join(' and ');
  return `${found} still found in the blurred image, and blurred again`;
}

/** How the processed image was made: from the blurred pixels, or the original's bytes less their metadata. */
export function describeOutput(output: BlurMetadata['output']): string {
  if (output === 'metadata-stripped')
    return 'nothing to blur: the original pixels, with EXIF, GPS and other metadata removed';
  if (output === 'reencoded') return 'encoded from the blurred pixels, with no metadata';
  return 'not recorded (pipeline before 0.5.0)';
}

export function isFinished(view: JobStatusView): boolean {
  return view.status === 'completed' || view.status === 'failed';
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A download name next to the upload's own: `street.jpg` -> `street.blurred.jpg`. */
export function derivedFilename(filename: string, suffix: string, extension?: string): string {
  const dot = filename.lastIndexOf('.');
  const stem = dot > 0 ? filename.slice(0, dot) : filename;
  const ext = extension ?? (dot > 0 ? filename.slice(dot + 1) : '');
  return ext ? `${stem}.${suffix}.${ext}` : `${stem}.${suffix}`;
}
