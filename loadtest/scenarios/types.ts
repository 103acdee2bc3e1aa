// What a scenario case is, and every figure a run of it produces.
import type { Layout } from "../client/membership";
import type { LatencySummary } from "../lib/histogram";
import type { PayloadName } from "../protocol/payloads";
import type { ServerKind } from "../lib/server-proc";

/** fanout: windows of broadcasts; echo: closed-loop acks; storm: connect rate; idle: memory at rest. */
export type CaseKind = "fanout" | "echo" | "storm" | "idle";

export interface CaseSpec {
  family: string;
  /** Human and file-safe name, unique within a run. */
  id: string;
  kind: CaseKind;
  clients: number;
  /** Share of clients on long-polling (0 = all WebSocket, 1 = all polling). */
  pollingShare: number;
  layout: Layout;
  payload: PayloadName;
  /** Broadcasts per window: 1 = one in flight at a time; more = that many queued back to back. */
  burst: number;
  durationS: number;
}

export interface CpuFigures {
  /** User-mode CPU, from /proc/<pid>/stat (10 ms ticks). */
  userUs: number;
  /** Kernel-mode CPU, from /proc/<pid>/stat (10 ms ticks). */
  systemUs: number;
  /** All CPU, from per-thread schedstat (ns resolution); falls back to user + system. */
  totalUs: number;
}

export interface CaseResult {
  spec: CaseSpec;
  server: ServerKind;
  ok: boolean;
  /** Why the case failed (a stall, loss, a crash); figures gathered before it stay. */
  error?: string;
  /** Why the case did not run on this server (e.g. bare-uws has no polling). */
  skipped?: string;
  clientProcesses: number;
  /** hyperio servers: which implementation src/native ran on (from the server's listening notice). */
  native?: { native: boolean; reason: string };
  /** With --profile: the directory holding this run's .cpuprofile (+ window.json, source maps). */
  profileDir?: string;
  /** 1-minute load average when the case started: other work on a shared machine skews rates. */
  loadAvg1?: number;
  /** With --repeat: this is the median run by the headline figure; the spread of all runs. */
  repeats?: { n: number; headline: number[]; cpuPerOpUs: number[]; cutRetried: number };
  /** Wall time of each phase (start, connect, measure, stopClients, stopServer), ms. */
  phasesMs?: Record<string, number>;
  connect?: {
    ready: number;
    failed: number;
    /** WebSocket connects the server cut right after their 101 (a uWS bug), retried and not counted failed. */
    cutRetried: number;
    ms: number;
    perSecond: number;
    handshake: LatencySummary;
  };
  /** The headline rate: deliveries/s, acks/s or connects/s. */
  rate?: { count: number; seconds: number; perSecond: number; unit: string };
  latency?: {
    /** Server emit to each recipient (fanout); ack round trip (echo); connect to ready (storm). */
    each?: LatencySummary;
    /** Server emit to the last recipient of each broadcast (fanout only). */
    lastRecipient?: LatencySummary;
  };
  /** Server CPU over the measured window, and per delivered message / ack / connection. */
  serverCpu?: CpuFigures & { perOp: CpuFigures };
  /** Echo: the server's main thread alone (schedstat), µs in the window and per ack (ioThreads: the serial part). */
  serverMainCpu?: { totalUs: number; perOpUs: number };
  /** The load client's CPU over the same window (all shards); coreShare 1.0 = one core busy. */
  clientCpu?: CpuFigures & { coreShare: number };
  serverMem?: { rssBeforeBytes: number; rssAfterBytes: number; perConnBytes: number; heapPerConnBytes?: number };
  loss?: { expected: number; received: number; lost: number; outOfOrder: number; unexpected: number; disconnects: number };
}
