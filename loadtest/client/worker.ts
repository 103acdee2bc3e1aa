// A load client process: holds its share of the connections, checks every delivery and
// reports aggregates to the driver. Started by the driver with fork(); one per shard.
//
// A process holds up to 10,000 connections (the fd limit here is 20,000 and cannot be raised
// without CAP_SYS_RESOURCE; the driver shards past it).
import http from "node:http";
import { nowUs } from "../lib/clock";
import { Histogram } from "../lib/histogram";
import { binaryEchoFrame, echoFrame, firstIntArg } from "../protocol/frames";
import { patternFor, roomsFor, ExpectationCache } from "./membership";
import { isBinaryPayload, payloadBytes, payloadJson, type PayloadName } from "../protocol/payloads";
import type { Conn, ConnHost } from "./conn";
import { WsConn } from "./conn-ws";
import { CUT_AFTER_UPGRADE, WsLiteConn } from "./conn-ws-lite";
import { PollingConn } from "./conn-polling";
import type { FromClient, ToClient } from "./fleet-protocol";

const send = (m: FromClient) => process.send?.(m);

interface WindowTally {
  window: number;
  got: number;
  expected: number;
  maxUs: Float64Array;
}

class Worker implements ConnHost {
  conns: Conn[] = [];
  private agent: http.Agent | undefined;
  private burst = 1;
  private latency = new Histogram();
  private handshake = new Histogram();
  private ready = 0;
  private failed = 0;
  private firstError: string | undefined;
  /** Connects cut right after their upgrade (CUT_AFTER_UPGRADE) and made again. */
  private cutRetried = 0;
  private retryBudget = 0;
  private remake: ((c: Conn) => Conn) | undefined;
  private disconnects = 0;
  private windows = new Map<number, WindowTally>();
  private cur: WindowTally | undefined;
  private connectDone: (() => void) | undefined;
  private launchNext: (() => void) | undefined;
  // echo
  private echo:
    | { endUs: number; payload: { json: string } | { bytes: Buffer }; acks: number; errors: number; rtt: Histogram; active: number }
    | undefined;

  async connect(c: Extract<ToClient, { type: "connect" }>): Promise<void> {
    this.burst = c.burst;
    const cache = new ExpectationCache(patternFor(c.layout));
    const agent = (this.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, localAddress: c.localAddress || undefined }));
    const endpoint = { host: c.host, port: c.port, localAddress: c.localAddress || undefined };
    const total = c.transports.length;
    // A few of these are the server's (a uWS bug), not the load's: up to 1% (at least 3) are retried.
    this.retryBudget = Math.max(3, Math.ceil(total / 100));
    this.remake = (old) => new WsLiteConn(old.index, old.rooms, old.expect, this, endpoint);
    let next = 0;
    let inFlight = 0;
    const progress = setInterval(() => send({ type: "progress", ready: this.ready, failed: this.failed }), 500);
    await new Promise<void>((resolve) => {
      const launch = () => {
        while (inFlight < c.concurrency && next < total) {
          const k = next++;
          inFlight++;
          const index = c.firstIndex + k;
          const rooms = roomsFor(c.layout, index);
          const expect = cache.get(rooms);
          const conn =
            c.transports[k] === "polling"
              ? new PollingConn(index, rooms, expect, this, endpoint, agent)
              : c.wsClient === "ws"
                ? new WsConn(index, rooms, expect, this, endpoint)
                : new WsLiteConn(index, rooms, expect, this, endpoint);
          this.conns.push(conn);
        }
        if (this.ready + this.failed === total) resolve();
      };
      this.launchNext = () => {
        inFlight--;
        launch();
      };
      this.connectDone = resolve;
      launch();
    });
    clearInterval(progress);
    this.launchNext = undefined;
    this.remake = undefined;
    send({
      type: "connected",
      ready: this.ready,
      failed: this.failed,
      firstError: this.firstError,
      cutRetried: this.cutRetried,
      handshake: this.handshake.toJSON(),
    });
  }

  onReady(c: Conn): void {
    c.readyUs = nowUs();
    this.handshake.record(c.readyUs - c.startedUs);
    this.ready++;
    this.launchNext?.();
  }

  onFail(c: Conn, reason: string): void {
    if (reason === CUT_AFTER_UPGRADE && this.remake && this.retryBudget > 0) {
      this.retryBudget--;
      this.cutRetried++;
      const again = this.remake(c);
      this.conns[this.conns.indexOf(c)] = again;
      return;
    }
    this.failed++;
    this.firstError ??= reason;
    this.launchNext?.();
  }

  onClose(): void {
    this.disconnects++;
  }

  /** Ready clients per distinct expectation, fixed once connected (broadcasts start after). */
  private classes: Array<{ expect: Conn["expect"]; count: number }> | undefined;

  private tally(window: number): WindowTally {
    let t = this.windows.get(window);
    if (!t) {
      if (!this.classes) {
        const counts = new Map<Conn["expect"], number>();
        for (const c of this.conns) if (c.state === "ready") counts.set(c.expect, (counts.get(c.expect) ?? 0) + 1);
        this.classes = [...counts].map(([expect, count]) => ({ expect, count }));
      }
      const from = window * this.burst;
      let expected = 0;
      for (const k of this.classes) expected += k.count * k.expect.countIn(from, from + this.burst);
      t = { window, got: 0, expected, maxUs: new Float64Array(this.burst) };
      this.windows.set(window, t);
    }
    return t;
  }

  onDelivery(_c: Conn, seq: number, stampUs: number): void {
    const lat = nowUs() - stampUs;
    this.latency.record(lat);
    const w = Math.floor(seq / this.burst);
    let t = this.cur;
    if (!t || t.window !== w) t = this.cur = this.tally(w);
    const i = seq - w * this.burst;
    if (lat > t.maxUs[i]) t.maxUs[i] = lat;
    if (++t.got === t.expected) {
      send({ type: "window", window: w, maxUs: Array.from(t.maxUs) });
      this.windows.delete(w);
      this.cur = undefined;
    }
  }

  resetLatency(): void {
    this.latency = new Histogram();
  }

  /** The driver asks about windows this process may have no recipients in. */
  windowWithoutRecipients(window: number): boolean {
    if (this.tally(window).expected !== 0) return false;
    this.windows.delete(window);
    if (this.cur?.window === window) this.cur = undefined;
    return true;
  }

  startEcho(durationMs: number, name: PayloadName): void {
    const payload = isBinaryPayload(name) ? { bytes: payloadBytes(name) } : { json: payloadJson(name) };
    this.echo = { endUs: nowUs() + durationMs * 1000, payload, acks: 0, errors: 0, rtt: new Histogram(), active: 0 };
    for (const c of this.conns) {
      if (c.state !== "ready") continue;
      this.echo.active++;
      c.echoActive = true;
      this.sendEcho(c);
    }
    if (this.echo.active === 0) this.endEcho();
  }

  private sendEcho(c: Conn): void {
    c.echoSeq++;
    c.echoSentUs = nowUs();
    const payload = this.echo!.payload;
    if ("json" in payload) c.sendText(echoFrame(c.echoSeq, c.echoSeq, payload.json));
    else c.sendBinaryEvent(binaryEchoFrame(c.echoSeq, c.echoSeq), payload.bytes);
  }

  onAck(c: Conn, id: number, args: string): void {
    const e = this.echo;
    if (!e || !c.echoActive) return;
    const now = nowUs();
    if (id !== c.echoSeq || firstIntArg(args) !== c.echoSeq) e.errors++;
    else {
      e.acks++;
      e.rtt.record(now - c.echoSentUs);
    }
    if (now < e.endUs) this.sendEcho(c);
    else {
      c.echoActive = false;
      if (--e.active === 0) this.endEcho();
    }
  }

  private endEcho(): void {
    const e = this.echo!;
    send({ type: "echoed", acks: e.acks, errors: e.errors, rtt: e.rtt.toJSON() });
    this.echo = undefined;
  }

  finish(endSeq: number): void {
    let received = 0;
    let expected = 0;
    let lost = 0;
    let outOfOrder = 0;
    let unexpected = 0;
    for (const c of this.conns) {
      if (c.readyUs === 0) continue; // never joined: not a subscriber
      received += c.received;
      expected += c.expect.countIn(0, endSeq);
      lost += c.lostAtEnd(endSeq);
      outOfOrder += c.outOfOrder;
      unexpected += c.unexpected;
    }
    send({
      type: "finished",
      received,
      expected,
      lost,
      outOfOrder,
      unexpected,
      disconnects: this.disconnects,
      latency: this.latency.toJSON(),
    });
  }

  closeAll(): void {
    for (const c of this.conns) c.close();
    if (this.agent) PollingConn.resetAgent(this.agent);
  }
}

const worker = new Worker();
process.on("message", (raw: unknown) => {
  const m = raw as ToClient;
  switch (m.type) {
    case "connect":
      void worker.connect(m);
      break;
    case "probe-window":
      if (m.resetLatency) worker.resetLatency();
      // Windows where this process has no recipient complete at once.
      if (worker.windowWithoutRecipients(m.window)) send({ type: "window", window: m.window, maxUs: [] });
      break;
    case "echo":
      worker.startEcho(m.durationMs, m.payload);
      break;
    case "finish":
      worker.finish(m.endSeq);
      break;
    case "close":
      worker.closeAll();
      // Give the resets a moment to leave, then go.
      setTimeout(() => process.exit(0), 50);
      break;
  }
});
process.on("disconnect", () => process.exit(0));
send({ type: "alive", pid: process.pid });
