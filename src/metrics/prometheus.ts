// Prometheus exporter: collectors on a prom-client Registry that read `io.metrics()` (or
// `engine.metrics()`) when the registry is scraped. Nothing runs on hot paths: the counters
// are plain fields the server increments anyway; a scrape takes one snapshot (shared by
// every collector of that scrape, which prom-client calls in one synchronous pass).
import type { EngineMetrics } from "../engine/metrics";
import type { ServerMetrics } from "./server-metrics";
import { loadPromClient, type PromClient } from "./prom-client";

/** What the exporter reads: a hyperio Server (`io`) or engine (`io.engine`, hyperio/engine). */
export interface MetricsSource {
  metrics(): EngineMetrics | ServerMetrics;
}

export interface PrometheusOptions {
  /** Registry to add the collectors to. @default a new Registry */
  register?: PromClient.Registry;
  /** Prefix of every metric name. @default "hyperio_" */
  prefix?: string;
}

type Snapshot = Partial<ServerMetrics> & EngineMetrics;
type Field = keyof ServerMetrics;

/** One exported metric: its name (after the prefix), help, type and fields by label value. */
interface Exported {
  name: string;
  help: string;
  type: "counter" | "gauge";
  /** The label name when the metric has one series per label value. */
  label?: string;
  /** Field per label value (or under "" when unlabelled); a scale for unit conversion. */
  series: Array<[labelValue: string, field: Field]>;
  scale?: number;
}

const MS = 1e-3;

/** Fields io.metrics() has and engine.metrics() has not. */
const SERVER_ONLY = new Set<Field>(["broadcasts", "deliveries", "recoveryHits", "recoveryMisses"]);

const EXPORTED: Exported[] = [
  {
    name: "connections",
    help: "Engine.IO sessions open now, by current transport",
    type: "gauge",
    label: "transport",
    series: [["websocket", "connectionsWebsocket"], ["polling", "connectionsPolling"]],
  },
  {
    name: "connections_opened_total",
    help: "Engine.IO sessions opened, by the transport of their handshake",
    type: "counter",
    label: "transport",
    series: [["websocket", "connectionsOpenedWebsocket"], ["polling", "connectionsOpenedPolling"]],
  },
  { name: "upgrades_total", help: "Sessions upgraded from polling to WebSocket", type: "counter", series: [["", "upgrades"]] },
  { name: "packets_received_total", help: "Engine.IO packets received", type: "counter", series: [["", "packetsIn"]] },
  { name: "bytes_received_total", help: "Engine.IO size of the packets received", type: "counter", series: [["", "bytesIn"]] },
  {
    name: "packets_sent_total",
    help: "Engine.IO packets handed to transports (a uWS publish counts each subscriber)",
    type: "counter",
    series: [["", "packetsOut"]],
  },
  { name: "bytes_sent_total", help: "Engine.IO size of the packets sent", type: "counter", series: [["", "bytesOut"]] },
  {
    name: "backpressure_total",
    help: "Writes the socket library could not pass on at once (uWS BACKPRESSURE, ws buffering)",
    type: "counter",
    series: [["", "backpressure"]],
  },
  {
    name: "dropped_writes_total",
    help: "Writes uWS refused (DROPPED); each closes its session with buffer limit exceeded",
    type: "counter",
    series: [["", "dropped"]],
  },
  {
    name: "buffer_waits_total",
    help: "Packets a session held because its transport could not take them yet",
    type: "counter",
    series: [["", "bufferWaits"]],
  },
  {
    name: "sessions_closed_total",
    help: "Engine.IO sessions closed, by reason",
    type: "counter",
    label: "reason",
    series: [
      ["transport close", "closedTransportClose"],
      ["transport error", "closedTransportError"],
      ["ping timeout", "closedPingTimeout"],
      ["parse error", "closedParseError"],
      ["forced close", "closedForcedClose"],
      ["server shutting down", "closedServerShuttingDown"],
      ["forced server close", "closedForcedServerClose"],
      ["buffer limit exceeded", "closedBufferLimitExceeded"],
    ],
  },
  { name: "broadcasts_total", help: "Broadcasts emitted (one per emit)", type: "counter", series: [["", "broadcasts"]] },
  {
    name: "deliveries_total",
    help: "Broadcast packets handed to sessions (a uWS publish counts each subscriber)",
    type: "counter",
    series: [["", "deliveries"]],
  },
  {
    name: "recovery_total",
    help: "Connection state recovery attempts, by result",
    type: "counter",
    label: "result",
    series: [["hit", "recoveryHits"], ["miss", "recoveryMisses"]],
  },
  {
    name: "event_loop_delay_mean_seconds",
    help: "Mean event-loop delay over the last window of 10 s or more",
    type: "gauge",
    series: [["", "eventLoopDelayMeanMs"]],
    scale: MS,
  },
  {
    name: "event_loop_delay_p50_seconds",
    help: "Median event-loop delay over the last window of 10 s or more",
    type: "gauge",
    series: [["", "eventLoopDelayP50Ms"]],
    scale: MS,
  },
  {
    name: "event_loop_delay_p99_seconds",
    help: "99th percentile event-loop delay over the last window of 10 s or more",
    type: "gauge",
    series: [["", "eventLoopDelayP99Ms"]],
    scale: MS,
  },
  {
    name: "event_loop_delay_max_seconds",
    help: "Largest event-loop delay over the last window of 10 s or more",
    type: "gauge",
    series: [["", "eventLoopDelayMaxMs"]],
    scale: MS,
  },
  {
    name: "event_loop_delay_since_start_mean_seconds",
    help: "Mean event-loop delay since the monitor started (the first read)",
    type: "gauge",
    series: [["", "eventLoopDelayMeanMsSinceStart"]],
    scale: MS,
  },
  {
    name: "event_loop_delay_since_start_max_seconds",
    help: "Largest event-loop delay since the monitor started (the first read)",
    type: "gauge",
    series: [["", "eventLoopDelayMaxMsSinceStart"]],
    scale: MS,
  },
];

/**
 * Registers collectors for a hyperio Server's (or engine's) metrics on a prom-client
 * Registry and returns the registry. prom-client (an optional peer dependency) is loaded
 * here, never by hyperio otherwise.
 *
 * @example
 * import { prometheusMetrics } from "hyperio/metrics";
 * const registry = prometheusMetrics(io);            // or prometheusMetrics(io, { register })
 * app.get("/metrics", async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
 */
export function prometheusMetrics(source: MetricsSource, options: PrometheusOptions = {}): PromClient.Registry {
  const prom = loadPromClient();
  const register = options.register ?? new prom.Registry();
  const prefix = options.prefix ?? "hyperio_";
  // One snapshot per scrape: taken by the first collector, dropped once the scrape's
  // synchronous pass over the collectors is over.
  let current: Snapshot | undefined;
  const read = (): Snapshot => {
    if (current === undefined) {
      current = source.metrics() as Snapshot;
      queueMicrotask(() => (current = undefined));
    }
    return current;
  };
  // An engine has no Socket.IO-level fields: those are exported for a Server only (told
  // apart by `of`, without reading metrics now, which would start the event-loop monitor).
  const isServer = typeof (source as { of?: unknown }).of === "function";
  for (const e of EXPORTED) {
    if (!isServer && e.series.some(([, field]) => SERVER_ONLY.has(field))) continue;
    const labelNames = e.label === undefined ? [] : [e.label];
    const scale = e.scale ?? 1;
    const name = prefix + e.name;
    if (e.type === "counter") {
      new prom.Counter({
        name,
        help: e.help,
        labelNames,
        registers: [register],
        collect() {
          const m = read();
          this.reset();
          for (const [value, field] of e.series) {
            if (e.label === undefined) this.inc(m[field]! * scale);
            else this.inc({ [e.label]: value }, m[field]! * scale);
          }
        },
      });
    } else {
      new prom.Gauge({
        name,
        help: e.help,
        labelNames,
        registers: [register],
        collect() {
          const m = read();
          for (const [value, field] of e.series) {
            if (e.label === undefined) this.set(m[field]! * scale);
            else this.set({ [e.label]: value }, m[field]! * scale);
          }
        },
      });
    }
  }
  return register;
}
