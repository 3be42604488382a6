/**
 * Redis WAIT for many callers at once. WAIT covers every write sent before it on its connection,
 * so a caller whose write has been answered is covered by any WAIT sent after that: callers that
 * arrive while one WAIT is out share the next one instead of queueing a WAIT each behind it
 * (WAIT blocks its connection, and the queue's connection carries every upload).
 */
export class ReplicaAcks {
  private current: Promise<number> | null = null;
  private next: Promise<number> | null = null;

  /** `wait()` sends one WAIT and resolves with the replicas that acknowledged. */
  constructor(private readonly wait: () => Promise<number>) {}

  /** Replicas that hold every write this connection had answered before the call. */
  confirm(): Promise<number> {
    if (!this.current) return this.start();
    this.next ??= this.current
      .catch(() => 0)
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<number> {
    const sent = this.wait().finally(() => {
      if (this.current === sent) this.current = null;
    });
    this.current = sent;
    return sent;
  }
}
