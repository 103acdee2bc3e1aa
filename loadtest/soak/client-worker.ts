// A soak client process ("shard"): holds its share of the clients, reports once a second
// (connected, deliveries, live latency) and, at the end, the checker's tallies.
//
// Started by the driver with fork(); up to 5,000 clients per process so reconnect storms
// (a new socket per client before the old one is gone) stay under the 20,000 fd limit.
import http from "node:http";
import { Histogram } from "../lib/histogram";
import { addTally, emptyTally, type FaultWindow } from "./checker";
import type { FromWorker, ToWorker } from "./messages";
import { Session, type SessionHost } from "./session";

const send = (m: FromWorker) => process.send?.(m);

class Worker implements SessionHost {
  sessions: Session[] = [];
  faults: FaultWindow[] = [];
  live = new Histogram();
  replayed = new Histogram();
  private liveTotal = new Histogram();
  private connected = 0;
  private delivered = 0;
  private volatile = 0;
  private reconnects = 0;
  private recovered = 0;
  private notRecovered = 0;
  private disconnects: Record<string, number> = {};
  private timers: NodeJS.Timeout[] = [];
  private agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

  start(m: Extract<ToWorker, { type: "start" }>): void {
    let next = 0;
    // Handshakes in flight are bounded (a connect storm of our own would be its own fault).
    const launch = () => {
      const until = Math.min(m.clients.length, next + m.concurrency);
      for (; next < until; next++) {
        const c = m.clients[next];
        const s = new Session({
          ...c,
          agent: this.agent,
          faults: this.faults,
          emitEveryMs: c.slow ? 0 : m.emitEveryMs,
          churn: !c.slow && (c.idx * 7919) % 1000 < m.churnShare * 1000,
          host: this,
        });
        this.sessions.push(s);
        s.start();
      }
      if (next < m.clients.length) setTimeout(launch, 50);
    };
    launch();
    this.timers.push(setInterval(() => this.tick(), 1000));
    // Churners toggle their namespace every few seconds.
    this.timers.push(
      setInterval(() => {
        for (const s of this.sessions) if (Math.random() < 0.2) s.churnTick();
      }, 1000),
    );
    // Slow readers closed by the server (or still stuck) start over now and then.
    this.timers.push(
      setInterval(() => {
        for (const s of this.sessions) if (s.slow) s.cut();
      }, m.slowResetMs),
    );
  }

  // Slow readers are not counted as connected: they are not checked, and the server closes them.
  onConnected(s: Session, recovered: boolean, reconnect: boolean): void {
    if (s.slow) return;
    this.connected++;
    if (!reconnect) return;
    this.reconnects++;
    if (recovered) this.recovered++;
    else this.notRecovered++;
  }

  onDisconnected(s: Session, cause: string): void {
    if (s.slow) return;
    this.connected--;
    this.disconnects[cause] = (this.disconnects[cause] ?? 0) + 1;
  }

  onVolatile(): void {
    this.volatile++;
  }

  private lastDelivered = 0;
  private tick(): void {
    let delivered = 0;
    for (const s of this.sessions) delivered += s.check.tally.delivered;
    send({
      type: "tick",
      connected: this.connected,
      delivered: delivered - this.lastDelivered,
      volatile: this.volatile,
      live: this.live.toJSON(),
      reconnects: this.reconnects,
      recovered: this.recovered,
      notRecovered: this.notRecovered,
      disconnects: this.disconnects,
    });
    this.lastDelivered = delivered;
    this.volatile = 0;
    this.liveTotal.merge(this.live);
    this.live = new Histogram();
  }

  fault(w: FaultWindow): void {
    const open = this.faults.find((f) => f.cause === w.cause && f.startUs === w.startUs);
    if (open) open.endUs = w.endUs;
    else this.faults.push({ ...w });
  }

  cut(share: number): void {
    for (const s of this.sessions) if (s.connected && Math.random() < share) s.cut();
  }

  finish(ends: Record<string, Record<string, number>>): void {
    for (const t of this.timers) clearInterval(t);
    const tally = emptyTally();
    let checked = 0;
    let connectedAtEnd = 0;
    for (const s of this.sessions) {
      const slow = s.slow;
      const connected = s.connected;
      if (slow) continue;
      const mine = new Map<string, number>(Object.entries(ends["*"] ?? {}));
      for (const [k, v] of Object.entries(ends[s.idx] ?? {})) mine.set(k, v);
      s.check.finish(mine, connected);
      addTally(tally, s.check.tally);
      checked++;
      if (connected) connectedAtEnd++;
    }
    this.liveTotal.merge(this.live);
    send({ type: "final", tally, checked, connectedAtEnd, replayed: this.replayed.toJSON(), live: this.liveTotal.toJSON() });
  }

  /** Ends every client, each saying goodbye first as socket.disconnect() does. */
  async stop(): Promise<void> {
    let said = false;
    for (const s of this.sessions) said = s.goodbye() || said;
    if (said) await new Promise((r) => setTimeout(r, 500));
    for (const s of this.sessions) s.stop();
    for (const list of [...Object.values(this.agent.sockets), ...Object.values(this.agent.freeSockets)]) {
      for (const sock of list ?? []) sock.resetAndDestroy?.();
    }
    this.agent.destroy();
  }
}

const worker = new Worker();
process.on("message", (raw: unknown) => {
  const m = raw as ToWorker;
  switch (m.type) {
    case "start":
      worker.start(m);
      break;
    case "fault":
      worker.fault(m.window);
      break;
    case "cut":
      worker.cut(m.share);
      break;
    case "finish":
      worker.finish(m.ends);
      break;
    case "stop":
      void worker.stop().then(() => setTimeout(() => process.exit(0), 50));
      break;
  }
});
process.on("disconnect", () => process.exit(0));
send({ type: "alive", pid: process.pid });
