import type {
  HealthView,
  JobMetadata,
  JobStatusView,
  QueueStatusView,
  StatsView,
  UploadAccepted,
} from '@imgpipe/contracts';
import { ApiRefusal, refusalFrom, unreachable } from './refusal';

export interface Upload {
  done: Promise<UploadAccepted>;
  abort(): void;
}

/**
 * The api's routes as the page uses them. Paths are relative so the page works wherever the api
 * is mounted; every request carries the token when there is one. Images are fetched too (not
 * loaded by <img src>), because an <img> cannot send an Authorization header.
 */
export class ApiClient {
  constructor(private readonly token: () => string) {}

  status(jobId: string): Promise<JobStatusView> {
    return this.json(`status/${encodeURIComponent(jobId)}`);
  }

  metadata(jobId: string): Promise<JobMetadata> {
    return this.json(`results/${encodeURIComponent(jobId)}/metadata`);
  }

  image(jobId: string, kind: 'processed' | 'original'): Promise<Blob> {
    return this.blob(`results/${encodeURIComponent(jobId)}/${kind}`);
  }

  /** DELETE /jobs/{id}: the job's original, processed image, metadata and records are erased. */
  async erase(jobId: string): Promise<void> {
    const res = await this.request(`jobs/${encodeURIComponent(jobId)}`, 'application/json', 'DELETE');
    if (!res.ok) throw await refusalOf(res);
  }

  queueStatus(): Promise<QueueStatusView> {
    return this.json('queue-status');
  }

  stats(): Promise<StatsView> {
    return this.json('stats');
  }

  health(): Promise<HealthView> {
    // 503 still carries the body that says what is down.
    return this.json('health', [503]);
  }

  /** POST /upload with progress; XMLHttpRequest because fetch cannot report upload progress. */
  upload(file: File, policy: string | undefined, onProgress: (fraction: number) => void): Upload {
    const xhr = new XMLHttpRequest();
    const done = new Promise<UploadAccepted>((resolve, reject) => {
      xhr.open('POST', 'upload');
      xhr.responseType = 'text';
      const auth = this.authorization();
      if (auth) xhr.setRequestHeader('Authorization', auth);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          try {
            resolve(JSON.parse(xhr.responseText) as UploadAccepted);
          } catch {
            reject(unreachable('the answer to the upload was not JSON'));
          }
        } else {
          reject(refusalFrom(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
        }
      };
      xhr.onerror = () => reject(unreachable('the connection failed during the upload'));
      xhr.onabort = () => reject(unreachable('the upload was cancelled'));
      const form = new FormData();
      form.append('file', file, file.name);
      if (policy) form.append('policy', policy);
      xhr.send(form);
    });
    return { done, abort: () => xhr.abort() };
  }

  private async json<T>(path: string, alsoOk: number[] = []): Promise<T> {
    const res = await this.request(path, 'application/json');
    if (!res.ok && !alsoOk.includes(res.status)) throw await refusalOf(res);
    return (await res.json()) as T;
  }

  private async blob(path: string): Promise<Blob> {
    const res = await this.request(path, 'image/*');
    if (!res.ok) throw await refusalOf(res);
    return res.blob();
  }

  private async request(path: string, accept: string, method = 'GET'): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    const auth = this.authorization();
    if (auth) headers['Authorization'] = auth;
    try {
      return await fetch(path, { method, headers, cache: 'no-store' });
    } catch (err) {
      throw unreachable((err as Error).message);
    }
  }

  private authorization(): string | undefined {
    const token = this.token();
    return token ? `Bearer ${token}` : undefined;
  }
}

async function refusalOf(res: Response): Promise<ApiRefusal> {
  return refusalFrom(res.status, await res.text().catch(() => ''), res.headers.get('Retry-After'));
}
