// One soak client: a lean Socket.IO v5 client with connection state recovery's client side,
// reconnecting as socket.io-client does, checking every message it gets (checker.ts).
//
// Recovery, as socket.io-client 4.x does it: the CONNECT reply carries a `pid`; every event
// packet whose last argument is a string carries the server's offset, remembered as
// `lastOffset`; a reconnect sends `{...auth, pid, offset}` in its CONNECT; the session was
// recovered when the reply's pid equals the one sent. After a server-side disconnect ("41")
// the app reconnects by hand (socket.io-client does not on its own), with the same pid.
import type http from "node:http";
import { nowUs } from "../lib/clock";
import { Histogram } from "../lib/histogram";
import { ClientChecker, type FaultWindow } from "./checker";
import { openPolling, openWebSocket, type Endpoint, type SoakTransport } from "./transports";
import { CHURN_NSP_COUNT, EV, type Hello } from "./wire";

export interface SessionOptions {
  idx: number;
  polling: boolean;
  slow: boolean;
  /** Endpoints in order of preference: a reconnect tries the next one after a failure. */
  endpoints: Endpoint[];
  agent: http.Agent;
  faults: readonly FaultWindow[];
  /** Client emit period, ms (0: none). */
  emitEveryMs: number;
  /** Share of clients that join and leave a churn namespace now and then. */
  churn: boolean;
  host: SessionHost;
}

export interface SessionHost {
  live: Histogram;
  replayed: Histogram;
  /** A connect answered: recovered or not (and whether this was a reconnect). */
  onConnected(s: Session, recovered: boolean, reconnect: boolean): void;
  onDisconnected(s: Session, cause: string): void;
  onVolatile(): void;
}

/** socket.io-client's defaults: reconnectionDelay 1000, max 5000, randomizationFactor 0.5. */
function backoffMs(attempt: number): number {
  const base = Math.min(1000 * 2 ** attempt, 5000);
  return base * (0.5 + Math.random());
}

export class Session {
  readonly check: ClientChecker;
  private t: SoakTransport | undefined;
  state: "idle" | "opening" | "open" | "connected" | "stopped" = "idle";
  private pid: string | undefined;
  private lastOffset: string | undefined;
  private everConnected = false;
  /** Why the last connection ended: the cause of what a non-recovered reconnect misses. */
  private lastCause = "";
  private attempts = 0;
  private endpointIndex = 0;
  private connectedAtUs = 0;
  private timer: NodeJS.Timeout | undefined;
  // client emits: seq per client, resent (flagged as retries) until acked
  private cSeq = 0;
  private unacked = new Map<number, number>(); // ack id -> seq
  private ackId = 0;
  private emitTimer: NodeJS.Timeout | undefined;
  private churnNsp: string | undefined;
  reconnects = 0;
  recoveredCount = 0;
  notRecoveredCount = 0;
  volatile = 0;

  constructor(private readonly o: SessionOptions) {
    this.check = new ClientChecker(o.idx, o.faults);
  }

  get idx(): number {
    return this.o.idx;
  }

  start(): void {
    if (this.state === "stopped") return;
    this.state = "opening";
    const ep = this.o.endpoints[this.endpointIndex % this.o.endpoints.length];
    const h = { onPacket: (p: string) => this.onPacket(p), onClose: (r: string) => this.onTransportClose(r) };
    this.t = this.o.polling ? openPolling(ep, this.o.agent, h) : openWebSocket(ep, h);
  }

  /** Stops for good (end of run): no reconnect. */
  stop(): void {
    this.state = "stopped";
    clearTimeout(this.timer);
    clearInterval(this.emitTimer);
    this.t?.close();
  }

  get slow(): boolean {
    return this.o.slow;
  }

  /**
   * Leaves as an app does with socket.disconnect(): a namespace DISCONNECT (a session the
   * client ends is not kept for recovery), then, on polling, the Engine.IO close packet (else
   * the server waits out the heartbeat). True if it sent anything (the caller waits a moment
   * before cutting the connections).
   */
  goodbye(): boolean {
    if (!this.t || (this.state !== "connected" && this.state !== "open")) return false;
    if (this.state === "connected") this.t.send("41");
    if (this.o.polling) this.t.send("1");
    this.state = "stopped";
    clearTimeout(this.timer);
    clearInterval(this.emitTimer);
    return true;
  }

  /** Cuts the connection from this side (the storm when no proxy is in the path). */
  cut(): void {
    if (!this.t || this.state === "stopped") return;
    this.t.close();
    this.onTransportClose("cut by the client");
  }

  get connected(): boolean {
    return this.state === "connected";
  }

  private send(p: string): void {
    this.t?.send(p);
  }

  /** The last CONNECT asked for recovery (it had a pid and an offset). */
  private askedRecovery = false;

  private connectPacket(): string {
    const auth: Record<string, unknown> = { idx: this.o.idx };
    if (this.pid !== undefined) {
      auth.pid = this.pid;
      if (this.lastOffset !== undefined) auth.offset = this.lastOffset;
    }
    this.askedRecovery = this.pid !== undefined && this.lastOffset !== undefined;
    return `40${JSON.stringify(auth)}`;
  }

  private onPacket(p: string): void {
    switch (p.charCodeAt(0)) {
      case 48: // "0" open
        this.state = "open";
        this.send(this.connectPacket());
        return;
      case 50: // "2" ping
        this.send("3");
        return;
      case 49: // "1" close
        this.t?.close();
        this.onTransportClose("engine close packet");
        return;
      case 52: // "4" message
        this.onSocketIo(p);
        return;
    }
  }

  private onSocketIo(p: string): void {
    const type = p.charCodeAt(1) - 48;
    let i = 2;
    let nsp = "/";
    if (p.charCodeAt(i) === 47) {
      const comma = p.indexOf(",", i);
      nsp = p.slice(i, comma < 0 ? p.length : comma);
      i = comma < 0 ? p.length : comma + 1;
    }
    let id = -1;
    const idStart = i;
    while (i < p.length && p.charCodeAt(i) >= 48 && p.charCodeAt(i) <= 57) i++;
    if (i > idStart) id = Number(p.slice(idStart, i));
    const body = p.slice(i);
    if (nsp !== "/") return; // churn namespaces: nothing to check there
    switch (type) {
      case 0:
        return this.onConnect(body);
      case 1:
        this.lastCause = "server disconnectSockets()";
        this.state = "open";
        this.afterDisconnect("server disconnectSockets()");
        // The app reconnects by hand, on the same Engine.IO session.
        this.timer = setTimeout(() => {
          if (this.state === "open") this.send(this.connectPacket());
        }, backoffMs(0));
        return;
      case 2:
        return this.onEvent(JSON.parse(body) as unknown[], id);
      case 3:
        this.unacked.delete(id);
        return;
      case 4:
        // connect_error: try again later on a fresh connection
        this.lastCause = `connect_error ${body.slice(0, 60)}`;
        this.t?.close();
        this.onTransportClose(this.lastCause);
        return;
    }
  }

  private onConnect(body: string): void {
    const data = JSON.parse(body) as { sid: string; pid?: string };
    const recovered = data.pid !== undefined && data.pid === this.pid;
    this.pid = data.pid;
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.state = "connected";
    this.attempts = 0;
    this.connectedAtUs = nowUs();
    // Why what was missed is not coming back: the cut, and what the recovery attempt met.
    const why = !reconnect || recovered ? "" : !this.askedRecovery ? `${this.lastCause}; nothing to recover from (no pid or offset yet)` : this.lastCause.startsWith("server") ? this.lastCause : `${this.lastCause}; the server did not recover the session`;
    this.check.onConnect(recovered, why, this.connectedAtUs);
    if (reconnect) {
      this.reconnects++;
      if (recovered) this.recoveredCount++;
      else this.notRecoveredCount++;
    }
    this.o.host.onConnected(this, recovered, reconnect);
    if (this.o.slow) {
      this.t?.stopReading();
      return;
    }
    // What was emitted before and not acknowledged goes again, in order, flagged as retries.
    const pending = [...this.unacked.values()].sort((a, b) => a - b);
    this.unacked.clear();
    for (const seq of pending) this.emitC(seq, 1);
    if (this.o.emitEveryMs > 0 && !this.emitTimer) {
      this.emitTimer = setInterval(() => this.clientEmit(), this.o.emitEveryMs * (0.9 + Math.random() * 0.2));
    }
    if (this.o.churn) this.churnStep();
  }

  private clientEmit(): void {
    if (this.state === "connected") this.emitC(this.cSeq++, 0);
  }

  private emitC(seq: number, retry: number): void {
    const id = this.ackId++;
    this.unacked.set(id, seq);
    this.send(`42${id}["${EV.c}",${seq},${retry}]`);
  }

  /** Joins a churn namespace, or leaves the one it is in (called on each connect and now and then). */
  private churnStep(): void {
    if (this.state !== "connected") return;
    if (this.churnNsp) {
      this.send(`41${this.churnNsp},`);
      this.churnNsp = undefined;
    } else {
      this.churnNsp = `/churn-${Math.floor(Math.random() * CHURN_NSP_COUNT)}`;
      this.send(`40${this.churnNsp},`);
    }
  }

  churnTick(): void {
    if (this.o.churn) this.churnStep();
  }

  private onEvent(args: unknown[], ackId: number): void {
    const last = args[args.length - 1];
    if (this.pid !== undefined && typeof last === "string") this.lastOffset = last;
    const ev = args[0];
    switch (ev) {
      case EV.hello:
        this.check.onHello(args[1] as Hello);
        return;
      case EV.b:
      case EV.d:
      case EV.a: {
        const node = args[1] as number;
        const seq = args[2] as number;
        const stamp = args[3] as number;
        const now = nowUs();
        (stamp < this.connectedAtUs ? this.o.host.replayed : this.o.host.live).record(now - stamp);
        this.check.onMessage(ev, node, seq, stamp);
        if (ackId >= 0) this.send(`43${ackId}[]`);
        return;
      }
      case EV.v:
        this.volatile++;
        this.o.host.onVolatile();
        return;
    }
  }

  private afterDisconnect(cause: string): void {
    this.churnNsp = undefined;
    this.o.host.onDisconnected(this, cause);
  }

  private onTransportClose(reason: string): void {
    if (this.state === "stopped") return;
    const wasConnected = this.state === "connected";
    clearTimeout(this.timer);
    this.t = undefined;
    if (wasConnected) {
      this.lastCause = `connection lost (${this.o.polling ? "polling" : "websocket"})`;
      this.afterDisconnect(this.lastCause);
    } else if (!this.lastCause) {
      this.lastCause = `connect failed (${reason.slice(0, 40)})`;
    }
    if (!wasConnected && this.state !== "open") this.endpointIndex++;
    this.state = "idle";
    this.timer = setTimeout(() => this.start(), backoffMs(this.attempts++));
  }
}
