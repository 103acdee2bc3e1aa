// What an operator watches at the Socket.IO level (broadcasts, deliveries, connection state
// recovery), joined with the engine's metrics (src/engine/metrics.ts) into what
// `io.metrics()` returns.
//
// Invariants (as the engine's): plain number fields of one object per Server, incremented
// where the thing happens (a broadcast emitted, a broadcast packet handed to a session or
// to a uWS publish, a recovery attempt); a read copies them into one new plain object.
import type { EngineMetrics } from "../engine/metrics";
import type { EventLoopDelay } from "../engine/event-loop-delay";

/** The Server's own counters (`io._counters`). */
export class ServerCounters {
  /** Broadcasts emitted (io.emit, io.to(...).emit, socket.broadcast.emit, ...): one per emit. */
  broadcasts = 0;
  /** Broadcast packets handed to a session (a uWS publish counts its subscribers). */
  deliveries = 0;
  /** Reconnections that restored their session (connection state recovery). */
  recoveryHits = 0;
  /** Reconnections that asked for recovery (pid and offset) and found no session. */
  recoveryMisses = 0;
}

/**
 * A snapshot of a Server's metrics (`io.metrics()`): the engine's (zeros for an engine
 * without metrics, such as engine.io 6 given to `bind`) plus the Socket.IO level. See
 * docs/METRICS.md for each field.
 */
export interface ServerMetrics extends EngineMetrics {
  broadcasts: number;
  deliveries: number;
  recoveryHits: number;
  recoveryMisses: number;
}

/** An engine that reports metrics (hyperio's). */
interface MeteredEngine {
  metrics(): EngineMetrics;
}

function isMetered(engine: unknown): engine is MeteredEngine {
  return typeof (engine as Partial<MeteredEngine> | undefined)?.metrics === "function";
}

/**
 * Copies the Server's counters and its engine's into one new object. `loop` measures the
 * event loop when the engine does not (no engine yet, or one without metrics).
 */
export function snapshotServer(c: ServerCounters, engine: unknown, loop: EventLoopDelay): ServerMetrics {
  const m = (isMetered(engine) ? engine.metrics() : emptyEngineMetrics(loop)) as ServerMetrics;
  m.broadcasts = c.broadcasts;
  m.deliveries = c.deliveries;
  m.recoveryHits = c.recoveryHits;
  m.recoveryMisses = c.recoveryMisses;
  return m;
}

function emptyEngineMetrics(loop: EventLoopDelay): EngineMetrics {
  const m: EngineMetrics = {
    connectionsWebsocket: 0,
    connectionsPolling: 0,
    connectionsOpenedWebsocket: 0,
    connectionsOpenedPolling: 0,
    upgrades: 0,
    packetsIn: 0,
    bytesIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    backpressure: 0,
    dropped: 0,
    bufferWaits: 0,
    closedTransportClose: 0,
    closedTransportError: 0,
    closedPingTimeout: 0,
    closedParseError: 0,
    closedForcedClose: 0,
    closedServerShuttingDown: 0,
    closedForcedServerClose: 0,
    closedBufferLimitExceeded: 0,
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
