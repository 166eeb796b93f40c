/**
 * One line of progress on a terminal (rows, rows/s, ETA), redrawn at most five times a second
 * and erased at the end. Nothing at all when the stream is not a terminal, so logs and pipes
 * stay clean.
 */
import type { WriteStream } from 'node:tty';

const REDRAW_MS = 200;

function seconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export class ProgressLine {
  private readonly started = performance.now();
  private drawnAt = 0;
  private drawn = false;

  constructor(
    private readonly stream: Pick<WriteStream, 'write'> & { isTTY?: boolean },
    private readonly label: string,
  ) {}

  /** Rows done so far, and the part done (0–1) when known. */
  update = (rows: number, fraction: number | null): void => {
    if (!this.stream.isTTY) return;
    const now = performance.now();
    if (now - this.drawnAt < REDRAW_MS) return;
    this.drawnAt = now;
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? Math.round(rows / elapsed) : 0;
    let text = `${this.label}: ${rows.toLocaleString('en-US')} rows, ${rate.toLocaleString('en-US')} rows/s`;
    if (fraction !== null && fraction > 0) {
      text += `, ${Math.floor(fraction * 100)} %, ETA ${seconds((elapsed * (1 - fraction)) / fraction)}`;
    }
    this.stream.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  };

  /** Erases the line, so the summary that follows stands alone. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
  }
}
