// IPC between the soak driver and its processes (client shards, fault proxies, servers).
import type { HistogramJSON } from "../lib/histogram";
import type { FaultWindow, Tally } from "./checker";
import type { Endpoint } from "./transports";

export interface ClientSpec {
  idx: number;
  polling: boolean;
  slow: boolean;
  /** Endpoints in order of preference (the fault proxy in front of the client's node first). */
  endpoints: Endpoint[];
}

export type ToWorker =
  | { type: "start"; clients: ClientSpec[]; emitEveryMs: number; churnShare: number; concurrency: number; slowResetMs: number }
  | { type: "fault"; window: FaultWindow }
  /** Cut this share of the connected clients from the client side (a storm without a proxy). */
  | { type: "cut"; share: number }
  /** End of run: where every stream would be had everything arrived: key (kind+node) -> seq, per client idx ("*" for broadcasts). */
  | { type: "finish"; ends: Record<string, Record<string, number>> }
  | { type: "stop" };

export interface WorkerTick {
  type: "tick";
  connected: number;
  /** Non-volatile messages accepted by the checker since the last tick. */
  delivered: number;
  volatile: number;
  /** Latency of live deliveries since the last tick (emit stamp to arrival). */
  live: HistogramJSON;
  reconnects: number;
  recovered: number;
  notRecovered: number;
  disconnects: Record<string, number>;
}

export type FromWorker =
  | { type: "alive"; pid: number }
  | WorkerTick
  | { type: "final"; tally: Tally; checked: number; connectedAtEnd: number; replayed: HistogramJSON; live: HistogramJSON };

export type ToProxy =
  | { type: "config"; target: Endpoint; cutPerMinute: number; delayShare: number; delayMs: number; stallShare: number; stallMs: number }
  | { type: "faults"; on: boolean }
  /** Cut this share of the live connections at once. */
  | { type: "storm"; share: number }
  | { type: "retarget"; target: Endpoint }
  | { type: "stats"; id: number }
  | { type: "exit" };

export interface ProxyStats {
  live: number;
  accepted: number;
  cut: number;
  stalled: number;
  delayed: number;
}

export type FromProxy = { type: "listening"; port: number; pid: number } | ({ type: "stats"; id: number } & ProxyStats);
