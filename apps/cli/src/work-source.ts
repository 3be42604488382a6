import { basename, extname } from 'node:path';
import { outputStems } from './inputs';

/** The next image to process, and the stem its outputs are written under. */
export interface WorkItem {
  file: string;
  stem: string;
}

/** Where `npm run process` takes its images from, one at a time, as each of its jobs frees up. */
export interface WorkSource {
  /** Known up front for a list of files; undefined when another process hands them out. */
  readonly total?: number;
  next(): Promise<WorkItem | undefined>;
  finished(item: WorkItem, ok: boolean): void;
}

/** The files given on the command line, in order. */
export function listSource(files: string[]): WorkSource {
  const stems = outputStems(files);
  let next = 0;
  return {
    total: files.length,
    next: async () => (next < files.length ? { file: files[next], stem: stems[next++] } : undefined),
    finished: () => undefined,
  };
}

/** What a parent process sends a CLI started with --inputs-from-parent, one message per `want`. */
export type ParentMessage = { type: 'image'; index: number; path: string } | { type: 'end' };
/** What that CLI sends its parent: a free job asking for an image, and each image's outcome. */
export type ChildMessage = { type: 'want' } | { type: 'done'; index: number; ok: boolean };

/**
 * Images handed out one at a time by the parent over the IPC channel, so that several CLI
 * processes drain one shared queue and none sits idle while another still has a backlog (the
 * limit run of `npm run bench`). A process asks for its first image once its models are loaded.
 */
export function parentSource(): WorkSource {
  const send = process.send?.bind(process);
  if (!send) throw new Error('--inputs-from-parent needs a parent process with an IPC channel');
  const answers: ((message: ParentMessage) => void)[] = [];
  const indexes = new Map<WorkItem, number>();
  process.on('message', (message: ParentMessage) => answers.shift()?.(message));
  return {
    next: () =>
      new Promise((resolve) => {
        answers.push((message) => {
          if (message.type !== 'image') return resolve(undefined);
          const item = {
            file: message.path,
            stem: `${basename(message.path, extname(message.path))}-${message.index}`,
          };
          indexes.set(item, message.index);
          resolve(item);
        });
        send({ type: 'want' } satisfies ChildMessage);
      }),
    finished: (item, ok) => {
      send({ type: 'done', index: indexes.get(item) as number, ok } satisfies ChildMessage);
      indexes.delete(item);
    },
  };
}
