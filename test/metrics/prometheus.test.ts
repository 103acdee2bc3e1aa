// The Prometheus exporter: `metrics: { path }` serves the exposition text on the server's own
// port (uWS App and node:http), scraped over HTTP and parsed here; prometheusMetrics() on a
// registry the user mounts; the engine's exporter; prom-client is loaded only on opt-in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Registry } from "prom-client";
import { connected, httpGet, once, start, type Backend } from "../socketio/helpers";
import { until } from "../adapter/cluster";
import { prometheusMetrics } from "../../src/metrics";
import { Server } from "../../src/index";

/** Parses exposition text into samples: `name{labels}` -> value, and `# TYPE` lines. */
function parseExposition(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP")) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(sample, `not an exposition line: ${JSON.stringify(line)}`);
    samples.set(sample[1], Number(sample[2]));
  }
  return { samples, types };
}

for (const backend of ["uws", "node"] as Backend[]) {
  test(`metrics: { path } serves the exposition text over HTTP (${backend})`, async () => {
    const h = await start(backend, { metrics: { path: "/metrics" }, connectionStateRecovery: {} });
    try {
      const ws = [0, 1].map(() => h.client("/", { transports: ["websocket"] }));
      const polling = h.client("/", { transports: ["polling"] });
      for (const c of [...ws, polling]) await connected(c);
      let received = 0;
      for (const c of [...ws, polling]) c.on("b", () => received++);
      h.io.emit("b", 1);
      h.io.emit("b", 2);
      await until(() => received === 6, "six deliveries");

      const res = await httpGet(`http://127.0.0.1:${h.port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
      const { samples, types } = parseExposition(res.body.toString());
      assert.equal(samples.get('hyperio_connections{transport="websocket"}'), 2);
      assert.equal(samples.get('hyperio_connections{transport="polling"}'), 1);
      assert.equal(samples.get('hyperio_connections_opened_total{transport="websocket"}'), 2);
      assert.equal(samples.get("hyperio_broadcasts_total"), 2);
      assert.equal(samples.get("hyperio_deliveries_total"), 6);
      assert.equal(samples.get('hyperio_sessions_closed_total{reason="ping timeout"}'), 0);
      assert.equal(samples.get('hyperio_recovery_total{result="hit"}'), 0);
      assert.ok(samples.has("hyperio_event_loop_delay_p99_seconds"));
      // the scrape reads the same counters io.metrics() does
      const m = h.io.metrics();
      assert.equal(samples.get("hyperio_packets_received_total"), m.packetsIn);
      assert.equal(samples.get("hyperio_bytes_sent_total"), m.bytesOut);
      assert.equal(types.get("hyperio_connections"), "gauge");
      assert.equal(types.get("hyperio_deliveries_total"), "counter");
      assert.equal(types.get("hyperio_sessions_closed_total"), "counter");

      // the client leaves: the next scrape says so
      polling.disconnect();
      await until(() => h.io.metrics().connectionsPolling === 0, "the polling session to close");
      const again = parseExposition((await httpGet(`http://127.0.0.1:${h.port}/metrics`)).body.toString()).samples;
      assert.equal(again.get('hyperio_connections{transport="polling"}'), 0);
      assert.equal(again.get('hyperio_sessions_closed_total{reason="transport close"}'), 1);

      // other paths are untouched: the engine path still answers, others 404
      assert.equal((await httpGet(`http://127.0.0.1:${h.port}/other`)).status, 404);
    } finally {
      await h.cleanup();
    }
  });
}

test("off by default: no /metrics route", async () => {
  const h = await start("uws");
  try {
    assert.equal((await httpGet(`http://127.0.0.1:${h.port}/metrics`)).status, 404);
  } finally {
    await h.cleanup();
  }
});

test("prometheusMetrics(io, { register, prefix }) adds collectors to the user's registry", async () => {
  const h = await start("uws");
  try {
    const register = new Registry();
    const returned = prometheusMetrics(h.io, { register, prefix: "app_io_" });
    assert.equal(returned, register);
    const conn = once<[any]>(h.io, "connection");
    const client = h.client();
    await connected(client);
    await conn;
    const { samples } = parseExposition(await register.metrics());
    assert.equal(samples.get('app_io_connections{transport="websocket"}'), 1);
    assert.equal(samples.get("app_io_broadcasts_total"), 0);
    assert.ok(![...samples.keys()].some((k) => k.startsWith("hyperio_")));
  } finally {
    await h.cleanup();
  }
});

test("prometheusMetrics(io.engine) exports the engine's metrics only", async () => {
  const h = await start("uws");
  try {
    const client = h.client();
    await connected(client);
    const { samples } = parseExposition(await prometheusMetrics(h.io.engine).metrics());
    assert.equal(samples.get('hyperio_connections{transport="websocket"}'), 1);
    assert.equal(samples.has("hyperio_broadcasts_total"), false);
    assert.equal(samples.has('hyperio_recovery_total{result="hit"}'), false);
  } finally {
    await h.cleanup();
  }
});

test("the metrics option is validated", () => {
  assert.throws(() => new Server({ metrics: "yes" as any }), { code: "ERR_HYPERIO_INVALID_OPTION", option: "metrics" });
  assert.throws(() => new Server({ metrics: { path: "metrics" } }), { option: "metrics.path" });
  assert.throws(() => new Server({ metrics: { register: {} } }), { option: "metrics.register" });
  assert.throws(() => new Server({ metrics: { prefix: 1 as any } }), { option: "metrics.prefix" });
});

test("hyperio loads prom-client only when metrics are exported", () => {
  const script = (metrics: boolean) => `
    const { Server } = require("./src/index");
    const io = new Server(${metrics ? '{ metrics: { path: "/metrics" } }' : "{}"});
    io.listen(0);
    io.metrics();
    const loaded = Object.keys(require.cache).some((f) => f.includes("/node_modules/prom-client/"));
    io.close();
    console.log(loaded);
  `;
  for (const metrics of [false, true]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script(metrics)], { cwd: join(__dirname, "..", ".."), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), String(metrics));
  }
});
