// The live progress line on stderr: rewritten in place on a terminal, throttled plain lines
// otherwise (logs and CI keep a readable trace without thousands of updates).
const THROTTLE_MS = 2000;

export class Progress {
  private lastPlain = 0;
  private shown = false;
  constructor(private readonly enabled = true) {}

  update(text: string): void {
    if (!this.enabled) return;
    if (process.stderr.isTTY) {
      const width = process.stderr.columns ?? 120;
      process.stderr.write(`\r${text.slice(0, width - 1).padEnd(Math.min(width - 1, 100))}`);
      this.shown = true;
    } else if (Date.now() - this.lastPlain >= THROTTLE_MS) {
      this.lastPlain = Date.now();
      process.stderr.write(`  … ${text}\n`);
    }
  }

  /** Ends the live line with a permanent one. */
  done(text: string): void {
    if (!this.enabled) return;
    if (this.shown) process.stderr.write("\r\x1b[K");
    this.shown = false;
    process.stderr.write(`${text}\n`);
  }
}
