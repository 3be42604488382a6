import { ApiClient } from './lib/api-client';
import { partitionImages } from './lib/files';
import { plural } from './lib/format';
import { normaliseToken, readToken, storeToken } from './lib/token';
import { byId } from './ui/dom';
import { JobList } from './ui/jobs';
import { QueuePanel } from './ui/queue-panel';
import { Viewer } from './ui/viewer';

const api = new ApiClient(readToken);
// An erased job is no longer linked from the address bar.
const viewer = new Viewer(api, byId('viewer-body'), () => history.replaceState(null, '', location.pathname));
const queue = new QueuePanel(api, byId('queue'));
const method = byId<HTMLSelectElement>('method');
const jobs = new JobList(
  api,
  byId<HTMLOListElement>('job-list'),
  byId('jobs-summary'),
  () => (method.value ? JSON.stringify({ method: method.value }) : undefined),
  // A finished job opens by itself only while the viewer is empty; after that, the person picks.
  (entry, fromPerson) => {
    if (fromPerson || !viewer.jobId) openJob(entry.jobId as string, fromPerson);
  },
);

setUpToken();
setUpPickers();
setUpJobLinks();
queue.start();

function openJob(jobId: string, moveFocus: boolean): void {
  history.replaceState(null, '', `#job=${jobId}`);
  void viewer.show(jobId, moveFocus);
}

/** `/#job=<id>` opens that job: a link to a result, or a job submitted with curl or the CLI. */
function setUpJobLinks(): void {
  const linkedJob = () => /^#job=([0-9a-f-]{36})$/i.exec(location.hash)?.[1];
  const linked = linkedJob();
  if (linked) openJob(linked, false);
  window.addEventListener('hashchange', () => {
    const jobId = linkedJob();
    if (jobId && jobId !== viewer.jobId) openJob(jobId, true);
  });
}

function setUpToken(): void {
  const form = byId<HTMLFormElement>('token-form');
  const input = byId<HTMLInputElement>('token');
  const state = byId('token-state');
  const describe = () => {
    state.textContent = readToken()
      ? 'A token is set for this tab; it is forgotten when the tab closes.'
      : 'No token: requests go without one.';
  };
  input.value = readToken();
  describe();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    storeToken(normaliseToken(input.value));
    input.value = readToken();
    describe();
    queue.refresh();
  });
  byId('token-forget').addEventListener('click', () => {
    storeToken('');
    input.value = '';
    describe();
    queue.refresh();
  });
}

function setUpPickers(): void {
  const skipped = byId('skipped');
  const take = (files: FileList | null) => {
    const picked = partitionImages([...(files ?? [])]);
    skipped.textContent = picked.skipped.length
      ? `Skipped ${plural(picked.skipped.length, 'file')} that ${picked.skipped.length === 1 ? 'is' : 'are'} not JPEG, PNG or WebP.`
      : '';
    if (picked.images.length) jobs.add(picked.images);
    queue.refresh();
  };
  for (const id of ['file-input', 'folder-input']) {
    const input = byId<HTMLInputElement>(id);
    input.addEventListener('change', () => {
      take(input.files);
      // The same file can be picked again (e.g. after adding a token).
      input.value = '';
    });
  }
  const zone = byId('drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    take(event.dataTransfer?.files ?? null);
  });
}
