// Runs one case against one server: start it, connect the fleet, measure, tear down.
//
// Measured windows exclude connecting and warm-up. Server CPU comes from /proc/<pid>/stat read
// right before and after the measured window, so it covers exactly the work of that window;
// the client shards are read the same way so a client-bound run is visible as such.
import { loadavg } from "node:os";
import { Expectation, patternFor, roomsFor } from "../client/membership";
import { Fleet, perProcessLimit } from "../lib/fleet";
import type { WsClientKind } from "../client/fleet-protocol";
import { Histogram, summarize } from "../lib/histogram";
import { cpuDelta, readCpu, readCpuMany, readMem, type CpuSample } from "../lib/proc-stats";
import type { Progress } from "../lib/progress";
import { ServerProc, type ServerKind } from "../lib/server-proc";
import type { CaseResult, CaseSpec, CpuFigures } from "./types";

export interface RunOptions {
  /** Client processes; default: one per DEFAULT_PER_PROCESS connections. */
  clientProcesses?: number;
  /** Handshakes in flight per client process. */
  concurrency: number;
  /** WebSocket client implementation of the load client (default: the lean built-in one). */
  wsClient?: WsClientKind;
  /** A window not complete after this long counts as a stall (loss or a wedged server). */
  windowTimeoutMs: number;
  progress: Progress;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which clients poll: every k-th, spread evenly, so shards and rooms get their share. */
export function transportOf(spec: CaseSpec): (i: number) => "websocket" | "polling" {
  if (spec.pollingShare <= 0) return () => "websocket";
  if (spec.pollingShare >= 1) return () => "polling";
  const every = Math.round(1 / spec.pollingShare);
  return (i) => (i % every === every - 1 ? "polling" : "websocket");
}

/**
 * Total from schedstat (ns resolution) when available; the user/system split only exists in
 * 10 ms ticks, so over short windows user + system may differ from the total by a few ticks.
 */
function cpuFigures(d: CpuSample): CpuFigures {
  const ticks = d.userUs + d.systemUs;
  return { userUs: d.userUs, systemUs: d.systemUs, totalUs: Number.isFinite(d.runUs) && d.runUs >= 0 ? d.runUs : ticks };
}

function perOp(c: CpuFigures, ops: number): CpuFigures {
  const k = ops > 0 ? 1 / ops : NaN;
  return { userUs: c.userUs * k, systemUs: c.systemUs * k, totalUs: c.totalUs * k };
}

/** Expected deliveries per window of `burst` sequences, from the same layout the clients use. */
function deliveriesPerWindow(spec: CaseSpec, clients: number): (w: number) => number {
  const pattern = patternFor(spec.layout);
  const classes = new Map<string, { e: Expectation; n: number }>();
  for (let i = 0; i < clients; i++) {
    const rooms = roomsFor(spec.layout, i);
    const key = rooms.join("\x1f");
    const c = classes.get(key);
    if (c) c.n++;
    else classes.set(key, { e: new Expectation(rooms, pattern), n: 1 });
  }
  const list = [...classes.values()];
  return (w) => {
    let n = 0;
    for (const c of list) n += c.n * c.e.countIn(w * spec.burst, (w + 1) * spec.burst);
    return n;
  };
}

export async function runCase(spec: CaseSpec, kind: ServerKind, o: RunOptions): Promise<CaseResult> {
  // A polling client may hold two sockets (the pending GET and a POST): count it twice.
  const sockets = spec.clients * (1 + spec.pollingShare);
  const processes = o.clientProcesses ?? Math.max(1, Math.ceil(sockets / perProcessLimit()));
  const result: CaseResult = { spec, server: kind, ok: false, clientProcesses: processes };
  const label = `${spec.id} · ${kind}`;
  const phases: Record<string, number> = {};
  let phaseStart = Date.now();
  const phase = (name: string) => {
    const now = Date.now();
    phases[name] = now - phaseStart;
    phaseStart = now;
  };
  result.phasesMs = phases;
  result.loadAvg1 = loadavg()[0];
  let server: ServerProc | undefined;
  let fleet: Fleet | undefined;
  try {
    o.progress.update(`${label}: starting server`);
    // Server and client processes start together: start-up is not measured, only waited for.
    const [srvStarted, fleetStarted] = await Promise.allSettled([ServerProc.start(kind), Fleet.start(processes)]);
    if (srvStarted.status === "fulfilled") server = srvStarted.value;
    if (fleetStarted.status === "fulfilled") fleet = fleetStarted.value;
    if (srvStarted.status === "rejected") throw srvStarted.reason;
    if (fleetStarted.status === "rejected") throw fleetStarted.reason;
    const srv = server!;
    const fl = fleet!;
    phase("start");

    await srv.command({ cmd: "gc" });
    const rssBefore = readMem(srv.pid).rssBytes;
    const heapBefore = (await srv.mem()).heapUsed;

    // Connect. For the storm this is the measured window.
    const sCpu0 = readCpu(srv.pid);
    const cCpu0 = readCpuMany(fl.pids);
    const conn = await fl.connect(
      {
        host: "127.0.0.1",
        port: srv.port,
        total: spec.clients,
        transportOf: transportOf(spec),
        layout: spec.layout,
        burst: spec.burst,
        concurrency: o.concurrency,
        wsClient: o.wsClient ?? "lite",
      },
      (ready, failed) => o.progress.update(`${label}: connecting ${ready}/${spec.clients}${failed ? ` (${failed} failed)` : ""}`),
      Math.max(60000, spec.clients * 20),
    );
    phase("connect");
    const sCpuConn = cpuFigures(cpuDelta(sCpu0, readCpu(srv.pid)));
    const cCpuConn = cpuFigures(cpuDelta(cCpu0, readCpuMany(fl.pids)));
    result.connect = {
      ready: conn.ready,
      failed: conn.failed,
      ms: conn.ms,
      perSecond: conn.ready / (conn.ms / 1000),
      handshake: summarize(conn.handshake),
    };
    if (conn.failed > 0) throw new Error(`${conn.failed} of ${spec.clients} clients failed to connect: ${conn.firstError}`);

    if (spec.kind === "storm") {
      result.rate = { count: conn.ready, seconds: conn.ms / 1000, perSecond: result.connect.perSecond, unit: "connects/s" };
      result.latency = { each: result.connect.handshake };
      result.serverCpu = { ...sCpuConn, perOp: perOp(sCpuConn, conn.ready) };
      result.clientCpu = { ...cCpuConn, coreShare: cCpuConn.totalUs / conn.ms / 1000 };
    } else if (spec.kind === "idle") {
      o.progress.update(`${label}: settling`);
      await sleep(spec.clients >= 1000 ? 1000 : 300);
      await srv.command({ cmd: "gc" });
      await sleep(100);
      result.rate = { count: conn.ready, seconds: conn.ms / 1000, perSecond: result.connect.perSecond, unit: "connects/s" };
      result.serverCpu = { ...sCpuConn, perOp: perOp(sCpuConn, conn.ready) };
      result.clientCpu = { ...cCpuConn, coreShare: cCpuConn.totalUs / conn.ms / 1000 };
    } else if (spec.kind === "echo") {
      o.progress.update(`${label}: echo for ${spec.durationS}s`);
      const t0 = Date.now();
      const s0 = readCpu(srv.pid);
      const c0 = readCpuMany(fl.pids);
      const e = await fl.echo(spec.durationS * 1000, spec.payload);
      const seconds = (Date.now() - t0) / 1000;
      const sCpu = cpuFigures(cpuDelta(s0, readCpu(srv.pid)));
      const cCpu = cpuFigures(cpuDelta(c0, readCpuMany(fl.pids)));
      result.rate = { count: e.acks, seconds, perSecond: e.acks / seconds, unit: "acks/s" };
      result.latency = { each: summarize(e.rtt) };
      result.serverCpu = { ...sCpu, perOp: perOp(sCpu, e.acks) };
      result.clientCpu = { ...cCpu, coreShare: cCpu.totalUs / seconds / 1e6 };
      if (e.errors > 0) throw new Error(`${e.errors} acks did not match their emit`);
    } else {
      await runFanout(spec, srv, fl, o, result, label);
    }

    phase("measure");
    const rssAfter = readMem(srv.pid).rssBytes;
    const heapAfter = (await srv.mem()).heapUsed;
    result.serverMem = {
      rssBeforeBytes: rssBefore,
      rssAfterBytes: rssAfter,
      perConnBytes: (rssAfter - rssBefore) / Math.max(1, conn.ready),
      heapPerConnBytes: (heapAfter - heapBefore) / Math.max(1, conn.ready),
    };
    result.ok = result.error === undefined;
  } catch (err) {
    result.ok = false;
    result.error = (err as Error).message.split("\n").slice(0, 3).join(" ").slice(0, 500);
  } finally {
    o.progress.update(`${label}: stopping`);
    await fleet?.stop().catch(() => undefined);
    phase("stopClients");
    await server?.stop().catch(() => undefined);
    phase("stopServer");
  }
  return result;
}

async function runFanout(spec: CaseSpec, srv: ServerProc, fleet: Fleet, o: RunOptions, result: CaseResult, label: string): Promise<void> {
  const pattern = patternFor(spec.layout);
  const expectedIn = deliveriesPerWindow(spec, spec.clients);
  const lastRecipient = new Histogram();
  let w = 0;
  let stalled: string | undefined;

  /** One window: ask for `burst` broadcasts, wait for all their deliveries. Null on a stall. */
  const oneWindow = async (firstMeasured = false): Promise<number[] | null> => {
    const done = fleet.window(w, o.windowTimeoutMs, firstMeasured);
    const reply = await srv.command({ cmd: "broadcast", from: w * spec.burst, count: spec.burst, pattern, payload: spec.payload });
    if (!reply.ok) throw new Error(`broadcast failed: ${reply.error}`);
    const maxUs = await done;
    if (!maxUs) stalled = `window ${w} incomplete after ${o.windowTimeoutMs} ms`;
    return maxUs;
  };

  // Warm-up: a few windows (JIT, buffers) outside the measured window.
  const warmUntil = Date.now() + Math.min(1000, spec.durationS * 200);
  while (Date.now() < warmUntil) {
    if (!(await oneWindow())) break;
    w++;
  }

  const firstMeasured = w;
  let deliveries = 0;
  const t0 = Date.now();
  const s0 = readCpu(srv.pid);
  const c0 = readCpuMany(fleet.pids);
  const end = t0 + spec.durationS * 1000;
  let lastShown = 0;
  while (!stalled && Date.now() < end) {
    const maxUs = await oneWindow(w === firstMeasured);
    if (!maxUs) break;
    for (const us of maxUs) lastRecipient.record(us);
    deliveries += expectedIn(w);
    w++;
    if (Date.now() - lastShown > 250) {
      lastShown = Date.now();
      const s = (Date.now() - t0) / 1000;
      o.progress.update(`${label}: ${s.toFixed(1)}s ${deliveries} deliveries, ${Math.round(deliveries / s)}/s`);
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const sCpu = cpuFigures(cpuDelta(s0, readCpu(srv.pid)));
  const cCpu = cpuFigures(cpuDelta(c0, readCpuMany(fleet.pids)));
  // A stalled window may still complete late; give stragglers a moment before judging loss.
  if (stalled) await new Promise((r) => setTimeout(r, 500));
  const fin = await fleet.finish(w * spec.burst + (stalled ? spec.burst : 0));
  result.rate = { count: deliveries, seconds, perSecond: deliveries / seconds, unit: "deliveries/s" };
  result.latency = { each: summarize(fin.latency), lastRecipient: summarize(lastRecipient) };
  result.serverCpu = { ...sCpu, perOp: perOp(sCpu, deliveries) };
  result.clientCpu = { ...cCpu, coreShare: cCpu.totalUs / seconds / 1e6 };
  result.loss = {
    expected: fin.expected,
    received: fin.received,
    lost: fin.lost,
    outOfOrder: fin.outOfOrder,
    unexpected: fin.unexpected,
    disconnects: fin.disconnects,
  };
  const bad = fin.lost + fin.outOfOrder + fin.unexpected + fin.disconnects;
  if (stalled || bad > 0) {
    result.error = [stalled, bad ? `lost ${fin.lost}, out of order ${fin.outOfOrder}, misdelivered ${fin.unexpected}, disconnects ${fin.disconnects}` : ""]
      .filter(Boolean)
      .join("; ");
  }
  if (firstMeasured === w) result.error ??= "no window completed in the measured period";
}
