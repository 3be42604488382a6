import * as ort from 'onnxruntime-node';

export interface OnnxSessionOptions {
  /** Threads one model run may use. Size it with the worker processes so the cores are not oversubscribed. */
  intraOpThreads?: number;
}

/**
 * Creates a session once per model per process. Spinning is off: onnxruntime's spinning
 * intra-op threads otherwise keep burning a core after each run and starve libvips and the
 * next model (measured: 185 ms of CPU per image with spinning, about 80 without).
 */
export function createOnnxSession(path: string, options: OnnxSessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings about unused initializers in the shipped models say nothing actionable per start.
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
}

export { ort };
