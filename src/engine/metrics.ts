// What an operator watches at the Engine.IO level: sessions by transport, packets and bytes
// each way, backpressure, and why sessions closed.
//
// Invariants:
// - counting costs a field increment on paths that already run: the counters are plain
//   number fields of one object per engine (EngineCounters), incremented where the event
//   happens (session open / upgrade / close, a packet received, a batch handed to a
//   transport, a uWS publish); no Map lookup, no closure, no allocation;
// - reading (`engine.metrics()`) copies them into one new plain object; the gauges
//   (`connectionsWebsocket`, `connectionsPolling`) are kept up to date as sessions open,
//   upgrade and close, so a read never walks the sessions;
// - a packet's bytes are its Engine.IO size: one type byte plus its data's length, whatever
//   framing its transport adds (a polling payload's separators, base64 for binary over
//   polling). Binary data counts its bytes. Text counts UTF-8 bytes where that is free or
//   paid once for many deliveries (a publish: Buffer.byteLength once, times its
//   subscribers), and UTF-16 code units elsewhere (one packet in or out: the outgoing cap's
//   own measure, socket.ts), an estimate: exact for ASCII, low for other text. Measured,
//   Buffer.byteLength cost 60 ns on a 100-character packet and 290 ns on 1 KB against 5 and
//   25 ns for .length (docs/METRICS.md): too much to add to every packet;
// - a session the server closes on purpose closes with reason "forced close" (the reason
//   its "close" listeners see, as upstream's engine gives it); who asked is counted apart:
//   the engine shutting down ("server shutting down") or the Socket.IO layer closing its
//   connection ("forced server close"). That cause is kept in `forcedCauses` from the
//   moment the close starts until the session's close, so an idle session holds nothing.
import type { Packet } from "../parser/engine-io";
import type { CloseReason } from "./socket";
import type { EventLoopDelay } from "./event-loop-delay";

/** Who closed a session on the server's side, as counted (its close reason is "forced close"). */
export type ForcedCloseCause = "server shutting down" | "forced server close";

/** The engine's counters (one per engine), read through `engine.metrics()`. */
export class EngineCounters {
  connectionsWebsocket = 0;
  connectionsPolling = 0;
  connectionsOpenedWebsocket = 0;
  connectionsOpenedPolling = 0;
  upgrades = 0;
  packetsIn = 0;
  bytesIn = 0;
  packetsOut = 0;
  bytesOut = 0;
  backpressure = 0;
  dropped = 0;
  bufferWaits = 0;
  closedTransportClose = 0;
  closedTransportError = 0;
  closedPingTimeout = 0;
  closedParseError = 0;
  closedForcedClose = 0;
  closedServerShuttingDown = 0;
  closedForcedServerClose = 0;
  closedBufferLimitExceeded = 0;
  /**
   * Sessions closing now on the server's initiative, with who asked (see the header): set
   * when such a close starts, taken when the session closes. Empty but for closes under way.
   */
  readonly forcedCauses = new Map<object, ForcedCloseCause>();
}

/**
 * A snapshot of an engine's counters (`engine.metrics()`). Gauges say what is true now;
 * every other field counts since the engine was created. See docs/METRICS.md.
 */
export interface EngineMetrics {
  /** Gauge: sessions open now whose transport is a WebSocket. */
  connectionsWebsocket: number;
  /** Gauge: sessions open now whose transport is HTTP long-polling. */
  connectionsPolling: number;
  /** Sessions whose handshake came over a WebSocket. */
  connectionsOpenedWebsocket: number;
  /** Sessions whose handshake came over HTTP long-polling. */
  connectionsOpenedPolling: number;
  /** Sessions that completed an upgrade from polling to WebSocket. */
  upgrades: number;
  /** Engine.IO packets received from clients (messages, pongs, ...). */
  packetsIn: number;
  /** Their Engine.IO size (see docs/METRICS.md). */
  bytesIn: number;
  /** Engine.IO packets handed to transports; a uWS publish counts once per subscriber. */
  packetsOut: number;
  /** Their Engine.IO size. */
  bytesOut: number;
  /** Writes the socket library could not pass on at once (uWS BACKPRESSURE, ws buffering). */
  backpressure: number;
  /** Writes uWS refused (DROPPED, a direct send or a publish): the session then closes. */
  dropped: number;
  /** Packets a session held because its transport could not take them yet. */
  bufferWaits: number;
  closedTransportClose: number;
  closedTransportError: number;
  closedPingTimeout: number;
  closedParseError: number;
  closedForcedClose: number;
  closedServerShuttingDown: number;
  closedForcedServerClose: number;
  closedBufferLimitExceeded: number;
  /**
   * Event-loop delay over the last window of 10 s or more, in ms, the same for every reader
   * (0 on the first read, which starts the monitor). See event-loop-delay.ts.
   */
  eventLoopDelayMeanMs: number;
  eventLoopDelayP50Ms: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Since the monitor started (the first read), ms. */
  eventLoopDelayMeanMsSinceStart: number;
  eventLoopDelayMaxMsSinceStart: number;
}

/** A session opened on `transport`. */
export function countOpened(c: EngineCounters, transport: string): void {
  if (transport === "websocket") {
    c.connectionsWebsocket++;
    c.connectionsOpenedWebsocket++;
  } else {
    c.connectionsPolling++;
    c.connectionsOpenedPolling++;
  }
}

/** A session moved from polling to WebSocket. */
export function countUpgrade(c: EngineCounters): void {
  c.upgrades++;
  c.connectionsPolling--;
  c.connectionsWebsocket++;
}

/** `session` starts closing on the server's initiative for `cause` (counted at its close). */
export function noteForcedCause(c: EngineCounters, session: object, cause: ForcedCloseCause): void {
  c.forcedCauses.set(session, cause);
}

/** `session`, on `transport`, closed for `reason`. */
export function countClosed(c: EngineCounters, session: object, transport: string, reason: CloseReason): void {
  if (transport === "websocket") c.connectionsWebsocket--;
  else c.connectionsPolling--;
  if (c.forcedCauses.size !== 0) {
    const cause = c.forcedCauses.get(session);
    if (cause !== undefined) {
      c.forcedCauses.delete(session);
      // Closed otherwise before the forced close completed (ping timeout, transport close)?
      // Then that is what happened to it.
      if (reason === "forced close") reason = cause;
    }
  }
  switch (reason) {
    case "transport close":
      c.closedTransportClose++;
      return;
    case "transport error":
      c.closedTransportError++;
      return;
    case "ping timeout":
      c.closedPingTimeout++;
      return;
    case "parse error":
      c.closedParseError++;
      return;
    case "forced close":
      c.closedForcedClose++;
      return;
    case "server shutting down":
      c.closedServerShuttingDown++;
      return;
    case "forced server close":
      c.closedForcedServerClose++;
      return;
    case "buffer limit exceeded":
      c.closedBufferLimitExceeded++;
      return;
  }
}

/** A packet received from a client. */
export function countPacketIn(c: EngineCounters, packet: Packet): void {
  c.packetsIn++;
  c.bytesIn += packet.data === undefined ? 1 : packet.data.length + 1;
}

/** Packets handed to a session's transport, `bytes` in all (Engine.IO size). */
export function countHandedOver(c: EngineCounters, packets: number, bytes: number): void {
  c.packetsOut += packets;
  c.bytesOut += bytes;
}

/** One packet of Engine.IO size `size` handed to `times` sessions at once (a uWS publish). */
export function countPublished(c: EngineCounters, times: number, size: number): void {
  if (times <= 0) return;
  c.packetsOut += times;
  c.bytesOut += times * size;
}

/**
 * Engine.IO size in bytes of an already-encoded WebSocket frame (a publish's, measured once
 * for all its subscribers): a text frame carries its type byte ("4...") and counts its UTF-8
 * bytes; a binary frame is the data of a message packet (whose type byte it omits).
 */
export function frameSize(data: string | Buffer | ArrayBuffer | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength + 1;
}

/** Copies the counters into a new plain object, with the event-loop delay (windowed and since start). */
export function snapshotEngine(c: EngineCounters, loop: EventLoopDelay): EngineMetrics {
  const m: EngineMetrics = {
    connectionsWebsocket: c.connectionsWebsocket,
    connectionsPolling: c.connectionsPolling,
    connectionsOpenedWebsocket: c.connectionsOpenedWebsocket,
    connectionsOpenedPolling: c.connectionsOpenedPolling,
    upgrades: c.upgrades,
    packetsIn: c.packetsIn,
    bytesIn: c.bytesIn,
    packetsOut: c.packetsOut,
    bytesOut: c.bytesOut,
    backpressure: c.backpressure,
    dropped: c.dropped,
    bufferWaits: c.bufferWaits,
    closedTransportClose: c.closedTransportClose,
    closedTransportError: c.closedTransportError,
    closedPingTimeout: c.closedPingTimeout,
    closedParseError: c.closedParseError,
    closedForcedClose: c.closedForcedClose,
    closedServerShuttingDown: c.closedServerShuttingDown,
    closedForcedServerClose: c.closedForcedServerClose,
    closedBufferLimitExceeded: c.closedBufferLimitExceeded,
    eventLoopDelayMeanMs: 0,
    eventLoopDelayP50Ms: 0,
    eventLoopDelayP99Ms: 0,
    eventLoopDelayMaxMs: 0,
    eventLoopDelayMeanMsSinceStart: 0,
    eventLoopDelayMaxMsSinceStart: 0,
  };
  loop.readInto(m);
  return m;
}
