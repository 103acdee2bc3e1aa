// HTTP/1.1 connection handling of every response hyperio writes (polling GET/POST, engine
// errors, CORS preflight, the client bundle, 404s), on the uWS backend (`new Server(0)`,
// engine `listen(0)`) and on node:http, driven by node-fetch 3, Node's fetch (undici),
// http.request with a keep-alive agent, and curl (HTTP/1.1 and --http1.0).
//
// Each client runs one sequence of requests through a counting TCP proxy, in two modes:
// - "close": every request says `Connection: close`; every response must say it too, and
//   every request gets its own connection.
// - "keep-alive": one connection serves every request, except that hyperio closes after
//   refusing a POST whose body it did not read (and says so); the next request opens one new
//   connection.
// In both modes no request may fail (the "socket hang up" of issue 9 came from a client
// reusing a connection uWS had closed without saying `Connection: close`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { Server as IoServer } from "../../src/index";
import { Server as EngineServer } from "../../src/engine";

type Backend = "uws" | "node" | "engine-uws" | "engine-node";
type Mode = "close" | "keep-alive";

interface Target {
  port: number;
  /** Engine path, without the trailing slash. */
  path: string;
  /** Serves the client bundle (a Socket.IO server, not a bare engine). */
  bundle: boolean;
  /** Status for other paths: 501 on engine listen()'s own server (as upstream engine.io), else 404. */
  otherStatus?: number;
  close(): Promise<void>;
}

const CORS = { origin: "https://app.example" };

/** A bare engine echoing messages, so the GET after a POST has something to carry. */
function echoEngine(): EngineServer {
  const engine = new EngineServer({ cors: CORS });
  engine.on("connection", (socket) => socket.on("message", (data: string) => socket.send(data)));
  return engine;
}

async function startTarget(backend: Backend): Promise<Target> {
  if (backend === "uws") {
    const io = new IoServer(0, { cors: CORS });
    return { port: io.port!, path: "/socket.io", bundle: true, close: () => io.close() };
  }
  if (backend === "engine-uws") {
    const engine = echoEngine();
    const port = await engine.listen(0, { host: "127.0.0.1" });
    return { port, path: "/engine.io", bundle: false, otherStatus: 501, close: async () => void engine.close() };
  }
  // The application's own 404, with a length so HTTP/1.0 keep-alive can keep the connection.
  const httpServer = http.createServer((_req, res) => {
    res.writeHead(404, { "Content-Length": "0" }).end();
  });
  let close: () => Promise<void>;
  if (backend === "node") {
    const io = new IoServer(httpServer, { cors: CORS });
    close = () => io.close();
  } else {
    const engine = echoEngine();
    engine.attach(httpServer);
    close = async () => {
      engine.close();
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    };
  }
  httpServer.listen(0, "127.0.0.1");
  await once(httpServer, "listening");
  const port = (httpServer.address() as net.AddressInfo).port;
  return { port, path: backend === "node" ? "/socket.io" : "/engine.io", bundle: backend === "node", close };
}

/** A TCP proxy in front of the server that counts the client connections it carries. */
async function countingProxy(target: number): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let count = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(target, "127.0.0.1");
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("close", () => open.delete(s));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // A reset on one side is a reset on the other: the client sees what the server did.
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.resetAndDestroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

interface Step {
  name: string;
  method: string;
  /** The URL path and query; `sid` is the session opened by the first step. */
  url(sid: string): string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  /** Engine.IO error code of the JSON body. */
  code?: number;
  /** hyperio closes the connection after this response whatever the request said. */
  serverCloses?: boolean;
}

const TEXT = { "Content-Type": "text/plain;charset=UTF-8" };

function steps(t: Target): Step[] {
  const q = `${t.path}/?EIO=4&transport=polling`;
  const list: Step[] = [
    { name: "handshake", method: "GET", url: () => q, status: 200 },
    // Socket.IO CONNECT to "/" (a bare engine takes it as a message).
    { name: "POST data", method: "POST", url: (sid) => `${q}&sid=${sid}`, headers: TEXT, body: "40", status: 200 },
    { name: "GET poll", method: "GET", url: (sid) => `${q}&sid=${sid}`, status: 200 },
    { name: "unsupported protocol", method: "GET", url: () => `${t.path}/?EIO=9&transport=polling`, status: 400, code: 5 },
    { name: "unknown sid", method: "GET", url: () => `${q}&sid=nope`, status: 400, code: 1 },
    {
      name: "CORS preflight",
      method: "OPTIONS",
      url: () => q,
      headers: { Origin: CORS.origin, "Access-Control-Request-Method": "POST" },
      status: 204,
    },
    { name: "other path", method: "GET", url: () => "/nowhere", status: t.otherStatus ?? 404 },
    // A refused POST's body is not read: hyperio closes the connection (and says so).
    { name: "POST unknown sid", method: "POST", url: () => `${q}&sid=nope`, headers: TEXT, body: "4hello", status: 400, code: 1, serverCloses: true },
    { name: "handshake again", method: "GET", url: () => q, status: 200 },
  ];
  if (t.bundle) list.splice(6, 0, { name: "client bundle", method: "GET", url: () => `${t.path}/socket.io.js`, status: 200 });
  return list;
}

interface Observed {
  status: number;
  /** The response's Connection header, lower-cased ("" when absent). */
  connection: string;
  body: string;
}

/**
 * Runs the steps in order with one client kind; any request error rejects. `fresh` lists
 * the steps before which the client opens a new connection of its own accord.
 */
type Client = (port: number, list: Step[], mode: Mode) => Promise<{ observed: Observed[]; fresh?: number[] }>;

async function sequence(list: Step[], send: (step: Step, sid: string) => Promise<Observed>): Promise<{ observed: Observed[] }> {
  const out: Observed[] = [];
  let sid = "";
  for (const step of list) {
    let o: Observed;
    try {
      o = await send(step, sid);
    } catch (err) {
      const e = err as Error & { code?: string; cause?: Error & { code?: string } };
      throw new Error(`${step.name}: ${e.message} (${e.code ?? e.cause?.code ?? e.cause?.message ?? "no code"})`);
    }
    if (!sid && step.name === "handshake") sid = JSON.parse(o.body.slice(1)).sid;
    out.push(o);
  }
  return { observed: out };
}

function modeHeaders(step: Step, mode: Mode): Record<string, string> {
  return mode === "close" ? { ...step.headers, Connection: "close" } : { ...step.headers };
}

const httpRequestClient: Client = async (port, list, mode) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    return await sequence(list, (step, sid) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: "127.0.0.1", port, method: step.method, path: step.url(sid), agent, headers: modeHeaders(step, mode) },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
              resolve({ status: res.statusCode ?? 0, connection: (res.headers.connection ?? "").toLowerCase(), body: Buffer.concat(chunks).toString() }),
            );
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(step.body);
      }),
    );
  } finally {
    agent.destroy();
  }
};

/** node-fetch 3; "close" mode sends `Connection: close` over Node's global agent (keep-alive in Node 20). */
const nodeFetchClient: Client = async (port, list, mode) => {
  const { default: nodeFetch } = await import("node-fetch");
  const agent = mode === "keep-alive" ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
  try {
    return await sequence(list, async (step, sid) => {
      const res = await nodeFetch(`http://127.0.0.1:${port}${step.url(sid)}`, {
        method: step.method,
        headers: modeHeaders(step, mode),
        body: step.body,
        agent,
      });
      return { status: res.status, connection: (res.headers.get("connection") ?? "").toLowerCase(), body: await res.text() };
    });
  } finally {
    agent?.destroy();
  }
};

/** Node's own fetch (undici): keep-alive by default. */
const undiciClient: Client = (port, list, mode) =>
  sequence(list, async (step, sid) => {
    const res = await fetch(`http://127.0.0.1:${port}${step.url(sid)}`, {
      method: step.method,
      headers: modeHeaders(step, mode),
      body: step.body,
    });
    return { status: res.status, connection: (res.headers.get("connection") ?? "").toLowerCase(), body: await res.text() };
  });

/**
 * curl, every step in one invocation (`--next`), so it reuses its connection when it may.
 * The handshake's sid is not known in advance: a first invocation makes the handshake, a
 * second one runs the rest.
 */
function curlClient(version: "1.1" | "1.0"): Client {
  const run = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile("curl", args, { maxBuffer: 8 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`curl: ${err.message} ${stderr}`)) : resolve(stdout))),
    );
  const MARK = "\n@@curl@@";
  return async (port, list, mode) => {
    const invoke = async (batch: Step[], sid: string): Promise<Observed[]> => {
      const args: string[] = [];
      batch.forEach((step, i) => {
        if (i > 0) args.push("--next");
        args.push("-sS", "-w", `${MARK}%{http_code} %header{connection}\n`);
        if (version === "1.0") args.push("--http1.0");
        args.push("-X", step.method);
        const headers = modeHeaders(step, mode);
        // HTTP/1.0 is close by default; keep-alive must be asked for.
        if (version === "1.0" && mode === "keep-alive") headers.Connection = "keep-alive";
        for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
        if (step.body !== undefined) args.push("--data-binary", step.body);
        args.push(`http://127.0.0.1:${port}${step.url(sid)}`);
      });
      const out = await run(args);
      const parts = out.split(MARK);
      const observed: Observed[] = [];
      let body = parts[0];
      for (let i = 1; i < parts.length; i++) {
        const nl = parts[i].indexOf("\n");
        const [status, ...conn] = parts[i].slice(0, nl).split(" ");
        observed.push({ status: Number(status), connection: conn.join(" ").toLowerCase(), body });
        body = parts[i].slice(nl + 1);
      }
      return observed;
    };
    const first = await invoke(list.slice(0, 1), "");
    const sid = JSON.parse(first[0].body.slice(1)).sid as string;
    return { observed: [...first, ...(await invoke(list.slice(1), sid))], fresh: [1] };
  };
}

/** What must hold for one run: statuses and codes, Connection headers, connection count. */
function check(list: Step[], observed: Observed[], fresh: number[], connections: number, mode: Mode, label: string): void {
  assert.equal(observed.length, list.length, label);
  list.forEach((step, i) => {
    const o = observed[i];
    const what = `${label}, ${step.name}`;
    assert.equal(o.status, step.status, what);
    if (step.code !== undefined) assert.equal(JSON.parse(o.body).code, step.code, what);
    const closes = mode === "close" || !!step.serverCloses;
    if (closes) assert.match(o.connection, /\bclose\b/, `${what}: Connection: close expected`);
    else assert.doesNotMatch(o.connection, /\bclose\b/, `${what}: the connection must stay open`);
  });
  // "close": one connection per request. "keep-alive": one, plus one after each response
  // that closed it (but the last) and one where the client chose to start afresh.
  let expected = list.length;
  if (mode === "keep-alive") {
    expected = 1;
    for (let i = 1; i < list.length; i++) if (list[i - 1].serverCloses || fresh.includes(i)) expected++;
  }
  assert.equal(connections, expected, `${label}: client connections`);
}

const CLIENTS: Array<{ name: string; client: Client; modes: Mode[]; backends?: Backend[] }> = [
  { name: "http.request + keep-alive agent", client: httpRequestClient, modes: ["close", "keep-alive"] },
  { name: "node-fetch 3", client: nodeFetchClient, modes: ["close", "keep-alive"] },
  { name: "fetch (undici)", client: undiciClient, modes: ["close", "keep-alive"] },
  { name: "curl", client: curlClient("1.1"), modes: ["close", "keep-alive"] },
  // uWS (20.30) never hands an HTTP/1.0 request to JS: see the todo test below.
  { name: "curl --http1.0", client: curlClient("1.0"), modes: ["close", "keep-alive"], backends: ["node", "engine-node"] },
];

for (const backend of ["uws", "engine-uws", "node", "engine-node"] as Backend[]) {
  for (const { name, client, modes, backends } of CLIENTS) {
    if (backends && !backends.includes(backend)) continue;
    for (const mode of modes) {
      test(`${name}, ${mode}: every response follows the request's Connection header (${backend})`, async () => {
        const target = await startTarget(backend);
        const proxy = await countingProxy(target.port);
        try {
          const list = steps(target);
          const { observed, fresh = [] } = await client(proxy.port, list, mode);
          check(list, observed, fresh, proxy.connections(), mode, `${name} ${mode} ${backend}`);
        } finally {
          await proxy.close();
          await target.close();
        }
      });
    }
  }
}

test("a request saying `Connection: keep-alive, close` is closed, and told so (uws)", async () => {
  const target = await startTarget("uws");
  try {
    for (const url of [`${target.path}/?EIO=4&transport=polling`, `${target.path}/socket.io.js`, "/nowhere"]) {
      const s = net.connect(target.port, "127.0.0.1");
      s.write(`GET ${url} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n`);
      let raw = "";
      s.setEncoding("latin1");
      s.on("data", (d: string) => (raw += d));
      // The server ends the connection; a kept connection would time the test out.
      await once(s, "end");
      s.destroy();
      const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
      assert.equal(head.match(/^connection: close$/gim)?.length, 1, `${url}: exactly one Connection: close in\n${head}`);
    }
  } finally {
    await target.close();
  }
});

test(
  "HTTP/1.0 requests (uws)",
  { todo: "uWS 20.30 parses only HTTP/1.1 request lines: an HTTP/1.0 request never reaches hyperio, and uWS drops it at its idle timeout (~10 s) with no response" },
  async () => {
    const target = await startTarget("uws");
    try {
      const s = net.connect(target.port, "127.0.0.1");
      s.write(`GET ${target.path}/?EIO=4&transport=polling HTTP/1.0\r\nHost: x\r\n\r\n`);
      const first = await Promise.race([once(s, "data").then(([d]) => String(d)), new Promise<string>((r) => setTimeout(() => r(""), 1000))]);
      s.destroy();
      assert.match(first, /^HTTP\/1\.[01] 200 /);
    } finally {
      await target.close();
    }
  },
);
