// The load client, seen from the driver: N client processes ("shards") driven in lockstep.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { Histogram } from "./histogram";
import { forkTs, stderrTail, stopChild } from "./child";
import type { ConnectReport, FromClient, ToClient, Transport, WsClientKind } from "../client/fleet-protocol";
import type { Layout } from "../client/membership";
import type { PayloadName } from "../protocol/payloads";

/** Connections per client process by default: 10,000 fit one process under a 20,000 fd limit. */
export const DEFAULT_PER_PROCESS = 10000;
/** File descriptors a client process keeps for itself (IPC, stdio, V8, polling's second socket margin). */
const FD_RESERVE = 256;

/**
 * Most connections one client process may hold: the default, capped by the fd limit its
 * children inherit. Raising the limit needs CAP_SYS_RESOURCE (`ulimit -n` above the hard limit
 * fails even as root in this container), so past it the load is sharded across processes.
 */
export function perProcessLimit(): number {
  let max = Infinity;
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (m && m[1] !== "unlimited") max = Number(m[1]) - FD_RESERVE;
  } catch {
    // not Linux: keep the default
  }
  return Math.max(1, Math.min(DEFAULT_PER_PROCESS, max));
}

export interface ConnectParams {
  host: string;
  port: number;
  total: number;
  transportOf: (index: number) => Transport;
  layout: Layout;
  burst: number;
  concurrency: number;
  wsClient: WsClientKind;
}

export interface ConnectResult {
  ready: number;
  failed: number;
  firstError?: string;
  /** WebSocket connects cut by the server right after their 101, and retried. */
  cutRetried: number;
  handshake: Histogram;
  ms: number;
}

export interface FinishResult {
  received: number;
  expected: number;
  lost: number;
  outOfOrder: number;
  unexpected: number;
  disconnects: number;
  latency: Histogram;
}

interface WindowAcc {
  reports: number;
  maxUs: number[];
  done?: (maxUs: number[]) => void;
}

export class Fleet {
  private windows = new Map<number, WindowAcc>();
  private listeners = new Set<(m: FromClient, shard: number) => void>();

  private constructor(
    private readonly shards: ChildProcess[],
    readonly pids: number[],
    private readonly stderrs: Array<() => string>,
  ) {
    shards.forEach((child, i) =>
      child.on("message", (raw: unknown) => {
        const m = raw as FromClient;
        if (m.type === "window") this.onWindow(m.window, m.maxUs);
        for (const l of this.listeners) l(m, i);
      }),
    );
  }

  static async start(processes: number): Promise<Fleet> {
    const shards: ChildProcess[] = [];
    const stderrs: Array<() => string> = [];
    const pids = await Promise.all(
      Array.from({ length: processes }, () => {
        const child = forkTs(join(__dirname, "..", "client", "worker.ts"));
        shards.push(child);
        stderrs.push(stderrTail(child));
        return new Promise<number>((resolve, reject) => {
          child.once("exit", (code) => reject(new Error(`client process exited early (${code})`)));
          child.on("message", (m: unknown) => {
            if ((m as FromClient).type === "alive") resolve((m as { pid: number }).pid);
          });
        });
      }),
    );
    return new Fleet(shards, pids, stderrs);
  }

  get size(): number {
    return this.shards.length;
  }

  private sendAll(m: ToClient): void {
    for (const s of this.shards) s.send(m);
  }

  /** Waits for one message of the given type from every shard. */
  private gather<T extends FromClient["type"]>(type: T, timeoutMs: number): Promise<Array<Extract<FromClient, { type: T }>>> {
    return new Promise((resolve, reject) => {
      const got: Array<Extract<FromClient, { type: T }>> = new Array(this.shards.length);
      let n = 0;
      const timer = setTimeout(() => {
        this.listeners.delete(l);
        reject(new Error(`client processes: no "${type}" from ${this.shards.length - n} of ${this.shards.length} after ${timeoutMs} ms ${this.stderrs.map((s) => s()).join(" ")}`));
      }, timeoutMs);
      const l = (m: FromClient, shard: number) => {
        if (m.type !== type || got[shard]) return;
        got[shard] = m as Extract<FromClient, { type: T }>;
        if (++n === this.shards.length) {
          clearTimeout(timer);
          this.listeners.delete(l);
          resolve(got);
        }
      };
      this.listeners.add(l);
    });
  }

  async connect(p: ConnectParams, onProgress: (ready: number, failed: number) => void, timeoutMs: number): Promise<ConnectResult> {
    const per = Math.ceil(p.total / this.shards.length);
    const progress = new Array<{ ready: number; failed: number }>(this.shards.length).fill({ ready: 0, failed: 0 });
    const l = (m: FromClient, shard: number) => {
      if (m.type !== "progress") return;
      progress[shard] = m;
      onProgress(
        progress.reduce((a, x) => a + x.ready, 0),
        progress.reduce((a, x) => a + x.failed, 0),
      );
    };
    this.listeners.add(l);
    const started = Date.now();
    const reports = this.gather("connected", timeoutMs);
    this.shards.forEach((s, i) => {
      const first = i * per;
      const count = Math.max(0, Math.min(per, p.total - first));
      const transports: Transport[] = [];
      for (let k = 0; k < count; k++) transports.push(p.transportOf(first + k));
      const m: ToClient = {
        type: "connect",
        host: p.host,
        port: p.port,
        firstIndex: first,
        transports,
        layout: p.layout,
        burst: p.burst,
        concurrency: p.concurrency,
        wsClient: p.wsClient,
        // No explicit source address: bind() before connect() makes the kernel search the
        // whole ephemeral range against every bound socket (measured here: 1.77 s vs 0.31 s
        // of system CPU for 8,000 connects) and leaves TIME_WAIT ports that later plain
        // connects cannot reuse. Plain connects share ports across destinations, and each
        // server runs on a fresh port, so one destination holds ~28,000 connections per run.
        localAddress: "",
      };
      s.send(m);
    });
    let rs: ConnectReport[];
    try {
      rs = await reports;
    } finally {
      this.listeners.delete(l);
    }
    const handshake = new Histogram();
    for (const r of rs) handshake.merge(r.handshake);
    return {
      ready: rs.reduce((a, r) => a + r.ready, 0),
      failed: rs.reduce((a, r) => a + r.failed, 0),
      firstError: rs.find((r) => r.firstError)?.firstError,
      cutRetried: rs.reduce((a, r) => a + (r.cutRetried ?? 0), 0),
      handshake,
      ms: Date.now() - started,
    };
  }

  private onWindow(window: number, maxUs: number[]): void {
    let acc = this.windows.get(window);
    if (!acc) this.windows.set(window, (acc = { reports: 0, maxUs: [] }));
    acc.reports++;
    for (let i = 0; i < maxUs.length; i++) acc.maxUs[i] = Math.max(acc.maxUs[i] ?? 0, maxUs[i]);
    if (acc.reports === this.shards.length) {
      this.windows.delete(window);
      acc.done?.(acc.maxUs);
    }
  }

  /**
   * Resolves with the last-recipient latency of each broadcast in window w once every shard
   * saw every expected delivery of it, or null after timeoutMs (a loss or a stall).
   * resetLatency: this window starts the measured period, so the shards drop the per-delivery
   * latencies of warm-up (the probe leaves before the broadcast command, so it arrives first).
   */
  window(w: number, timeoutMs: number, resetLatency = false): Promise<number[] | null> {
    return new Promise((resolve) => {
      let acc = this.windows.get(w);
      if (!acc) this.windows.set(w, (acc = { reports: 0, maxUs: [] }));
      const timer = setTimeout(() => {
        this.windows.delete(w);
        resolve(null);
      }, timeoutMs);
      acc.done = (maxUs) => {
        clearTimeout(timer);
        resolve(maxUs);
      };
      this.sendAll({ type: "probe-window", window: w, resetLatency });
    });
  }

  async echo(durationMs: number, payload: PayloadName): Promise<{ acks: number; errors: number; rtt: Histogram }> {
    const done = this.gather("echoed", durationMs + 30000);
    this.sendAll({ type: "echo", durationMs, payload });
    const rs = await done;
    const rtt = new Histogram();
    for (const r of rs) rtt.merge(r.rtt);
    return { acks: rs.reduce((a, r) => a + r.acks, 0), errors: rs.reduce((a, r) => a + r.errors, 0), rtt };
  }

  async finish(endSeq: number): Promise<FinishResult> {
    const done = this.gather("finished", 30000);
    this.sendAll({ type: "finish", endSeq });
    const rs = await done;
    const latency = new Histogram();
    for (const r of rs) latency.merge(r.latency);
    const sum = (k: "received" | "expected" | "lost" | "outOfOrder" | "unexpected" | "disconnects") =>
      rs.reduce((a, r) => a + r[k], 0);
    return {
      received: sum("received"),
      expected: sum("expected"),
      lost: sum("lost"),
      outOfOrder: sum("outOfOrder"),
      unexpected: sum("unexpected"),
      disconnects: sum("disconnects"),
      latency,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.shards.map((s) => stopChild(s, { type: "close" } satisfies ToClient, 5000)));
  }
}
