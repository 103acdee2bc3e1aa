// One soak run against one server implementation (one node, or a 3-node Redis cluster):
// connect the clients through the fault proxies, run the traffic mix for the given time with
// faults, sample everything once a second, then settle, check every stream to its end, and
// run the connect/disconnect cycles.
import { mkdirSync } from "node:fs";
import { nowUs } from "../lib/clock";
import { Histogram, summarize, type LatencySummary } from "../lib/histogram";
import { addTally, emptyTally, type FaultWindow, type Tally } from "./checker";
import type { ClientSpec, FromWorker, ProxyStats, WorkerTick } from "./messages";
import type { SoakOptions } from "./options";
import { ProxyProc, ServerNode, WorkerProc, type ServerRunOptions } from "./procs";
import { RedisProc } from "./redis-proc";
import type { ClientEmitTally, ServerSample } from "./server-app";
import type { ServerConfig } from "./server";
import { isPolling, isSlowReader } from "./wire";
import { runCycles, type CycleResult } from "./cycles";

/** Clients per client process: a storm briefly doubles the sockets, the fd limit is 20,000. */
export const CLIENTS_PER_WORKER = 5000;
/** Connections per proxy process (two sockets each). */
export const LINKS_PER_PROXY = 4000;

export interface Second {
  t: number;
  phase: string;
  connections: number;
  clientsConnected: number;
  deliveries: number;
  p99Us: number;
  rssBytes: number;
  heapBytes: number;
  fds: number;
  /** Event-loop delay over the second (largest over the nodes), ms; see loop-lag.ts. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** The slowest node's answer to this second's sample, ms. */
  sampleMs: number;
  slowMaxBuffered: number;
  nsps: number;
  /** Cumulative: client-seen disconnects by cause, and server-side closes by reason. */
  drops: Record<string, number>;
}

export interface SoakResult {
  impl: "hyperio" | "upstream";
  cluster: SoakOptions["cluster"];
  recovery: boolean;
  clients: number;
  minutes: number;
  connect: { ms: number; connected: number };
  seconds: Second[];
  tally: Tally;
  /** Clients whose streams were checked (slow readers are not), and how many were connected at the end. */
  checked: number;
  connectedAtEnd: number;
  clientEmits: ClientEmitTally;
  live: LatencySummary;
  replayed: LatencySummary;
  storm?: { atS: number; p99UsBefore: number; p99UsDuring: number; reconnectedInS?: number };
  reconnects: number;
  recovered: number;
  notRecovered: number;
  serverFinal: ServerSample[];
  proxies: ProxyStats[];
  memory: { rssSlopeMBPerMin: number; heapSlopeMBPerMin: number; fdsSlopePerMin: number; from: number };
  faults: FaultWindow[];
  events: Array<{ t: number; what: string }>;
  cycles: CycleResult[];
  logs: string[];
  crashed: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Slope of y over t by least squares (per second). */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  let st = 0, sy = 0, stt = 0, sty = 0;
  for (const [t, y] of points) {
    st += t;
    sy += y;
    stt += t * t;
    sty += t * y;
  }
  const d = n * stt - st * st;
  return d === 0 ? 0 : (n * sty - st * sy) / d;
}

/** The server processes' extra node flags and environment (--server-flags, --server-env). */
function serverRunOf(o: SoakOptions): ServerRunOptions {
  return { nodeFlags: o.serverFlags, env: o.serverEnv };
}

/**
 * `--cycles-only`: the connect/disconnect cycles alone, on a fresh single server with the
 * soak's configuration (no soak before them), clients straight to the server as in runCycles.
 */
export async function runCyclesOnly(o: SoakOptions, impl: "hyperio" | "upstream", hyperioBuild: string | undefined, progress: (s: string) => void): Promise<CycleResult[]> {
  const cfg: ServerConfig = {
    impl,
    recovery: o.recovery,
    recoveryWindowMs: o.recoveryWindowMs,
    traffic: { node: 0, broadcastsPerSec: 0, directEveryMs: 0, ackEveryMs: 0, volatilePerSec: 0, slowBytes: 0, cluster: false },
  };
  if (o.heapSnapshots) mkdirSync(o.heapSnapshots, { recursive: true });
  const node = await ServerNode.start(cfg, hyperioBuild, serverRunOf(o));
  progress(`${impl}: server pid ${node.pid}${o.serverFlags.length ? `, node ${o.serverFlags.join(" ")}` : ""}${Object.keys(o.serverEnv).length ? `, env ${Object.entries(o.serverEnv).map(([k, v]) => `${k}=${v}`).join(" ")}` : ""}`);
  const specs: ClientSpec[] = [];
  for (let idx = 0; idx < o.clients; idx++) specs.push({ idx, polling: isPolling(idx) && !isSlowReader(idx), slow: false, endpoints: [] });
  try {
    return await runCycles(node, specs, o.cycles, progress, impl, o.recovery && o.cyclesWait ? o.recoveryWindowMs : 0, o.cyclesWaitEvery, o.heapSnapshots);
  } finally {
    await node.exit();
  }
}

export async function runSoak(o: SoakOptions, impl: "hyperio" | "upstream", hyperioBuild: string | undefined, progress: (s: string) => void): Promise<SoakResult> {
  const clustered = o.cluster !== "off";
  const nodeCount = clustered ? 3 : 1;
  const events: Array<{ t: number; what: string }> = [];
  const t0 = Date.now();
  const at = () => Math.round((Date.now() - t0) / 100) / 10;
  const event = (what: string) => {
    events.push({ t: at(), what });
    progress(`${impl}: ${what}`);
  };
  const redis = clustered ? await RedisProc.start() : undefined;
  const nodes: ServerNode[] = [];
  const crashed: string[] = [];
  const killed = new Set<number>();
  let exiting = false;
  const procs: { proxies: ProxyProc[]; workers: WorkerProc[] } = { proxies: [], workers: [] };
  try {
    let cycleConfig!: ServerConfig;
    for (let n = 0; n < nodeCount; n++) {
      const cfg: ServerConfig = {
        impl,
        recovery: o.recovery,
        recoveryWindowMs: o.recoveryWindowMs,
        traffic: {
          node: n,
          broadcastsPerSec: n === 0 ? o.broadcastsPerSec : 0,
          directEveryMs: o.directEveryMs,
          ackEveryMs: o.ackEveryMs,
          volatilePerSec: n === 0 ? o.volatilePerSec : 0,
          slowBytes: o.slowBytes,
          cluster: clustered,
        },
        adapter: redis ? { kind: o.cluster as "pubsub" | "streams", url: redis.url, name: `soak-n${n}` } : undefined,
      };
      if (n === 0) cycleConfig = cfg;
      nodes.push(await ServerNode.start(cfg, hyperioBuild, serverRunOf(o)));
    }
    nodes.forEach((node, n) =>
      node.child.once("exit", (code, sig) => {
        if (!killed.has(n) && !exiting) crashed.push(`node ${n} exited (${code ?? sig}): ${node.stderr().slice(-500)}`);
      }),
    );
    event(`${nodeCount} node(s) listening${redis ? ` on redis ${redis.url}` : ""}`);

    // Clients: home node idx % nodes; slow readers connect straight to it, the rest through a proxy.
    const homeOf = (idx: number) => idx % nodeCount;
    const proxiesPerNode = Array.from({ length: nodeCount }, (_, n) => {
      let links = 0;
      for (let i = n; i < o.clients; i += nodeCount) if (!isSlowReader(i)) links++;
      return o.faults ? Math.max(1, Math.ceil(links / LINKS_PER_PROXY)) : 0;
    });
    const proxyOf: ProxyProc[][] = [];
    for (let n = 0; n < nodeCount; n++) {
      proxyOf.push([]);
      for (let k = 0; k < proxiesPerNode[n]; k++) {
        const p = await ProxyProc.start();
        p.send({ type: "config", target: { host: "127.0.0.1", port: nodes[n].port }, cutPerMinute: o.cutPerMinute, delayShare: o.delayShare, delayMs: o.delayMs, stallShare: o.stallShare, stallMs: o.stallMs });
        proxyOf[n].push(p);
        procs.proxies.push(p);
      }
    }
    const endpointOf = (idx: number, n: number, direct: boolean) => {
      const list = proxyOf[n];
      if (direct || list.length === 0) return { host: "127.0.0.1", port: nodes[n].port };
      return { host: "127.0.0.1", port: list[Math.floor(idx / nodeCount) % list.length].port };
    };
    const specs: ClientSpec[] = [];
    for (let idx = 0; idx < o.clients; idx++) {
      const slow = isSlowReader(idx);
      const home = homeOf(idx);
      const endpoints = Array.from({ length: nodeCount }, (_, k) => endpointOf(idx, (home + k) % nodeCount, slow));
      specs.push({ idx, polling: isPolling(idx) && !slow, slow, endpoints });
    }

    // Client shards and their once-a-second reports.
    const latest = new Map<number, WorkerTick>();
    let acc = { delivered: 0, live: new Histogram() };
    const finals: Array<Extract<FromWorker, { type: "final" }>> = [];
    const workerCount = Math.ceil(o.clients / CLIENTS_PER_WORKER);
    for (let w = 0; w < workerCount; w++) {
      const k = w;
      procs.workers.push(
        await WorkerProc.start((m) => {
          if (m.type === "tick") {
            latest.set(k, m);
            acc.delivered += m.delivered;
            acc.live.merge(m.live);
          } else if (m.type === "final") finals.push(m);
        }),
      );
    }
    const clientsConnected = () => [...latest.values()].reduce((s, t) => s + t.connected, 0);
    const faults: FaultWindow[] = [];
    const declare = (w: FaultWindow) => {
      const i = faults.findIndex((f) => f.cause === w.cause && f.startUs === w.startUs);
      if (i >= 0) faults[i] = w;
      else faults.push(w);
      for (const wk of procs.workers) wk.send({ type: "fault", window: w });
    };

    const tConnect = Date.now();
    procs.workers.forEach((wk, w) =>
      wk.send({ type: "start", clients: specs.slice(w * CLIENTS_PER_WORKER, (w + 1) * CLIENTS_PER_WORKER), emitEveryMs: o.emitEveryMs, churnShare: o.churnShare, concurrency: 100, slowResetMs: 60000 }),
    );
    const connectDeadline = Date.now() + 60000 + o.clients * 5;
    while (clientsConnected() < o.clients * 0.99 && Date.now() < connectDeadline) {
      await sleep(250);
      progress(`${impl}: connecting ${clientsConnected()}/${o.clients}`);
    }
    const connect = { ms: Date.now() - tConnect, connected: clientsConnected() };
    event(`${connect.connected}/${o.clients} connected in ${(connect.ms / 1000).toFixed(1)} s`);

    // The soak.
    const seconds: Second[] = [];
    const runStart = Date.now();
    const runMs = o.minutes * 60000;
    let phase = "steady";
    const sampleAll = async (): Promise<ServerSample[]> => {
      const out: ServerSample[] = [];
      for (let n = 0; n < nodes.length; n++) {
        if (killed.has(n) || !nodes[n].alive) continue;
        try {
          out.push(await nodes[n].sample());
        } catch {
          // a node that died between the check and the answer
        }
      }
      return out;
    };
    const record = async (): Promise<void> => {
      const samples = await sampleAll();
      const sum = (f: (s: ServerSample) => number) => samples.reduce((a, s) => a + f(s), 0);
      const drops: Record<string, number> = {};
      for (const t of latest.values()) for (const [k, v] of Object.entries(t.disconnects)) drops[`client: ${k}`] = (drops[`client: ${k}`] ?? 0) + v;
      for (const s of samples) {
        for (const [k, v] of Object.entries(s.closes)) drops[`server: ${k}`] = (drops[`server: ${k}`] ?? 0) + v;
        for (const [k, v] of Object.entries(s.slowCloses)) drops[`server, slow reader: ${k}`] = (drops[`server, slow reader: ${k}`] ?? 0) + v;
      }
      const p99 = acc.live.count > 0 ? acc.live.percentile(0.99) : NaN;
      seconds.push({
        t: Math.round((Date.now() - runStart) / 100) / 10,
        phase,
        connections: sum((s) => s.connWebsocket + s.connPolling),
        clientsConnected: clientsConnected(),
        deliveries: acc.delivered,
        p99Us: p99,
        rssBytes: sum((s) => s.rss),
        heapBytes: sum((s) => s.heapUsed),
        fds: sum((s) => s.fds),
        eventLoopP99Ms: Math.max(0, ...samples.map((s) => s.eventLoopP99Ms)),
        eventLoopMaxMs: Math.max(0, ...samples.map((s) => s.eventLoopMaxMs)),
        sampleMs: Math.max(0, ...samples.map((s) => s.sampleMs ?? 0)),
        slowMaxBuffered: Math.max(0, ...samples.map((s) => s.slowMaxBuffered)),
        nsps: sum((s) => s.nsps),
        drops,
      });
      acc = { delivered: 0, live: new Histogram() };
    };

    for (const n of nodes) n.send({ cmd: "start" });
    if (o.faults) for (const p of procs.proxies) p.send({ type: "faults", on: true });
    event(`traffic on${o.faults ? ", faults on" : ""}`);
    const stormAtMs = o.faults && o.stormAt >= 0 ? o.stormAt * runMs : Infinity;
    const redisAtMs = clustered && o.faults ? runMs / 3 : Infinity;
    const killAtMs = clustered && o.faults ? (2 * runMs) / 3 : Infinity;
    let stormDone = false, redisDone = false, killDone = false;
    let nextKick = o.kickEverySec > 0 && o.faults ? o.kickEverySec * 1000 : Infinity;
    let stormS: number | undefined;
    while (Date.now() - runStart < runMs) {
      const tick = Date.now();
      const el = tick - runStart;
      if (!stormDone && el >= stormAtMs) {
        stormDone = true;
        phase = "storm";
        stormS = Math.round(el / 100) / 10;
        for (const p of procs.proxies) p.send({ type: "storm", share: o.stormShare });
        event(`reconnect storm: ${Math.round(o.stormShare * 100)}% of the proxied connections cut at once`);
      }
      if (phase === "storm" && stormS !== undefined && el / 1000 > stormS + 15) phase = "steady";
      if (!redisDone && el >= redisAtMs && redis) {
        redisDone = true;
        const startUs = nowUs();
        declare({ cause: "redis-server restart", startUs });
        await redis.down();
        event("redis-server killed");
        await sleep(3000);
        await redis.up();
        event("redis-server restarted");
        // The adapters need a moment to reconnect and resubscribe: messages emitted until
        // then are part of the same fault.
        setTimeout(() => declare({ cause: "redis-server restart", startUs, endUs: nowUs() }), 5000);
      }
      if (!killDone && el >= killAtMs) {
        killDone = true;
        killed.add(2);
        nodes[2].kill();
        event("node 2 killed (SIGKILL)");
      }
      if (el >= nextKick) {
        nextKick += o.kickEverySec * 1000;
        nodes[0].send({ cmd: "kick" });
      }
      await record();
      const last = seconds[seconds.length - 1];
      if (seconds.length % 5 === 0) {
        progress(`${impl}: ${Math.round(el / 1000)}/${Math.round(runMs / 1000)} s, ${last.connections} conns, ${last.deliveries}/s, p99 ${(last.p99Us / 1000).toFixed(1)} ms, rss ${(last.rssBytes / 2 ** 20).toFixed(0)} MiB`);
      }
      await sleep(Math.max(0, 1000 - (Date.now() - tick)));
    }

    // Settle: faults off, traffic off, everyone back and caught up, then check to the end.
    phase = "settle";
    for (const p of procs.proxies) p.send({ type: "faults", on: false });
    await sleep(2000);
    const ends: Record<string, Record<string, number>> = {};
    for (let n = 0; n < nodes.length; n++) {
      if (killed.has(n) || !nodes[n].alive) continue;
      for (const [k, v] of Object.entries(await nodes[n].stopTraffic())) Object.assign((ends[k] ??= {}), v);
    }
    event("traffic off, settling");
    const expectConnected = specs.filter((s) => !s.slow).length;
    const settleDeadline = Date.now() + 30000;
    for (;;) {
      await record();
      if (clientsConnected() >= expectConnected || Date.now() > settleDeadline) break;
      await sleep(1000);
    }
    await sleep(3000);
    await record();
    for (const wk of procs.workers) wk.send({ type: "finish", ends });
    await Promise.all(procs.workers.map((wk) => wk.final()));
    const serverFinal = await sampleAll();
    const proxies = await Promise.all(procs.proxies.map((p) => p.stats()));
    event("checked");
    for (const wk of procs.workers) await wk.exit();
    procs.workers = [];
    for (const p of procs.proxies) await p.exit();
    procs.proxies = [];

    const tally = emptyTally();
    const live = new Histogram();
    const replayed = new Histogram();
    let checked = 0;
    let connectedAtEnd = 0;
    for (const f of finals) {
      addTally(tally, f.tally);
      live.merge(f.live);
      replayed.merge(f.replayed);
      checked += f.checked;
      connectedAtEnd += f.connectedAtEnd;
    }
    const clientEmits: ClientEmitTally = { accepted: 0, retries: 0, duplicated: 0, outOfOrder: 0, lost: 0 };
    for (const s of serverFinal) for (const k of Object.keys(clientEmits) as Array<keyof ClientEmitTally>) clientEmits[k] += s.clientEmits[k];
    const reconnects = [...latest.values()].reduce((a, t) => a + t.reconnects, 0);
    const recovered = [...latest.values()].reduce((a, t) => a + t.recovered, 0);
    const notRecovered = [...latest.values()].reduce((a, t) => a + t.notRecovered, 0);

    // Memory trend past warm-up (the first quarter, at least 30 s) of the soak phase.
    const soakSeconds = seconds.filter((s) => s.phase !== "settle");
    const from = Math.min(Math.max(30, soakSeconds.length / 4), Math.floor(soakSeconds.length / 2));
    const tail = soakSeconds.slice(from);
    const perMin = (f: (s: Second) => number) => slope(tail.map((s) => [s.t, f(s)])) * 60;
    const memory = {
      rssSlopeMBPerMin: perMin((s) => s.rssBytes / 2 ** 20),
      heapSlopeMBPerMin: perMin((s) => s.heapBytes / 2 ** 20),
      fdsSlopePerMin: perMin((s) => s.fds),
      from: tail[0]?.t ?? 0,
    };
    let storm: SoakResult["storm"];
    if (stormS !== undefined) {
      // Per-second p99s are all we keep over time; the storm figure is the worst second of the
      // 15 s after the cut against the median second of the 30 s before.
      const pre = seconds.filter((s) => s.t >= stormS! - 30 && s.t < stormS! && Number.isFinite(s.p99Us)).map((s) => s.p99Us).sort((a, b) => a - b);
      const dur = seconds.filter((s) => s.t >= stormS! && s.t < stormS! + 15 && Number.isFinite(s.p99Us)).map((s) => s.p99Us);
      // Back: the first second, after the dip the storm made, with 99% of the clients connected again.
      const after = seconds.filter((s) => s.t > stormS!);
      const dip = after.findIndex((s) => s.clientsConnected < connect.connected * 0.99);
      const back = dip < 0 ? undefined : after.slice(dip).find((s) => s.clientsConnected >= connect.connected * 0.99);
      storm = {
        atS: stormS,
        p99UsBefore: pre.length ? pre[Math.floor(pre.length / 2)] : NaN,
        p99UsDuring: dur.length ? Math.max(...dur) : NaN,
        reconnectedInS: back ? Math.round((back.t - stormS) * 10) / 10 : undefined,
      };
    }

    // Connect/disconnect cycles on a fresh server of the same kind (the soak's server still
    // holds the sessions it keeps for recovery, which would blur the baseline), no faults,
    // no traffic.
    let cycles: CycleResult[] = [];
    if (o.cycles > 0 && !clustered) {
      exiting = true;
      for (const n of nodes) await n.exit();
      const fresh = await ServerNode.start(cycleConfig, hyperioBuild, serverRunOf(o));
      try {
        cycles = await runCycles(fresh, specs, o.cycles, progress, impl, o.recovery && o.cyclesWait ? o.recoveryWindowMs : 0, o.cyclesWaitEvery);
      } finally {
        await fresh.exit();
      }
    }

    return {
      impl,
      cluster: o.cluster,
      recovery: o.recovery,
      clients: o.clients,
      minutes: o.minutes,
      connect,
      seconds,
      tally,
      checked,
      connectedAtEnd,
      clientEmits,
      live: summarize(live),
      replayed: summarize(replayed),
      storm,
      reconnects,
      recovered,
      notRecovered,
      serverFinal,
      proxies,
      memory,
      faults,
      events,
      cycles,
      logs: nodes.flatMap((n) => n.logs),
      crashed,
    };
  } finally {
    exiting = true;
    for (const wk of procs.workers) await wk.exit().catch(() => undefined);
    for (const p of procs.proxies) await p.exit().catch(() => undefined);
    for (const n of nodes) await n.exit().catch(() => undefined);
    await redis?.stop();
  }
}
