// autocannon scenario for the Engine.IO long-polling transport: every autocannon connection
// runs complete Socket.IO sessions as a chain of HTTP requests, carrying the session id from
// the handshake into every later request:
//
//   GET  ?EIO=4&transport=polling            handshake, sid read from the OPEN packet
//   POST ...&sid=S  "40"                     namespace CONNECT
//   GET  ...&sid=S                           its answer, "40{"sid":...}"
//   ROUNDS x ( POST 42N["echo",R,...]        event with ack id N
//              GET  ...&sid=S )              the ack, 43N[...]
//   POST ...&sid=S  "41\x1e1"                DISCONNECT + CLOSE, then the chain restarts
//
// Frames are built and parsed with the k6 protocol library (loadtest/k6/lib), so the same
// code is checked against upstream by test/loadtest-tools/protocol.test.ts. The echo is the
// load-test convention's (loadtest/k6/lib/convention.js): `echo(round, payload)` answered by
// ack(round, payload), which every server under test installs from servers/sio-app.ts.
//
//   npx tsx loadtest/autocannon/polling.ts                      # hyperio and upstream, side by side
//   npx tsx loadtest/autocannon/polling.ts --server hyperio     # one server
//   npx tsx loadtest/autocannon/polling.ts --url http://127.0.0.1:3000 --connections 20
// Options: --server LIST (hyperio,upstream; also hyperio-node, upstream-uws, hyperio-twin;
// upstream = upstream-ws) | --url URL, --duration S (5), --connections N (10), --rounds N (8),
// --payload NAME (small; the convention's payloads), --hyperio-code build|tsx (build), --json.
// Each server is the main harness's server process (servers/*.ts), started fresh, loaded
// alone, then stopped; its CPU over the run comes from /proc. Exit status 1 on connection
// errors, non-2xx answers, protocol errors or bad acks.
// Chains cut off when the run ends leave their sessions open on the server until its ping
// timeout: harmless for a server this tool started and stops, brief for one given by --url.
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { ECHO_EVENT, isPayloadName, payloadSize, payloadValue, type PayloadName } from "../k6/lib/convention.js";
import { SocketIOClient } from "../k6/lib/socketio-client.js";
import { decodePollingPayload, encodePollingPayload, handshakeUrl, type EngineFrame } from "../k6/lib/socketio-protocol.js";
import { parseHyperioCode, parseServers, TargetLauncher, type Target, type ToolServer } from "../k6/runner/targets";
import { fmtRate, fmtRatio, fmtUs } from "../report/format";

export interface PollingScenarioOptions {
  /** Server origin, e.g. "http://127.0.0.1:3000". */
  url: string;
  /** Seconds to run. */
  duration: number;
  /** Concurrent HTTP connections, each running its own chain of sessions. */
  connections: number;
  /** Event + ack round trips per session. */
  rounds: number;
  /** The convention's payload each echo carries (loadtest/k6/lib/convention.js). */
  payload: PayloadName;
}

/** What the client side of the chain saw, beyond autocannon's own counters. */
export interface ChainStats {
  sessions: number;
  connected: number;
  closed: number;
  echoesSent: number;
  acks: number;
  /** Acks whose payload differed from what was sent. */
  badAcks: number;
  /** Responses that broke the chain: wrong status, no OPEN, no CONNECT, undecodable body. */
  protocolErrors: number;
  firstProtocolError?: string;
}

export interface PollingScenarioResult {
  options: PollingScenarioOptions;
  requestsPerSec: number;
  totalRequests: number;
  latencyMean: number;
  latencyP50: number;
  latencyP99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  chain: ChainStats;
  /** Client CPU time (user + system) spent in this process during the run, ms. */
  clientCpuMs: number;
}

export const DEFAULT_OPTIONS: Omit<PollingScenarioOptions, "url"> = { duration: 5, connections: 10, rounds: 8, payload: "small" };

/** Per-connection state autocannon keeps between the requests of one chain (reset per chain). */
interface ChainContext {
  client?: SocketIOClient;
  outbox?: EngineFrame[];
  sid?: string;
  broken?: boolean;
}

type Req = autocannon.Request;

function validate(options: PollingScenarioOptions): void {
  if (!/^https?:\/\/[^/]+/.test(options.url)) throw new Error(`url must be an http(s):// origin, got ${options.url}`);
  for (const key of ["duration", "connections", "rounds"] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`${key} must be an integer >= 1, got ${options[key]}`);
  }
  if (!isPayloadName(options.payload)) throw new Error(`payload must be a payload name (small, 4KiB, 64KiB, 64KiB-utf8, 64KiB-bin), got ${options.payload}`);
}

/** The request chain of one session, sharing `stats` across all connections. */
export function buildChain(options: PollingScenarioOptions, stats: ChainStats): Req[] {
  const handshake = new URL(handshakeUrl(options.url));
  const handshakePath = handshake.pathname + handshake.search;
  const value = payloadValue(options.payload);
  const size = payloadSize(value);

  const broken = (ctx: ChainContext, why: string): void => {
    stats.protocolErrors++;
    stats.firstProtocolError ??= why;
    ctx.broken = true;
  };
  const feed = (ctx: ChainContext, status: number, body: string): void => {
    if (status !== 200) return broken(ctx, `GET answered ${status}: ${body.slice(0, 80)}`);
    try {
      for (const frame of decodePollingPayload(body)) ctx.client?.receive(frame);
    } catch (err) {
      broken(ctx, `undecodable poll body: ${(err as Error).message}`);
    }
  };
  const sessionPath = (ctx: ChainContext): string => `${handshakePath}&sid=${encodeURIComponent(ctx.sid ?? "")}`;
  // A falsy return makes autocannon restart the chain with a fresh context (counted in resets).
  const post = (req: Req, ctx: ChainContext): Req | undefined => {
    if (ctx.broken || !ctx.sid || !ctx.outbox) return undefined;
    req.path = sessionPath(ctx);
    req.body = encodePollingPayload(ctx.outbox.splice(0));
    return req;
  };
  const poll = (req: Req, ctx: ChainContext): Req | undefined => {
    if (ctx.broken || !ctx.sid) return undefined;
    req.path = sessionPath(ctx);
    return req;
  };
  const expectOk = (status: number, body: string, ctx: ChainContext): void => {
    if (status !== 200 || body !== "ok") broken(ctx, `POST answered ${status}: ${body.slice(0, 80)}`);
  };
  // autocannon types the context as `object`; these adapters give the handlers our shape.
  const setup = (fn: (req: Req, ctx: ChainContext) => Req | undefined) => fn as unknown as (req: Req, ctx: object) => Req;
  const onResponse = (fn: (status: number, body: string, ctx: ChainContext) => void) =>
    fn as unknown as (status: number, body: string, ctx: object) => void;
  const postHeaders = { "content-type": "text/plain;charset=UTF-8" };

  const chain: Req[] = [
    {
      method: "GET",
      path: handshakePath,
      onResponse: onResponse((status, body, ctx) => {
        const outbox: EngineFrame[] = [];
        ctx.outbox = outbox;
        ctx.client = new SocketIOClient({ send: (frame) => outbox.push(frame) });
        ctx.client.on("error", (err: Error) => broken(ctx, `protocol error: ${err.message}`));
        feed(ctx, status, body);
        if (!ctx.client.engine) return broken(ctx, `handshake gave no OPEN packet: ${body.slice(0, 80)}`);
        ctx.sid = ctx.client.engine.sid;
        stats.sessions++;
      }),
    },
    { method: "POST", headers: postHeaders, setupRequest: setup(post), onResponse: onResponse(expectOk) },
    {
      method: "GET",
      setupRequest: setup(poll),
      onResponse: onResponse((status, body, ctx) => {
        feed(ctx, status, body);
        if (!ctx.client?.connected) return broken(ctx, `no CONNECT answer: ${body.slice(0, 80)}`);
        stats.connected++;
      }),
    },
  ];
  for (let round = 0; round < options.rounds; round++) {
    chain.push(
      {
        method: "POST",
        headers: postHeaders,
        setupRequest: setup((req, ctx) => {
          if (ctx.broken || !ctx.client) return undefined;
          ctx.client.emit(ECHO_EVENT, round, value, (replyRound: unknown, reply: unknown) => {
            stats.acks++;
            if (replyRound !== round || payloadSize(reply) !== size) stats.badAcks++;
          });
          stats.echoesSent++;
          return post(req, ctx);
        }),
        onResponse: onResponse(expectOk),
      },
      { method: "GET", setupRequest: setup(poll), onResponse: onResponse((status, body, ctx) => feed(ctx, status, body)) },
    );
  }
  chain.push({
    method: "POST",
    headers: postHeaders,
    setupRequest: setup((req, ctx) => {
      ctx.client?.close("polling");
      return post(req, ctx);
    }),
    onResponse: onResponse((status, body, ctx) => {
      expectOk(status, body, ctx);
      if (!ctx.broken) stats.closed++;
    }),
  });
  return chain;
}

/** Runs the chain against `options.url` and summarizes autocannon's result with the chain's. */
export async function runPollingScenario(options: PollingScenarioOptions): Promise<PollingScenarioResult> {
  validate(options);
  const chain: ChainStats = { sessions: 0, connected: 0, closed: 0, echoesSent: 0, acks: 0, badAcks: 0, protocolErrors: 0 };
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    requests: buildChain(options, chain),
    initialContext: {},
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    options,
    requestsPerSec: result.requests.average,
    totalRequests: result.requests.total,
    latencyMean: result.latency.mean,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    resets: result.resets,
    chain,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** One server's run: the scenario's figures and the server's CPU over it. */
export interface ServerRun {
  server: string;
  result: PollingScenarioResult;
  /** Server CPU over the run, µs (undefined for a server given by --url). */
  serverCpuUs?: number;
}

/** Runs the scenario against a fresh process of `kind` (the harness's server), then stops it. */
export async function runAgainst(launcher: TargetLauncher, kind: ToolServer, options: Omit<PollingScenarioOptions, "url">): Promise<ServerRun> {
  const target: Target = await launcher.start(kind);
  try {
    const cpu0 = target.cpuUs();
    const result = await runPollingScenario({ ...options, url: target.url });
    return { server: kind, result, serverCpuUs: target.cpuUs() - cpu0 };
  } finally {
    await target.stop();
  }
}

function failed(r: PollingScenarioResult): boolean {
  return r.errors > 0 || r.non2xx > 0 || r.chain.protocolErrors > 0 || r.chain.badAcks > 0;
}

/** The side-by-side table; `× upstream` divides server CPU per ack by upstream-ws's. */
export function formatComparison(runs: ServerRun[]): string {
  const o = runs[0].result.options;
  const perAck = (r: ServerRun) => (r.serverCpuUs !== undefined && r.result.chain.acks > 0 ? r.serverCpuUs / r.result.chain.acks : NaN);
  const perReq = (r: ServerRun) => (r.serverCpuUs !== undefined && r.result.totalRequests > 0 ? r.serverCpuUs / r.result.totalRequests : NaN);
  const ref = runs.find((r) => r.server === "upstream-ws" && !failed(r.result));
  const lines = [
    `autocannon polling chain: ${o.connections} connections, ${o.duration} s per server, ${o.rounds} echo rounds/session, payload ${o.payload}`,
    "",
    "| server | requests/s | acks/s | sessions | latency p50 | p99 | srv CPU/request | srv CPU/ack | CPU × upstream | client CPU | errors |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of runs) {
    const x = r.result;
    const c = x.chain;
    const errs = x.errors + x.non2xx + c.protocolErrors + c.badAcks;
    lines.push(
      `| ${r.server} | ${fmtRate(x.requestsPerSec)} | ${fmtRate(c.acks / o.duration)} | ${c.sessions} | ${x.latencyP50} ms | ${x.latencyP99} ms | ${fmtUs(perReq(r))} | ${fmtUs(perAck(r))} | ${ref ? fmtRatio(perAck(r) / perAck(ref)) : "–"} | ${(x.clientCpuMs / 10 / o.duration).toFixed(0)}% | ${errs}${c.firstProtocolError ? ` (${c.firstProtocolError})` : ""} |`,
    );
  }
  lines.push(
    "",
    "Server CPU is the server process's (all threads, /proc schedstat) over its run; client CPU is this process's, as a share of one core. Both share this machine: on few cores the client can be the limit, so compare CPU per ack more than rates.",
  );
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      server: { type: "string" },
      duration: { type: "string", default: String(DEFAULT_OPTIONS.duration) },
      connections: { type: "string", default: String(DEFAULT_OPTIONS.connections) },
      rounds: { type: "string", default: String(DEFAULT_OPTIONS.rounds) },
      payload: { type: "string", default: DEFAULT_OPTIONS.payload },
      "hyperio-code": { type: "string", default: "build" },
      json: { type: "boolean", default: false },
    },
  });
  if (values.url && values.server) throw new Error("give --url URL or --server LIST, not both");
  const options = {
    duration: Number(values.duration),
    connections: Number(values.connections),
    rounds: Number(values.rounds),
    payload: values.payload as PayloadName,
  };
  validate({ ...options, url: values.url ?? "http://127.0.0.1:1" });
  const runs: ServerRun[] = [];
  if (values.url) {
    runs.push({ server: values.url, result: await runPollingScenario({ ...options, url: values.url }) });
  } else {
    const kinds = parseServers(values.server ?? "hyperio,upstream");
    const launcher = new TargetLauncher(parseHyperioCode(values["hyperio-code"]));
    try {
      for (const kind of kinds) {
        process.stderr.write(`polling chain against ${kind} for ${options.duration} s...\n`);
        runs.push(await runAgainst(launcher, kind, options));
      }
    } finally {
      launcher.dispose();
    }
  }
  console.log(values.json ? JSON.stringify(runs, null, 2) : formatComparison(runs));
  if (runs.some((r) => failed(r.result))) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
