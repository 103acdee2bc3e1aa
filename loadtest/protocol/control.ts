// The control protocol between the driver and a server under test.
//
// Commands travel over the Node IPC channel of the forked server process, never over the
// network: every server, bare or Socket.IO, receives them the same way, and no control
// connection sits among the measured sockets (a control socket would be one more subscriber,
// or one more thing to exclude). The same `broadcast` command drives every fanout scenario.
import type { PayloadName } from "./payloads";

/** One broadcast target: like `io.to(rooms).except(except).emit(...)`. */
export interface BroadcastSpec {
  rooms: string[];
  except?: string[];
}

export type ControlCommand =
  | {
      cmd: "broadcast";
      id: number;
      /** Sequence number of the first broadcast; the next ones count up from it. */
      from: number;
      count: number;
      /** Broadcast with sequence s uses pattern[s % pattern.length]. */
      pattern: BroadcastSpec[];
      payload: PayloadName;
    }
  | { cmd: "gc"; id: number }
  | { cmd: "mem"; id: number }
  /** Write a V8 heap snapshot to `path` (loadtest/heap-idle.ts; not used by the scenarios). */
  | { cmd: "heapsnapshot"; id: number; path: string }
  | { cmd: "exit" };

export type ControlReply =
  | { id: number; ok: true; mem?: ServerMem }
  | { id: number; ok: false; error: string };

export interface ServerMem {
  rss: number;
  heapUsed: number;
  /** V8 heap committed (heapUsed plus free space in its pages). */
  heapTotal?: number;
  external: number;
  arrayBuffers: number;
  connections: number;
}

/** First message a server sends once listening; also printed on stdout as LISTENING_TAG + JSON. */
export interface ListeningNotice {
  type: "listening";
  kind: string;
  pid: number;
  port: number;
  /** true: native uWS binary loaded (never the JS shim); null: this server does not use uWS. */
  uwsNative: boolean | null;
  transports: string[];
  /** hyperio only: which implementation src/native runs on (its `nativeInfo`): addon or TS twin. */
  native?: { native: boolean; reason: string };
  /** hyperio only: its code ran from src/ through tsx, or from a tsc build (lib/hyperio-build.ts). */
  code?: "tsx" | "build";
}

export const LISTENING_TAG = "LOADTEST_LISTENING ";
export const SOCKET_PATH = "/socket.io/";
/** Same heartbeat on every server, so idle traffic is the same for all. */
export const PING_INTERVAL_MS = 25000;
export const PING_TIMEOUT_MS = 20000;
