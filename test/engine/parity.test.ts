// Engine.IO parity: each scenario runs against upstream engine.io 6.6 and hyperio/engine, on
// a node:http server (hyperio's node:http + ws backend) and on the engine's own server
// (upstream `listen(0)`, hyperio `engine.listen(0)`: the default uWS path), driven by the
// official engine.io-client and by raw HTTP / WebSocket requests. What clients and the
// server-side code observe must be identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import { Socket as ClientSocket } from "engine.io-client";
import { WebSocket } from "ws";
import { startParityEngine, tick, waitUntil, type EngineCreation, type EngineImpl, type ParityEngine } from "./helpers";

type Scenario = (srv: ParityEngine) => Promise<unknown>;

interface Options {
  opts?: Record<string, unknown>;
  /** Creations to run on (default both; `port` only where the scenario is about that server). */
  creations?: EngineCreation[];
  /** Marks the `listen(0)` (uWS) variant as a node:test todo, with the reason. */
  uwsTodo?: string;
  /** Marks the node:http variant as a node:test todo, with the reason. */
  httpTodo?: string;
}

async function observe(impl: EngineImpl, creation: EngineCreation, scenario: Scenario, opts: Record<string, unknown>): Promise<unknown> {
  const srv = await startParityEngine(impl, creation, opts);
  try {
    return await scenario(srv);
  } finally {
    await srv.close();
  }
}

function parity(name: string, scenario: Scenario, options: Options = {}): void {
  for (const creation of options.creations ?? (["http", "port"] as const)) {
    const where = creation === "port" ? "listen(0)" : "node:http";
    const todo = creation === "port" ? options.uwsTodo : options.httpTodo;
    test(`engine parity (${where}): ${name}`, todo ? { todo } : {}, async () => {
      const upstream = await observe("upstream", creation, scenario, options.opts ?? {});
      const ours = await observe("hyperio", creation, scenario, options.opts ?? {});
      assert.deepEqual(ours, upstream, `hyperio/engine (${where}) differs from engine.io (${where})`);
    });
  }
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (no keep-alive left behind). */
function raw(port: number, path: string, init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`http://127.0.0.1:${port}${path}`, { method: init.method ?? "GET", headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** The handshake's open packet, parsed. */
function openPacket(body: string): Record<string, unknown> {
  assert.equal(body[0], "0", `not an open packet: ${body}`);
  return JSON.parse(body.slice(1).split("\x1e")[0]);
}

/** Only the headers a client or browser acts on (transport-level headers differ by design). */
function visibleHeaders(h: Raw["headers"]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(h).sort()) {
    if (name.startsWith("access-control-") || ["content-type", "set-cookie", "x-parity", "vary", "cache-control"].includes(name)) out[name] = h[name];
  }
  return out;
}

/** Opens the official client and resolves once open (rejects on error). */
function openClient(url: string, opts: object): Promise<ClientSocket> {
  const c = new ClientSocket(url, opts);
  return new Promise((resolve, reject) => {
    c.once("open", () => resolve(c));
    c.once("error", (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
  });
}

const typeOf = (v: unknown) => (typeof v === "string" ? `string:${v}` : `${(v as object)?.constructor?.name}:${[...new Uint8Array(v as ArrayBuffer)].join(",")}`);

parity("handshake: open packet, status, headers", async (srv) => {
  const res = await raw(srv.port, "/engine.io/?EIO=4&transport=polling");
  const open = openPacket(res.body);
  return {
    status: res.status,
    headers: visibleHeaders(res.headers),
    keys: Object.keys(open).sort(),
    sidLength: String(open.sid).length,
    open: { ...open, sid: "<sid>" },
    clientsCount: srv.engine.clientsCount,
  };
});

for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
  parity(`${transports.join("+")}: messages both ways, server events, close reasons`, async (srv) => {
    const events: string[] = [];
    const conn = once(srv.engine, "connection");
    const client = await openClient(srv.url, { transports });
    const [socket] = (await conn) as [any];
    socket.on("upgrading", (t: any) => events.push(`upgrading:${t.name}`));
    socket.on("upgrade", (t: any) => events.push(`upgrade:${t.name}`));
    if (transports.length === 2) await once(socket, "upgrade");
    const atServer: string[] = [];
    socket.on("message", (m: unknown) => atServer.push(typeOf(m)));
    client.send("hi");
    client.send(new Uint8Array([3, 4]));
    await waitUntil(() => atServer.length === 2);
    const atClient: string[] = [];
    client.on("message", (m: unknown) => atClient.push(typeOf(m)));
    socket.send("yo");
    socket.send(Buffer.from([5]));
    socket.send(new Uint8Array([6, 7]).buffer);
    await waitUntil(() => atClient.length === 3);
    const serverClosed = once(socket, "close");
    const clientClosed = new Promise((r) => client.once("close", (reason: string) => r(reason)));
    socket.close();
    const [reason] = await serverClosed;
    return {
      transport: socket.transport.name,
      upgraded: socket.upgraded,
      protocol: socket.protocol,
      events,
      atServer,
      atClient,
      server: reason,
      client: await clientClosed,
      readyState: socket.readyState,
      clientsCount: await waitUntil(() => srv.engine.clientsCount === 0).then(() => srv.engine.clientsCount),
    };
  });
}

parity("the client closes: server-side close reason, per transport", async (srv) => {
  const out: unknown[] = [];
  for (const transports of [["polling"], ["websocket"]]) {
    const conn = once(srv.engine, "connection");
    const client = await openClient(srv.url, { transports });
    const [socket] = (await conn) as [any];
    const closed = once(socket, "close");
    client.close();
    out.push((await closed)[0]);
  }
  return out;
});

parity("socket.request as the server sees it", async (srv) => {
  const conn = once(srv.engine, "connection");
  const client = await openClient(srv.url, { transports: ["polling"], query: { q: "1" } });
  const [socket] = (await conn) as [any];
  const req = socket.request;
  const out = {
    method: req.method,
    url: req.url.replace(/&t=[^&]+/, "&t=T"),
    query: Object.keys(req._query).sort(),
    host: req.headers.host === `127.0.0.1:${srv.port}`,
    remoteAddress: typeof socket.remoteAddress,
    idLength: socket.id.length,
  };
  client.close();
  return out;
});

parity("bad requests: status, body, connection_error", async (srv) => {
  const errors: unknown[] = [];
  srv.engine.on("connection_error", (e: any) => errors.push({ code: e.code, message: e.message, context: e.context, req: typeof e.req?.headers }));
  const out: unknown[] = [];
  const cases: Array<[string, string, string?]> = [
    ["GET", "/engine.io/?EIO=4&transport=polling&sid=unknown"],
    ["POST", "/engine.io/?EIO=4&transport=polling&sid=unknown", "4x"],
    ["GET", "/engine.io/?EIO=4&transport=bogus"],
    ["GET", "/engine.io/?EIO=5&transport=polling"],
    ["GET", "/engine.io/?transport=polling"],
    ["GET", "/engine.io/?EIO=4"],
    ["POST", "/engine.io/?EIO=4&transport=polling", "4x"],
    ["PUT", "/engine.io/?EIO=4&transport=polling"],
    ["GET", "/engine.io/?EIO=4&transport=websocket"],
  ];
  for (const [method, path, body] of cases) {
    const res = await raw(srv.port, path, { method, body });
    out.push([method, path, res.status, res.body, res.headers["content-type"]]);
  }
  return { out, errors };
});

/** A raw WebSocket handshake: the refusal's status and body, or "opened" then "closed". */
function wsAttempt(port: number, path: string): Promise<unknown> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    ws.on("unexpected-response", (_req, res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, type: res.headers["content-type"], connection: res.headers.connection, body: Buffer.concat(chunks).toString() }),
      );
    });
    // An accepted handshake is seen by its first frame (the open packet), then closed here:
    // waiting for the server to close it would wait out the heartbeat (45 s per server).
    ws.on("open", () =>
      ws.once("message", (data) => {
        resolve(`opened, first frame "${String(data)[0]}"`);
        ws.terminate();
      }),
    );
    ws.on("error", () => resolve("error"));
  });
}

parity(
  "WebSocket handshakes refused: unknown sid, allowRequest, middleware error",
  async (srv) => {
    const errors: unknown[] = [];
    srv.engine.on("connection_error", (e: any) => errors.push({ code: e.code, message: e.message }));
    srv.engine.use((req: { url: string }, _res: unknown, next: (err?: Error) => void) => next(req.url.includes("fail=1") ? new Error("middleware says no") : undefined));
    const unknownSid = await wsAttempt(srv.port, "/engine.io/?EIO=4&transport=websocket&sid=unknown");
    const refused = await wsAttempt(srv.port, "/engine.io/?EIO=4&transport=websocket&deny=1");
    const middleware = await wsAttempt(srv.port, "/engine.io/?EIO=4&transport=websocket&fail=1");
    const accepted = await wsAttempt(srv.port, "/engine.io/?EIO=4&transport=websocket");
    return { unknownSid, refused, middleware, accepted, errors };
  },
  {
    opts: { allowRequest: (req: { url: string }, cb: (err: string | null, ok: boolean) => void) => (req.url.includes("deny=1") ? cb("not you", false) : cb(null, true)) },
  },
);

parity(
  "allowRequest refuses: status, body, connection_error",
  async (srv) => {
    const errors: unknown[] = [];
    srv.engine.on("connection_error", (e: any) => errors.push({ code: e.code, message: e.message, context: e.context }));
    const polling = await raw(srv.port, "/engine.io/?EIO=4&transport=polling");
    return { status: polling.status, body: polling.body, errors, clientsCount: srv.engine.clientsCount };
  },
  { opts: { allowRequest: (_req: unknown, cb: (err: string | null, ok: boolean) => void) => cb("not you", false) } },
);

parity(
  "a client that never answers pings: ping timeout",
  async (srv) => {
    const conn = once(srv.engine, "connection");
    const hs = await raw(srv.port, "/engine.io/?EIO=4&transport=polling");
    const [socket] = (await conn) as [any];
    const closed = once(socket, "close");
    const poll = `/engine.io/?EIO=4&transport=polling&sid=${String(openPacket(hs.body).sid)}`;
    // the first poll carries the ping; the second is pending when the timeout ends the
    // session (without it, upstream's polling close waits 30 s for a poll that never comes)
    const ping = await raw(srv.port, poll);
    const last = raw(srv.port, poll);
    const [reason] = await closed;
    return {
      open: { ...openPacket(hs.body), sid: "<sid>" },
      ping: [ping.status, ping.body],
      last: await last.then((r) => [r.status, r.body]),
      reason,
      clientsCount: srv.engine.clientsCount,
    };
  },
  { opts: { pingInterval: 50, pingTimeout: 50 } },
);

parity(
  "cors: preflight and handshake headers",
  async (srv) => {
    const origin = { Origin: "http://example.test" };
    const preflight = await raw(srv.port, "/engine.io/?EIO=4&transport=polling", {
      method: "OPTIONS",
      headers: { ...origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    const hs = await raw(srv.port, "/engine.io/?EIO=4&transport=polling", { headers: origin });
    return {
      preflight: [preflight.status, preflight.body, visibleHeaders(preflight.headers)],
      handshake: [hs.status, visibleHeaders(hs.headers)],
    };
  },
  { opts: { cors: { origin: ["http://example.test"], credentials: true, methods: ["GET", "POST"], maxAge: 60 } } },
);

parity(
  "cookie option and initial_headers / headers listeners",
  async (srv) => {
    srv.engine.on("initial_headers", (headers: Record<string, string>) => {
      headers["X-Parity"] = "initial";
    });
    srv.engine.on("headers", (headers: Record<string, string>, req: any) => {
      if (!req._query?.sid) return;
      headers["X-Parity"] = "later";
    });
    const hs = await raw(srv.port, "/engine.io/?EIO=4&transport=polling");
    const sid = String(openPacket(hs.body).sid);
    const poll = await raw(srv.port, `/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "1" });
    const handshake = visibleHeaders(hs.headers);
    handshake["set-cookie"] = [hs.headers["set-cookie"] ?? []].flat().map((c: string) => c.replace(sid, "<sid>"));
    return {
      handshake,
      post: [poll.status, poll.body, visibleHeaders(poll.headers)],
    };
  },
  { opts: { cookie: { name: "io", httpOnly: true, sameSite: "strict", path: "/", maxAge: 60 } } },
);

parity(
  "a polling POST over maxHttpBufferSize, from the official client",
  async (srv) => {
    const conn = once(srv.engine, "connection");
    const client = await openClient(srv.url, { transports: ["polling"] });
    const [socket] = (await conn) as [any];
    const serverClosed = new Promise((r) => socket.once("close", (reason: string) => r(reason)));
    const clientClosed = new Promise((r) => client.once("close", (reason: string, desc: any) => r([reason, desc?.context?.status ?? desc?.message])));
    client.send("x".repeat(500));
    return { client: await clientClosed, server: await serverClosed };
  },
  {
    opts: { maxHttpBufferSize: 100, pingInterval: 100, pingTimeout: 100 },
  },
);

parity(
  "a WebSocket message over maxHttpBufferSize",
  async (srv) => {
    const conn = once(srv.engine, "connection");
    const client = await openClient(srv.url, { transports: ["websocket"] });
    const [socket] = (await conn) as [any];
    const got: unknown[] = [];
    socket.on("message", (m: unknown) => got.push(typeOf(m)));
    const serverClosed = new Promise((r) => socket.once("close", (reason: string) => r(reason)));
    const clientClosed = new Promise((r) => client.once("close", (reason: string) => r(reason)));
    client.send("x".repeat(500));
    return { server: await serverClosed, client: await clientClosed, got };
  },
  {
    opts: { maxHttpBufferSize: 100 },
  },
);

parity("a WebSocket text frame that is not UTF-8: the server-side close reason", async (srv) => {
  const conn = once(srv.engine, "connection");
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
  ws.on("error", () => {});
  const [[socket]] = (await Promise.all([conn, once(ws, "open")])) as [[any], unknown];
  const serverClosed = new Promise((r) => socket.once("close", (reason: string) => r(reason)));
  const clientClosed = once(ws, "close");
  // a message packet ("4") followed by bytes that are not UTF-8, sent as a text frame
  ws.send(Buffer.from([0x34, 0xff, 0xfe]), { binary: false });
  // not compared: the client's close code (1007 from ws; uWS cuts the connection: 1006)
  await clientClosed;
  return { server: await serverClosed, clientsCount: srv.engine.clientsCount };
});

const upgradesSeen = async (srv: ParityEngine) => {
  const conn = once(srv.engine, "connection");
  const hs = await raw(srv.port, "/engine.io/?EIO=4&transport=polling");
  const [socket] = (await conn) as [any];
  // upstream's engine.upgrades() also lists webtransport, which hyperio does not serve
  // (docs/DIFFERENCES.md); what clients are told and offered must be the same
  const offered = (t: string) => srv.engine.upgrades(t).filter((u: string) => u !== "webtransport");
  const out = { advertised: openPacket(hs.body).upgrades, available: socket.getAvailableUpgrades(), polling: offered("polling"), websocket: offered("websocket") };
  // close with a GET pending: upstream would otherwise wait 30 s for the next poll
  const pending = raw(srv.port, `/engine.io/?EIO=4&transport=polling&sid=${socket.id}`);
  await tick(20);
  socket.close();
  await pending;
  return out;
};
for (const [label, opts] of [
  ["default", {}],
  ["transports: [polling]", { transports: ["polling"] }],
  ["allowUpgrades: false", { allowUpgrades: false }],
] as const) {
  parity(`upgrades advertised and available (${label})`, upgradesSeen, { opts });
}

parity("malformed polling payloads: status, body, close reason", async (srv) => {
  const out: unknown[] = [];
  // Not compared (deliberate, docs/DIFFERENCES.md): invalid base64 ("b***"), which upstream
  // delivers as an empty Buffer, and a payload with one bad record ("4a\x1e"), whose good
  // records upstream delivers before closing; hyperio refuses the whole payload.
  for (const body of ["9", "\x1e", ""]) {
    const conn = once(srv.engine, "connection");
    const hs = await raw(srv.port, "/engine.io/?EIO=4&transport=polling");
    const [socket] = (await conn) as [any];
    const sid = String(openPacket(hs.body).sid);
    const closed = new Promise((r) => socket.once("close", (reason: string) => r(reason)));
    const got: unknown[] = [];
    socket.on("message", (m: unknown) => got.push(m));
    // a pending GET, so a close needs no 30 s wait for the next poll on upstream
    const pending = raw(srv.port, `/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    const post = await raw(srv.port, `/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });
    const reason = await Promise.race([closed, tick(300).then(() => "still open")]);
    if (reason === "still open") socket.close();
    const last = await pending;
    out.push({ body, post: [post.status, post.body], reason, got, pending: [last.status, last.body] });
  }
  return out;
});

parity(
  "other paths on the engine's own server",
  async (srv) => {
    const answer = (r: Raw) => [r.status, r.body, visibleHeaders(r.headers)];
    const get = await raw(srv.port, "/elsewhere");
    const post = await raw(srv.port, "/elsewhere/?EIO=4&transport=polling", { method: "POST", body: "4hi" });
    const head = await raw(srv.port, "/elsewhere", { method: "HEAD" });
    const closing = await raw(srv.port, "/elsewhere", { headers: { Connection: "close" } });
    return { get: answer(get), post: answer(post), head: answer(head), closing: [...answer(closing), closing.headers.connection] };
  },
  {
    creations: ["port"],
  },
);

parity("engine.close(): every client sees its session end", async (srv) => {
  const reasons: Promise<unknown>[] = [];
  for (const transports of [["polling"], ["websocket"]]) {
    const conn = once(srv.engine, "connection");
    const client = await openClient(srv.url, { transports });
    const [socket] = (await conn) as [any];
    reasons.push(new Promise((r) => socket.once("close", (reason: string) => r(`server:${reason}`))));
    reasons.push(new Promise((r) => client.once("close", (reason: string) => r(`client:${reason}`))));
  }
  srv.engine.close();
  const out = await Promise.all(reasons);
  await tick(10);
  return { out, clientsCount: srv.engine.clientsCount };
});

test("engine parity: the module functions listen() and attach()", async () => {
  const upstream = await import("engine.io");
  const ours = await import("../../src/engine");
  const observe = async (mod: any, how: "listen" | "attach"): Promise<unknown> => {
    let engine: any;
    let port: number;
    let httpServer: import("node:http").Server | undefined;
    if (how === "listen") {
      let reported: unknown;
      engine = mod.listen(0, { pingInterval: 1234 }, (p?: number) => (reported = p));
      if (mod === upstream) {
        await once(engine.httpServer, "listening");
        port = engine.httpServer.address().port;
      } else {
        await waitUntil(() => reported !== undefined);
        port = reported as number;
      }
    } else {
      const http = await import("node:http");
      httpServer = http.createServer();
      engine = mod.attach(httpServer, { pingInterval: 1234, path: "/eio" });
      httpServer.listen(0, "127.0.0.1");
      await once(httpServer, "listening");
      port = (httpServer.address() as { port: number }).port;
    }
    try {
      const conn = once(engine, "connection");
      const client = await openClient(`http://127.0.0.1:${port}`, { transports: ["websocket"], path: how === "attach" ? "/eio" : "/engine.io" });
      const [socket] = (await conn) as [any];
      const got = new Promise((r) => client.once("message", r));
      socket.send("hello");
      const out = { isServer: engine instanceof mod.Server, got: await got, pingInterval: (client as any)._pingInterval, clientsCount: engine.clientsCount };
      client.close();
      return out;
    } finally {
      engine.close();
      if (httpServer) {
        httpServer.closeAllConnections();
        await new Promise((r) => httpServer!.close(r));
      }
      if (mod === upstream && how === "listen") await new Promise((r) => engine.httpServer.close(r));
    }
  };
  for (const how of ["listen", "attach"] as const) {
    assert.deepEqual(await observe(ours, how), await observe(upstream, how), how);
  }
});

test("engine parity: every runtime export of engine.io exists in hyperio/engine", async () => {
  const upstream = await import("engine.io");
  const ours = await import("../../src/engine");
  // docs/DIFFERENCES.md: no uServer (uWS is the default backend), no transports registry
  const documented = new Set(["default", "__esModule", "uServer", "transports"]);
  assert.deepEqual(Object.keys(upstream).filter((k) => !documented.has(k) && !(k in ours)), []);
});
