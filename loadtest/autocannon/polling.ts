// autocannon scenario for the Engine.IO long-polling transport: every autocannon connection
// runs complete Socket.IO sessions as a chain of HTTP requests, carrying the session id from
// the handshake into every later request:
//
//   GET  ?EIO=4&transport=polling            handshake, sid read from the OPEN packet
//   POST ...&sid=S  "40"                     namespace CONNECT
//   GET  ...&sid=S                           its answer, "40{"sid":...}"
//   ROUNDS x ( POST 42N["bench:echo",...]    event with ack id N
//              GET  ...&sid=S )              the ack, 43N[...]
//   POST ...&sid=S  "41\x1e1"                DISCONNECT + CLOSE, then the chain restarts
//
// Frames are built and parsed with the k6 protocol library (loadtest/k6/lib), so the same
// code is checked against upstream by test/loadtest-tools/protocol.test.ts. The server must
// implement `bench:echo (payload, ack) -> ack(payload)` (see upstream-server.ts).
//
//   npx tsx loadtest/autocannon/polling.ts --server upstream --duration 5
//   npx tsx loadtest/autocannon/polling.ts --url http://127.0.0.1:3000 --connections 20
// Options: --url URL | --server upstream, --duration S (5), --connections N (10),
// --rounds N (8), --size BYTES (64), --json. Exit status 1 on errors, non-2xx, protocol errors.
// Chains cut off when the run ends leave their sessions open on the server until its ping
// timeout; --server upstream stops its child process, an external server keeps them briefly.
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { SocketIOClient } from "../k6/lib/socketio-client.js";
import { decodePollingPayload, encodePollingPayload, handshakeUrl, type EngineFrame } from "../k6/lib/socketio-protocol.js";
import type { BenchCounters } from "./upstream-server";

export interface PollingScenarioOptions {
  /** Server origin, e.g. "http://127.0.0.1:3000". */
  url: string;
  /** Seconds to run. */
  duration: number;
  /** Concurrent HTTP connections, each running its own chain of sessions. */
  connections: number;
  /** Event + ack round trips per session. */
  rounds: number;
  /** Bytes of padding in each echoed payload. */
  size: number;
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

export const DEFAULT_OPTIONS: Omit<PollingScenarioOptions, "url"> = { duration: 5, connections: 10, rounds: 8, size: 64 };

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
  if (!Number.isInteger(options.size) || options.size < 0) throw new Error(`size must be an integer >= 0, got ${options.size}`);
}

/** The request chain of one session, sharing `stats` across all connections. */
export function buildChain(options: PollingScenarioOptions, stats: ChainStats): Req[] {
  const handshake = new URL(handshakeUrl(options.url));
  const handshakePath = handshake.pathname + handshake.search;
  const pad = "x".repeat(options.size);

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
          ctx.client.emit("bench:echo", { round, pad }, (reply: { round?: unknown; pad?: unknown } | undefined) => {
            stats.acks++;
            if (reply?.round !== round || reply?.pad !== pad) stats.badAcks++;
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

/** Upstream socket.io 4.8 running in its own process (upstream-server.ts). */
export interface UpstreamChild {
  url: string;
  pid: number;
  /** The server's counters: proof of what reached its sessions. */
  stats(): Promise<BenchCounters>;
  /** CPU time (user + system) the server process has used so far, ms (Linux /proc). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

const repoRoot = join(__dirname, "..", "..");

/** Starts upstream-server.ts on port 0 in a child process and waits until it listens. */
export async function startUpstreamChild(timeoutMs = 20_000): Promise<UpstreamChild> {
  const child: ChildProcess = fork(join(__dirname, "upstream-server.ts"), ["--port", "0"], {
    cwd: repoRoot,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`upstream server did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once("exit", (code) => reject(new Error(`upstream server exited with ${code} before listening`)));
    child.on("message", (msg: { type?: string; port?: number }) => {
      if (msg?.type === "listening" && typeof msg.port === "number") {
        clearTimeout(timer);
        resolve(msg.port);
      }
    });
  }).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw err;
  });
  const pid = child.pid ?? -1;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    stats: () =>
      new Promise<BenchCounters>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("upstream server did not answer stats")), 5000);
        const onMessage = (msg: { type?: string; counters?: BenchCounters }): void => {
          if (msg?.type !== "stats" || !msg.counters) return;
          clearTimeout(timer);
          child.off("message", onMessage);
          resolve(msg.counters);
        };
        child.on("message", onMessage);
        child.send({ type: "stats" });
      }),
    cpuMs: () => processCpuMs(pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** utime + stime of a process from /proc/PID/stat, in ms; undefined off Linux. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

function formatReport(result: PollingScenarioResult, server: string, serverCpuMs?: number, counters?: BenchCounters): string {
  const o = result.options;
  const c = result.chain;
  const lines = [
    `polling chain against ${server}: ${o.connections} connections, ${o.duration} s, ${o.rounds} echo rounds/session, ${o.size} B payload`,
    `  requests/s      ${result.requestsPerSec.toFixed(0)}  (${result.totalRequests} requests)`,
    `  latency         p50 ${result.latencyP50} ms, p99 ${result.latencyP99} ms, mean ${result.latencyMean.toFixed(2)} ms`,
    `  errors          ${result.errors} (timeouts ${result.timeouts}), non-2xx ${result.non2xx}, chain resets ${result.resets}`,
    `  sessions        ${c.sessions} opened, ${c.connected} connected, ${c.closed} closed`,
    `  echo            ${c.echoesSent} sent, ${c.acks} acked, ${c.badAcks} bad acks, ${c.protocolErrors} protocol errors` +
      (c.firstProtocolError ? ` (first: ${c.firstProtocolError})` : ""),
    `  client CPU      ${result.clientCpuMs.toFixed(0)} ms`,
  ];
  if (serverCpuMs !== undefined) {
    const perReq = result.totalRequests > 0 ? ((serverCpuMs * 1000) / result.totalRequests).toFixed(1) : "-";
    lines.push(`  server CPU      ${serverCpuMs.toFixed(0)} ms (${perReq} us/request)`);
  }
  if (counters) lines.push(`  server counted  ${counters.connections} connections, ${counters.echoes} bench:echo`);
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
      size: { type: "string", default: String(DEFAULT_OPTIONS.size) },
      json: { type: "boolean", default: false },
    },
  });
  if (!values.url === !values.server) throw new Error("give exactly one of --url URL or --server upstream");
  if (values.server !== undefined && values.server !== "upstream") throw new Error(`--server supports only "upstream", got ${values.server}`);
  const child = values.server ? await startUpstreamChild() : undefined;
  try {
    const options: PollingScenarioOptions = {
      url: child ? child.url : (values.url as string),
      duration: Number(values.duration),
      connections: Number(values.connections),
      rounds: Number(values.rounds),
      size: Number(values.size),
    };
    const cpuBefore = child?.cpuMs();
    const result = await runPollingScenario(options);
    const cpuAfter = child?.cpuMs();
    const serverCpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const counters = child ? await child.stats() : undefined;
    const label = child ? `upstream socket.io 4.8 (pid ${child.pid}, ${child.url})` : options.url;
    if (values.json) console.log(JSON.stringify({ ...result, serverCpuMs, serverCounters: counters }, null, 2));
    else console.log(formatReport(result, label, serverCpuMs, counters));
    if (result.errors > 0 || result.non2xx > 0 || result.chain.protocolErrors > 0 || result.chain.badAcks > 0) process.exitCode = 1;
  } finally {
    await child?.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
