/** A one-line progress bar on a terminal; one line per tenth of the work otherwise (logs, CI). */
export class Progress {
  private done_ = 0;
  private readonly started = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastDecile = -1;

  constructor(private readonly total: number) {}

  tick(): void {
    this.done_ += 1;
    const rate = this.done_ / Math.max(0.001, (Date.now() - this.started) / 1000);
    const line = `${this.bar()} ${this.done_}/${this.total} ${rate.toFixed(2)} images/s`;
    if (this.tty) {
      process.stderr.write(`\r${line}`);
    } else {
      const decile = Math.floor((this.done_ / this.total) * 10);
      if (decile !== this.lastDecile) process.stderr.write(`${line}\n`);
      this.lastDecile = decile;
    }
  }

  note(message: string): void {
    process.stderr.write(`${this.tty ? '\r\x1b[K' : ''}${message}\n`);
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }

  private bar(width = 30): string {
    const filled = Math.round((this.done_ / this.total) * width);
    return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}]`;
  }
}
