import { SingleBar } from 'cli-progress';

/**
 * A one-line progress bar on a terminal; elsewhere (logs, CI) the same line every few seconds
 * and once at the end, so a log is not flooded.
 */
export class Progress {
  private readonly bar: SingleBar;
  private readonly started = Date.now();
  private done_ = 0;

  constructor(
    total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.bar = new SingleBar({
      stream,
      format: '[{bar}] {value}/{total} {rate} images/s',
      barsize: 30,
      barCompleteChar: '#',
      barIncompleteChar: ' ',
      noTTYOutput: true,
      notTTYSchedule: 5000,
      // Off a terminal the last line already ends in a newline; stopping would add a blank one.
      clearOnComplete: !stream.isTTY,
    });
    this.bar.start(total, 0, { rate: '0.00' });
  }

  tick(): void {
    this.done_ += 1;
    const rate = this.done_ / Math.max(0.001, (Date.now() - this.started) / 1000);
    this.bar.increment(1, { rate: rate.toFixed(2) });
  }

  /** A line above the bar; the bar is drawn again below it on the next tick. */
  note(message: string): void {
    this.stream.write(`${this.stream.isTTY ? '\r\x1b[K' : ''}${message}\n`);
  }

  done(): void {
    this.bar.stop();
  }
}
