// hyperio/metrics: the Prometheus exporter (prom-client, an optional peer dependency, is
// loaded only by what this module exports) and the types of `io.metrics()`.
//
//   import { prometheusMetrics } from "hyperio/metrics";
//   const registry = prometheusMetrics(io, { register: promClient.register });
//
// Or let hyperio serve it: new Server(3000, { metrics: { path: "/metrics" } }).
export { prometheusMetrics } from "./prometheus";
export type { MetricsSource, PrometheusOptions } from "./prometheus";
export type { ServerMetrics } from "./server-metrics";
export type { EngineMetrics } from "../engine/metrics";
