// Batches WebSocket writes per session per tick.
//
// Why: a uWS socket written outside its own callback is corked and uncorked around every
// write, one send(2) each; measured on loopback, that syscall is ~80% of the server CPU of
// a small `socket.send()` (bench/engine-send.bench.ts). app.publish already batches per
// subscriber until the end of the loop iteration. Sessions queue here instead, and one
// microtask per tick hands each session's packets to its transport in one cork.
//
// Invariants: a session is queued at most once; everything queued before a publish goes
// out before it (the server flushes the queue first), so a session sees its direct sends
// and the publishes it receives in call order.

/** What the queue needs from a session. */
export interface QueuedFlush {
  /** Called once per queueing, from the queue's microtask or an early flushAll(). */
  flushQueued(): void;
}

export class FlushQueue {
  private queue: QueuedFlush[] = [];
  private scheduled = false;
  private readonly run = (): void => {
    this.scheduled = false;
    this.flushAll();
  };

  /** Queues a session for the next flush (the caller makes sure it is not queued yet). */
  add(session: QueuedFlush): void {
    this.queue.push(session);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.run);
    }
  }

  /** Flushes every queued session now (before a publish, or from the microtask). */
  flushAll(): void {
    // A flush may queue more (a send from a "flush"/"drain" listener): loop until empty.
    while (this.queue.length > 0) {
      const q = this.queue;
      this.queue = [];
      for (let i = 0; i < q.length; i++) q[i].flushQueued();
    }
  }

  /** Number of sessions waiting (for tests and diagnostics). */
  get size(): number {
    return this.queue.length;
  }
}
