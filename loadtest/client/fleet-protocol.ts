// Messages between the driver and its client processes (Node IPC).
//
// The driver never forwards individual deliveries: a client process reports once per
// completed window (the last-recipient latency of each broadcast in it) and once at the end
// (histograms and the exactly-once/in-order tallies), so IPC stays off the measured path.
import type { HistogramJSON } from "../lib/histogram";
import type { PayloadName } from "../protocol/payloads";
import type { Layout } from "./membership";

export type Transport = "websocket" | "polling";
export type WsClientKind = "lite" | "ws";

export type ToClient =
  | {
      type: "connect";
      host: string;
      port: number;
      /** Global index of this process's first client; layouts are functions of the global index. */
      firstIndex: number;
      /** Transport of each client of this process, in order (a mixed population interleaves). */
      transports: Transport[];
      layout: Layout;
      /** Broadcasts are emitted in windows of this many sequences: window w is [w*burst, (w+1)*burst). */
      burst: number;
      /** Handshakes in flight at once, per process. */
      concurrency: number;
      /** WebSocket implementation: the lean built-in client, or the `ws` package (for cross-checking). */
      wsClient: WsClientKind;
      /** Source address to bind, "" for none (the default: see Fleet.connect). */
      localAddress: string;
    }
  /** Sent with each window's broadcast command: a process with no recipient in it answers at once. */
  | { type: "probe-window"; window: number; resetLatency: boolean }
  | { type: "echo"; durationMs: number; payload: PayloadName }
  | { type: "finish"; endSeq: number }
  | { type: "close" };

export interface ConnectReport {
  type: "connected";
  ready: number;
  failed: number;
  firstError?: string;
  /** WebSocket connects the server cut right after their 101 (a uWS bug), retried. */
  cutRetried: number;
  /** Connect start to ready (open, connect reply and join ack), µs. */
  handshake: HistogramJSON;
}

export type FromClient =
  | { type: "alive"; pid: number }
  | { type: "progress"; ready: number; failed: number }
  | ConnectReport
  /** Every expected delivery of window w arrived; maxUs[i] is the slowest recipient of sequence w*burst+i. */
  | { type: "window"; window: number; maxUs: number[] }
  | { type: "echoed"; acks: number; errors: number; rtt: HistogramJSON }
  | {
      type: "finished";
      received: number;
      expected: number;
      lost: number;
      outOfOrder: number;
      unexpected: number;
      disconnects: number;
      latency: HistogramJSON;
    };
