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
import { cpuDelta, readCpu, readCpuMany, readMem, readThreadRunUs, type CpuSample } from "../lib/proc-stats";
import type { Progress } from "../lib/progress";
import { ServerProc, type ProfileOptions, type ServerKind } from "../lib/server-proc";
import { nowUs } from "../lib/clock";
import { mkdirSync, writeFileSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
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
  /** Profile the server process (V8 --cpu-prof) into this directory. */
  profile?: ProfileOptions;
  /** Also sample the server with Linux `perf record` over the measured window (needs `perf`). */
  perf?: boolean;
  /** A tsc build of src/ for hyperio servers (else they run src/ through tsx). */
  hyperioBuild?: string;
}

/** A point of the measured window: monotonic time and CPU of the server (for the profile summary). */
interface Mark {
  atUs: number;
  mainUs: number;
  allUs: number;
}
function mark(pid: number): Mark {
  return { atUs: nowUs(), mainUs: readThreadRunUs(pid), allUs: readCpu(pid).runUs };
}

/**
 * `perf record` of the server over the measured window (call graphs off: the split by binary
 * and symbol is what V8's profile cannot give, since it counts native work outside JS as idle).
 * The server runs with --perf-basic-prof so JIT frames resolve through /tmp/perf-<pid>.map.
 */
class PerfRecorder {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  constructor(private readonly pid: number, private readonly out: string) {}
  start(): void {
    if (this.child) return;
    const c = spawn("perf", ["record", "-F", "997", "-p", String(this.pid), "-o", this.out, "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = c;
    this.exited = new Promise((resolve) => {
      c.once("exit", () => resolve());
      c.once("error", () => resolve());
    });
  }
  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill("SIGINT");
    const t = setTimeout(() => this.child?.kill("SIGKILL"), 15000);
    await this.exited;
    clearTimeout(t);
    this.child = undefined;
  }
}
type Window = { from: Mark; to: Mark };

/** Profiled servers write a profile of the whole run at exit, which can take a while. */
const PROFILED_STOP_GRACE_MS = 60000;

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
  /** The measured window in CLOCK_MONOTONIC µs (the clock of V8's profile timestamps). */
  let measured: Window | undefined;
  let perf: PerfRecorder | undefined;
  try {
    o.progress.update(`${label}: starting server`);
    // Server and client processes start together: start-up is not measured, only waited for.
    const [srvStarted, fleetStarted] = await Promise.allSettled([ServerProc.start(kind, 30000, o.profile, o.hyperioBuild), Fleet.start(processes)]);
    if (srvStarted.status === "fulfilled") server = srvStarted.value;
    if (fleetStarted.status === "fulfilled") fleet = fleetStarted.value;
    if (srvStarted.status === "rejected") throw srvStarted.reason;
    if (fleetStarted.status === "rejected") throw fleetStarted.reason;
    const srv = server!;
    const fl = fleet!;
    phase("start");
    if (srv.notice.native) result.native = srv.notice.native;
    if (o.profile) result.profileDir = o.profile.dir;
    if (o.perf && o.profile) perf = new PerfRecorder(srv.pid, join(o.profile.dir, "perf.data"));

    await srv.command({ cmd: "gc" });
    const rssBefore = readMem(srv.pid).rssBytes;
    const heapBefore = (await srv.mem()).heapUsed;

    // Connect. For the storm this is the measured window.
    if (spec.kind === "storm" || spec.kind === "idle") perf?.start();
    const connFrom = mark(srv.pid);
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
      cutRetried: conn.cutRetried,
      ms: conn.ms,
      perSecond: conn.ready / (conn.ms / 1000),
      handshake: summarize(conn.handshake),
    };
    if (conn.failed > 0) throw new Error(`${conn.failed} of ${spec.clients} clients failed to connect: ${conn.firstError}`);

    const connTo = mark(srv.pid);
    await perf?.stop();
    if (spec.kind === "storm" || spec.kind === "idle") measured = { from: connFrom, to: connTo };
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
      perf?.start();
      const from = mark(srv.pid);
      const s0 = readCpu(srv.pid);
      const c0 = readCpuMany(fl.pids);
      const e = await fl.echo(spec.durationS * 1000, spec.payload);
      measured = { from, to: mark(srv.pid) };
      await perf?.stop();
      const seconds = (Date.now() - t0) / 1000;
      const sCpu = cpuFigures(cpuDelta(s0, readCpu(srv.pid)));
      const cCpu = cpuFigures(cpuDelta(c0, readCpuMany(fl.pids)));
      result.rate = { count: e.acks, seconds, perSecond: e.acks / seconds, unit: "acks/s" };
      result.latency = { each: summarize(e.rtt) };
      result.serverCpu = { ...sCpu, perOp: perOp(sCpu, e.acks) };
      const mainUs = measured.to.mainUs - measured.from.mainUs;
      result.serverMainCpu = { totalUs: mainUs, perOpUs: mainUs / Math.max(1, e.acks) };
      result.clientCpu = { ...cCpu, coreShare: cCpu.totalUs / seconds / 1e6 };
      if (e.errors > 0) throw new Error(`${e.errors} acks did not match their emit`);
    } else {
      measured = await runFanout(spec, srv, fl, o, result, label, perf);
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
    await perf?.stop().catch(() => undefined);
    await fleet?.stop().catch(() => undefined);
    phase("stopClients");
    if (o.profile && measured) {
      // The profile summary counts only samples in this window (start-up and connect excluded).
      mkdirSync(o.profile.dir, { recursive: true });
      const { from, to } = measured;
      writeFileSync(
        join(o.profile.dir, "window.json"),
        JSON.stringify({
          case: spec.id,
          server: kind,
          fromUs: from.atUs,
          toUs: to.atUs,
          mainThreadCpuUs: to.mainUs - from.mainUs,
          processCpuUs: to.allUs - from.allUs,
        }),
      );
    }
    await server?.stop(o.profile ? PROFILED_STOP_GRACE_MS : undefined).catch(() => undefined);
    phase("stopServer");
  }
  return result;
}

async function runFanout(
  spec: CaseSpec,
  srv: ServerProc,
  fleet: Fleet,
  o: RunOptions,
  result: CaseResult,
  label: string,
  perf?: PerfRecorder,
): Promise<Window> {
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
  perf?.start();
  const from = mark(srv.pid);
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
  const to = mark(srv.pid);
  await perf?.stop();
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
  return { from, to };
}
