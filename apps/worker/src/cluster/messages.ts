/** What the supervisor asks a worker process over IPC, and how the process answers. */
const REQUESTS = ['imgpipe:health', 'imgpipe:live', 'imgpipe:refresh-metrics'] as const;
export type SupervisorRequest = { type: (typeof REQUESTS)[number]; requestId: number };
export type WorkerReply = { type: 'imgpipe:reply'; requestId: number; body: unknown };
/** Sent once the process has loaded its models and taken its place on the queue. */
export const READY = { type: 'imgpipe:ready' } as const;

export function isReady(message: unknown): boolean {
  return (message as { type?: unknown } | null)?.type === READY.type;
}

export function isSupervisorRequest(message: unknown): message is SupervisorRequest {
  const m = message as SupervisorRequest | null;
  return typeof m === 'object' && m !== null && (REQUESTS as readonly unknown[]).includes(m.type);
}

export function isWorkerReply(message: unknown): message is WorkerReply {
  const m = message as WorkerReply | null;
  return typeof m === 'object' && m !== null && m.type === 'imgpipe:reply' && typeof m.requestId === 'number';
}
