// A TCP proxy on the loopback, in front of a soak server, that injects network faults:
// it cuts a share of its connections at random moments (TCP reset both ways), adds a fixed
// delay to a share of them, stalls others for a while (reads paused both ways, so the
// server sees backpressure and the client sees silence), and cuts a share of them all at
// once on command (the reconnect storm). Run as its own process (fork, IPC: messages.ts),
// one per few thousand connections so each stays under the fd limit.
import { connect, createServer, type Socket } from "node:net";
import type { Endpoint } from "./transports";
import type { FromProxy, ProxyStats, ToProxy } from "./messages";

interface Link {
  client: Socket;
  server: Socket;
  delayMs: number;
  stalled: boolean;
  closed: boolean;
}

const send = (m: FromProxy) => process.send?.(m);

export class FaultProxy {
  private links = new Set<Link>();
  private target: Endpoint;
  private faultsOn = false;
  private cutPerMinute = 0;
  private delayShare = 0;
  private delayMs = 0;
  private stallShare = 0;
  private stallMs = 0;
  readonly stats: ProxyStats = { live: 0, accepted: 0, cut: 0, stalled: 0, delayed: 0 };
  private timer: NodeJS.Timeout;
  private readonly server = createServer((c) => this.accept(c));

  constructor(target: Endpoint) {
    this.target = target;
    this.timer = setInterval(() => this.everySecond(), 1000);
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, "127.0.0.1", () => resolve((this.server.address() as { port: number }).port)));
  }

  configure(m: Extract<ToProxy, { type: "config" }>): void {
    this.target = m.target;
    this.cutPerMinute = m.cutPerMinute;
    this.delayShare = m.delayShare;
    this.delayMs = m.delayMs;
    this.stallShare = m.stallShare;
    this.stallMs = m.stallMs;
  }

  setFaults(on: boolean): void {
    this.faultsOn = on;
  }

  retarget(t: Endpoint): void {
    this.target = t;
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    const server = connect(this.target);
    server.setNoDelay(true);
    const delayed = this.faultsOn && Math.random() < this.delayShare;
    const link: Link = { client, server, delayMs: delayed ? this.delayMs : 0, stalled: false, closed: false };
    if (delayed) this.stats.delayed++;
    this.links.add(link);
    this.stats.accepted++;
    this.pipe(link, client, server);
    this.pipe(link, server, client);
    const end = () => this.closeLink(link, false);
    client.on("close", end);
    server.on("close", end);
    client.on("error", end);
    server.on("error", end);
  }

  /** Forwards from one side to the other, with backpressure, the link's delay and stalls. */
  private pipe(link: Link, from: Socket, to: Socket): void {
    from.on("data", (chunk: Buffer) => {
      if (link.closed) return;
      const write = () => {
        if (link.closed) return;
        if (!to.write(chunk) && !link.stalled) from.pause();
      };
      if (link.delayMs > 0) setTimeout(write, link.delayMs);
      else write();
    });
    to.on("drain", () => {
      if (!link.stalled && !link.closed) from.resume();
    });
  }

  /** Ends a link: with a reset both ways when cut, else as the other side did. */
  private closeLink(link: Link, cut: boolean): void {
    if (link.closed) return;
    link.closed = true;
    this.links.delete(link);
    if (cut) {
      this.stats.cut++;
      link.client.resetAndDestroy();
      link.server.resetAndDestroy();
    } else {
      link.client.destroy();
      link.server.destroy();
    }
  }

  private stall(link: Link): void {
    if (link.stalled || link.closed) return;
    link.stalled = true;
    this.stats.stalled++;
    link.client.pause();
    link.server.pause();
    setTimeout(() => {
      if (link.closed) return;
      link.stalled = false;
      link.client.resume();
      link.server.resume();
    }, this.stallMs);
  }

  private everySecond(): void {
    if (!this.faultsOn) return;
    const pCut = this.cutPerMinute / 60;
    const pStall = this.stallShare / 60;
    for (const link of [...this.links]) {
      const r = Math.random();
      if (r < pCut) this.closeLink(link, true);
      else if (r < pCut + pStall) this.stall(link);
    }
  }

  /** The reconnect storm: cut this share of the live links at once. */
  storm(share: number): number {
    let n = 0;
    for (const link of [...this.links]) {
      if (Math.random() < share) {
        this.closeLink(link, true);
        n++;
      }
    }
    return n;
  }

  snapshot(): ProxyStats {
    return { ...this.stats, live: this.links.size };
  }

  shutdown(): void {
    clearInterval(this.timer);
    for (const link of [...this.links]) this.closeLink(link, true);
    this.server.close();
  }
}

// As a process: configured over IPC by the driver.
if (require.main === module || process.env.SOAK_PROXY === "1") {
  const proxy = new FaultProxy({ host: "127.0.0.1", port: Number(process.env.SOAK_PROXY_TARGET ?? 0) });
  process.on("message", (raw: unknown) => {
    const m = raw as ToProxy;
    switch (m.type) {
      case "config":
        proxy.configure(m);
        break;
      case "faults":
        proxy.setFaults(m.on);
        break;
      case "storm":
        proxy.storm(m.share);
        break;
      case "retarget":
        proxy.retarget(m.target);
        break;
      case "stats":
        send({ type: "stats", id: m.id, ...proxy.snapshot() });
        break;
      case "exit":
        process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
  void proxy.listen().then((port) => send({ type: "listening", port, pid: process.pid }));
}
