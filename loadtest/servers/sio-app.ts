// The load-test event convention's handlers (loadtest/k6/lib/convention.js) on a
// Socket.IO-style server: the one module every Socket.IO server under test installs (hyperio,
// hyperio-node, upstream-ws, upstream-uws), for the main harness, the k6 scripts and the
// autocannon chains alike; the same code for upstream socket.io and for hyperio, which is the
// point of a drop-in comparison.
//
// Typed structurally, not against socket.io's types, so hyperio's Server fits without either
// package depending on the other.
import { performance } from "node:perf_hooks";
import { BROADCAST_REQUEST_EVENT, checkBroadcastRequest } from "../k6/lib/convention.js";
import type { BroadcastSpec } from "../protocol/control";
import { BROADCAST_EVENT, ECHO_EVENT, JOIN_EVENT } from "../protocol/frames";
import { payloadValue, type PayloadName } from "../protocol/payloads";
import type { Broadcaster } from "./control-loop";

type Ack = (...args: unknown[]) => void;

interface SioSocketLike {
  join(rooms: string | string[]): unknown;
  on(event: string, fn: (...args: any[]) => void): unknown;
}

interface SioEmitterLike {
  emit(event: string, ...args: unknown[]): unknown;
  except(rooms: string | string[]): SioEmitterLike;
}

export interface SioServerLike {
  on(event: "connection", fn: (socket: SioSocketLike) => void): unknown;
  to(rooms: string | string[]): SioEmitterLike;
  engine?: { clientsCount?: number };
}

/** Microseconds since the Unix epoch: the stamp of a requested broadcast (the clock k6 reads). */
export function epochStampUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export function wireSocketIo(io: SioServerLike): Broadcaster {
  const payloads = new Map<PayloadName, unknown>();
  const broadcaster: Broadcaster = {
    broadcast(seq: number, stamp: number, spec: BroadcastSpec, payload: PayloadName) {
      let value = payloads.get(payload);
      if (value === undefined) payloads.set(payload, (value = payloadValue(payload)));
      let op = io.to(spec.rooms);
      if (spec.except && spec.except.length > 0) op = op.except(spec.except);
      op.emit(BROADCAST_EVENT, seq, stamp, value);
    },
    connections: () => io.engine?.clientsCount ?? -1,
  };
  // Sequence numbers of requested broadcasts; the driver's IPC broadcasts bring their own.
  let nextSeq = 0;
  io.on("connection", (socket) => {
    socket.on(JOIN_EVENT, (rooms: string[], ack?: Ack) => {
      socket.join(rooms);
      if (typeof ack === "function") ack();
    });
    socket.on(ECHO_EVENT, (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") (ack as Ack)(...args);
    });
    socket.on(BROADCAST_REQUEST_EVENT, (request: unknown, ack?: Ack) => {
      const checked = checkBroadcastRequest(request);
      if ("error" in checked) {
        if (typeof ack === "function") ack(checked);
        return;
      }
      const spec: BroadcastSpec = { rooms: checked.rooms, except: checked.except };
      const from = nextSeq;
      nextSeq += checked.count;
      // One synchronous loop, as the IPC command: count > 1 queues broadcasts behind each other.
      for (let i = 0; i < checked.count; i++) broadcaster.broadcast(from + i, epochStampUs(), spec, checked.payload);
      if (typeof ack === "function") ack({ from, count: checked.count });
    });
  });
  return broadcaster;
}

/** Options every Socket.IO-style server under test gets, so heartbeats and limits match. */
export const SIO_OPTIONS = {
  pingInterval: 25000,
  pingTimeout: 20000,
  serveClient: false,
  // Large enough that a burst of 4 KiB broadcasts to a slow reader is queued, not dropped:
  // uWS's default (64 KiB) silently drops publishes past it, which would turn a throughput
  // comparison into a loss comparison.
  maxBackpressure: 16 * 1024 * 1024,
} as const;
