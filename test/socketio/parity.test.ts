// Drop-in parity: the same scenarios run against upstream socket.io 4.8 and hyperio, driven by
// the official client over WebSocket and over polling, on a node:http server and on
// `new Server(0)` (hyperio's default uWS path, against upstream's own `new Server(0)`); what
// the client and the server-side code observe must be identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once, parityTests, type ParityCtx, type ParityOptions, type ParityScenario } from "./helpers";

function both(name: string, scenario: ParityScenario, options?: ParityOptions) {
  parityTests("parity with socket.io", name, scenario, options);
}

const connectedSocket = async (ctx: ParityCtx, nsp = "/") => {
  const conn = once<[any]>(ctx.io.of(nsp), "connection");
  const client = ctx.connect(nsp);
  const [socket] = await conn;
  if (!client.connected) await once(client, "connect");
  return { client, socket };
};

both("middleware error reaches connect_error with message and data", async (ctx) => {
  const { io, connect } = ctx;
  io.use((_s: any, next: any) => next(Object.assign(new Error("denied"), { data: { a: [1, { b: null }] } })));
  const c = connect();
  const [err] = await once<[any]>(c, "connect_error");
  return { message: err.message, data: err.data, keys: Object.keys(err).sort() };
});

both("Invalid namespace", async ({ connect }) => {
  const [err] = await once<[any]>(connect("/missing"), "connect_error");
  return { message: err.message, data: err.data };
});

both("handshake shape and socket fields", async (ctx) => {
  const { io, connect } = ctx;
  const { socket } = await connectedSocket(ctx);
  const h = socket.handshake;
  return {
    keys: Object.keys(h).sort(),
    types: Object.fromEntries(Object.entries(h).map(([k, v]) => [k, typeof v])),
    query: Object.keys(h.query).sort(),
    idLength: socket.id.length,
    rooms: [...socket.rooms].map((r: string) => (r === socket.id ? "<id>" : r)),
    connected: socket.connected,
    recovered: socket.recovered,
    data: socket.data,
  };
});

both("disconnect reasons on both sides", async (ctx) => {
  const { io, connect } = ctx;
  const out: string[] = [];
  for (const how of ["server", "server-close", "client"] as const) {
    const { client, socket } = await connectedSocket(ctx);
    const server = once<[string]>(socket, "disconnect");
    const clientSide = once<[string]>(client, "disconnect");
    if (how === "server") socket.disconnect();
    else if (how === "server-close") socket.disconnect(true);
    else client.disconnect();
    out.push(`${how}: server=${(await server)[0]} client=${(await clientSide)[0]}`);
  }
  return out;
});

both("acks, timeouts and their errors", async (ctx) => {
  const { io, connect } = ctx;
  const { client, socket } = await connectedSocket(ctx);
  client.on("q", (x: number, cb: (y: number) => void) => cb(x * 2));
  client.on("silent", () => {});
  socket.on("c2s", (a: string, cb: (...r: unknown[]) => void) => cb(a, 1, null, { k: true }));
  const r1 = await socket.emitWithAck("q", 21);
  const r2 = await socket.timeout(1000).emitWithAck("q", 1);
  const e1 = await socket.timeout(20).emitWithAck("silent").catch((e: Error) => e.message);
  const r3 = await new Promise((resolve) => socket.timeout(20).emit("silent", (...args: unknown[]) => resolve(args.map(String))));
  const r4 = await new Promise((resolve) => client.emit("c2s", "x", (...args: unknown[]) => resolve(args)));
  return { r1, r2, e1, r3, r4 };
});

both("broadcast acks and fetchSockets", async (ctx) => {
  const { io, connect } = ctx;
  const a = await connectedSocket(ctx);
  const b = await connectedSocket(ctx);
  a.client.on("v", (cb: (x: string) => void) => cb("a"));
  b.client.on("v", (cb: (x: string) => void) => cb("b"));
  a.socket.join("r");
  b.socket.join(["r", "s"]);
  const answers = (await io.timeout(1000).emitWithAck("v")).sort();
  const inR = (await io.in("r").fetchSockets()).length;
  const notS = (await io.except("s").fetchSockets()).map((s: any) => (s.id === a.socket.id ? "a" : "b"));
  const timedOut = await io.to("r").timeout(0).emitWithAck("never").catch((e: any) => [e.message, e.responses]);
  return { answers, inR, notS, timedOut };
});

both("broadcast acks without timeout(): an error almost at once, as upstream", async (ctx) => {
  const { io, connect } = ctx;
  const a = await connectedSocket(ctx);
  const b = await connectedSocket(ctx);
  a.client.on("silent", () => {});
  b.client.on("silent", () => {});
  a.client.on("v", (cb: (x: string) => void) => cb("a"));
  b.client.on("v", (cb: (x: string) => void) => cb("b"));
  const call = (op: any, ev: string) =>
    new Promise<unknown>((resolve) => {
      const hang = setTimeout(() => resolve("no callback within 2 s"), 2000);
      op.emit(ev, (err: Error | null, responses: unknown) => {
        clearTimeout(hang);
        resolve([err ? err.message : null, responses]);
      });
    });
  // no recipient: every (zero) answer is in before the default timer fires
  const nobody = await call(io.to("nobody"), "v");
  // recipients that never answer: the default timer fires
  const silent = await call(io, "silent");
  const silentRoom = await call(a.socket.broadcast, "silent");
  const rejected = await io.except("nobody").emitWithAck("silent").catch((e: any) => [e.message, e.responses]);
  // recipients that answer: whatever the race between answers and the timer, one call only
  let calls = 0;
  io.emit("v", () => calls++);
  await new Promise((r) => setTimeout(r, 100));
  return { nobody, silent, silentRoom, rejected, calls };
});

both("reserved names and emit return values", async (ctx) => {
  const { io, connect } = ctx;
  const { socket } = await connectedSocket(ctx);
  const errors: string[] = [];
  for (const name of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
    try {
      socket.emit(name);
    } catch (e) {
      errors.push((e as Error).message);
    }
    try {
      io.to("x").emit(name);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { errors, emit: socket.emit("fine"), broadcast: io.emit("fine"), send: socket.send("m") === socket };
});

both("dynamic namespace names and parent broadcast", async (ctx) => {
  const { io, connect } = ctx;
  const created: string[] = [];
  io.on("new_namespace", (n: any) => created.push(n.name));
  const parent = io.of(/^\/p-\d$/);
  const conn = once<[any]>(parent, "connection");
  const c = connect("/p-1");
  const [socket] = await conn;
  if (!c.connected) await once(c, "connect");
  const got = once<[string]>(c, "all");
  parent.emit("all", "yes");
  return { created, nsp: socket.nsp.name, got: await got };
});

/** What a value looks like after the wire: its constructor and bytes or JSON. */
const shape = (v: unknown): unknown => {
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return `${v.constructor.name}(${[...new Uint8Array(v instanceof ArrayBuffer ? v : v.buffer, v instanceof ArrayBuffer ? 0 : v.byteOffset, v.byteLength)].join(",")})`;
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return v;
};

both("binary and mixed arguments both ways, with acks", async (ctx) => {
  const { client, socket } = await connectedSocket(ctx);
  const payload = () => ["text", 1, null, true, Buffer.from([1, 2]), new Uint8Array([3]), { nested: [Buffer.from([4]), { deep: new Uint8Array([5, 6]).buffer }] }];
  const toClient = once<unknown[]>(client, "bin");
  socket.emit("bin", ...payload());
  const atClient = shape(await toClient);
  const toServer = once<unknown[]>(socket, "bin");
  client.emit("bin", ...payload());
  const atServer = shape(await toServer);
  client.on("echo", (...args: unknown[]) => (args.pop() as (...r: unknown[]) => void)(...args));
  const echoed = shape(await socket.timeout(2000).emitWithAck("echo", Buffer.from([7]), { b: Buffer.from([8]) }));
  socket.on("ask", (x: unknown, cb: (...r: unknown[]) => void) => cb(Buffer.from([9]), x));
  const answered = shape(await client.timeout(2000).emitWithAck("ask", new Uint8Array([10])));
  return { atClient, atServer, echoed, answered };
});

both("handshake headers and request facts the server sees", async (ctx) => {
  const { socket } = await connectedSocket(ctx);
  const h = socket.handshake;
  // transport-level headers a client library may or may not send are left out
  const volatileHeaders = new Set(["sec-websocket-key", "sec-websocket-extensions", "sec-websocket-version", "upgrade", "connection", "accept-encoding"]);
  return {
    headerNames: Object.keys(h.headers).filter((k) => !volatileHeaders.has(k)).sort(),
    lowerCase: Object.keys(h.headers).every((k) => k === k.toLowerCase()),
    sameHeaders: h.headers === socket.request.headers,
    method: socket.request.method,
    url: socket.request.url.replace(/&t=[^&]+/, "&t=T"),
    requestIsConnRequest: socket.request === socket.conn.request,
  };
});

both("several namespaces over one connection, namespace middlewares", async (ctx) => {
  const { io, connect } = ctx;
  const order: string[] = [];
  io.of("/a").use((s: any, next: any) => {
    order.push(`a-mw ${s.nsp.name}`);
    next();
  });
  io.of("/b").use((_s: any, next: any) => next(Object.assign(new Error("no b"), { data: { why: "closed" } })));
  io.of("/a").on("connection", (s: any) => order.push(`a-conn ${s.nsp.name}`));
  const main = connect("/");
  await once(main, "connect");
  const a = main.io.socket("/a");
  await once(a, "connect");
  const b = main.io.socket("/b");
  const [err] = await once<[any]>(b, "connect_error");
  const engines = io.engine.clientsCount;
  const inA = io.of("/a").sockets.size;
  const aSocket = [...io.of("/a").sockets.values()][0];
  const got = once(a, "only-a");
  io.of("/a").emit("only-a", aSocket.nsp.name);
  return { order, err: [err.message, err.data], engines, inA, sameConn: aSocket.conn === [...io.of("/").sockets.values()][0].conn, got: await got };
});

both("rooms: to/except/socket.to, socketsJoin/socketsLeave, fetchSockets, allSockets", async (ctx) => {
  const { io } = ctx;
  const a = await connectedSocket(ctx);
  const b = await connectedSocket(ctx);
  const c = await connectedSocket(ctx);
  const label = (id: string) => (id === a.socket.id ? "a" : id === b.socket.id ? "b" : id === c.socket.id ? "c" : id);
  a.socket.join(["r1", "r2"]);
  b.socket.join("r1");
  c.socket.join("r2");
  const seen: string[] = [];
  for (const [name, x] of [["a", a], ["b", b], ["c", c]] as const) x.client.onAny((ev: string) => seen.push(`${name}:${ev}`));
  io.to("r1").emit("to-r1");
  io.to(["r1", "r2"]).except("r2").emit("r1-not-r2");
  a.socket.to("r1").emit("from-a-to-r1");
  a.socket.broadcast.emit("a-broadcast");
  io.except(b.socket.id).emit("not-b");
  io.in("r2").socketsJoin("r3");
  io.in("r1").socketsLeave("r1");
  await new Promise((r) => setTimeout(r, 100));
  const fetched = (await io.in("r3").fetchSockets()).map((s: any) => [label(s.id), [...s.rooms].map(label).sort()]).sort();
  const all = [...(await io.allSockets())].map(label).sort();
  const r1 = [...(await io.in("r1").allSockets())].map(label);
  return { seen: seen.sort(), fetched, all, r1 };
});

both("onAny, onAnyOutgoing, prependAny, offAny and listenersAny", async (ctx) => {
  const { client, socket } = await connectedSocket(ctx);
  const log: string[] = [];
  socket.onAny((ev: string, ...args: unknown[]) => log.push(`any ${ev} ${JSON.stringify(args)}`));
  socket.prependAny((ev: string) => log.push(`first ${ev}`));
  socket.onAnyOutgoing((ev: string, ...args: unknown[]) => log.push(`out ${ev} ${args.filter((x) => typeof x !== "function").length}`));
  const got = once(socket, "ping-me");
  client.emit("ping-me", 1, "two");
  await got;
  const back = once(client, "pong-you");
  socket.emit("pong-you", 3);
  await back;
  socket.offAny();
  const counts = [socket.listenersAny().length, socket.listenersAnyOutgoing().length];
  socket.offAnyOutgoing();
  const got2 = once(socket, "silent-now");
  client.emit("silent-now");
  await got2;
  return { log, counts, after: [socket.listenersAny().length, socket.listenersAnyOutgoing().length] };
});

/** A client emit over maxHttpBufferSize: the reasons on both sides, and whether it arrived. */
const oversizeEmit = async (ctx: ParityCtx) => {
  const { client, socket } = await connectedSocket(ctx);
  const got: string[] = [];
  socket.on("big", () => got.push("big"));
  const serverReason = once<[string]>(socket, "disconnect");
  const clientReason = once<[string]>(client, "disconnect");
  client.emit("big", "x".repeat(2000));
  return { got, server: (await serverReason)[0], client: (await clientReason)[0] };
};

both("a client emit larger than maxHttpBufferSize", oversizeEmit, {
  opts: { maxHttpBufferSize: 1000 },
  transports: ["websocket"],
});

both("a client emit larger than maxHttpBufferSize, over polling", oversizeEmit, {
  opts: { maxHttpBufferSize: 1000, pingInterval: 200, pingTimeout: 200 },
  transports: ["polling"],
});

both("the transport upgrade as the server sees it", async (ctx) => {
  const { io } = ctx;
  const conn = once<[any]>(io, "connection");
  const client = ctx.connect("/", { transports: ["polling", "websocket"] });
  const [socket] = await conn;
  const before = socket.conn.transport.name;
  const [transport] = await once<[any]>(socket.conn, "upgrade");
  if (!client.connected) await once(client, "connect");
  const got = once(client, "after");
  socket.emit("after", socket.conn.transport.name);
  return { before, upgradedTo: transport.name, after: await got, clientTransport: client.io.engine.transport.name };
}, { transports: ["websocket"] });

both("server-created server: other paths, engine path without query", async (ctx) => {
  if (ctx.creation === "http") return "node:http: the application answers other paths";
  const get = async (path: string) => {
    const { httpGet } = await import("./helpers");
    const res = await httpGet(`http://127.0.0.1:${ctx.port}${path}`);
    return [res.status, res.body.toString()];
  };
  return { other: await get("/elsewhere"), engineNoQuery: await get("/socket.io/"), root: await get("/") };
}, { transports: ["websocket"] });

both("text edge cases survive the trip both ways", async (ctx) => {
  const { client, socket } = await connectedSocket(ctx);
  const values = () => ["", "héllo ✓ 😀", "\ud800 lone", "\u2028\u2029", "nul\u0000sep\u001erecord", "x".repeat(70000), -0, 1e21, Number.MAX_SAFE_INTEGER + 2, NaN, new Date(0), [undefined, () => 1], { u: undefined, m: new Map([[1, 2]]) }];
  const atClient = once<unknown[]>(client, "edge");
  socket.emit("edge", ...values());
  const atServer = once<unknown[]>(socket, "edge");
  client.emit("edge", ...values());
  const lengths = (xs: unknown[]) => xs.map((x) => (typeof x === "string" && x.length > 100 ? `string(${x.length})` : x));
  return { atClient: lengths(await atClient), atServer: lengths(await atServer) };
});

both("adapter room events", async (ctx) => {
  const { io } = ctx;
  const events: string[] = [];
  const adapter = io.of("/").adapter;
  for (const ev of ["create-room", "join-room", "leave-room", "delete-room"]) adapter.on(ev, (room: string, id?: string) => events.push(`${ev} ${room.length > 15 ? "<id>" : room}${id ? (room === id ? " self" : " other") : ""}`));
  const a = await connectedSocket(ctx);
  a.socket.join("r");
  a.socket.leave("r");
  a.socket.join(["s", "t"]);
  const gone = once(a.socket, "disconnect");
  a.client.disconnect();
  await gone;
  return events;
}, { transports: ["websocket"] });

both("a room with WebSocket and polling members: text, binary, except, acks", async (ctx) => {
  const { io } = ctx;
  const join = async (transports: string[]) => {
    const conn = once<[any]>(io, "connection");
    const client = ctx.connect("/", { transports });
    const [socket] = await conn;
    if (!client.connected) await once(client, "connect");
    socket.join("room");
    return { client, socket };
  };
  const ws = await join(["websocket"]);
  const poll = await join(["polling"]);
  const upgraded = await join(["polling", "websocket"]);
  await new Promise((r) => setTimeout(r, 100)); // the third one upgrades
  const members = { ws, poll, upgraded };
  const seen: string[] = [];
  for (const [name, m] of Object.entries(members)) {
    m.client.onAny((ev: string, ...args: unknown[]) => seen.push(`${name} ${ev} ${JSON.stringify(shape(args.filter((x) => typeof x !== "function")))}`));
    m.client.on("ask", (cb: (x: string) => void) => cb(name));
  }
  io.to("room").emit("text", "t");
  io.to("room").emit("bin", Buffer.from([1, 2]), { b: new Uint8Array([3]) });
  io.to("room").except(poll.socket.id).emit("not-poll");
  ws.socket.to("room").emit("from-ws");
  const answers = (await io.to("room").timeout(2000).emitWithAck("ask")).sort();
  await new Promise((r) => setTimeout(r, 100));
  return { seen: seen.filter((l) => !l.includes(" ask ")).sort(), answers };
}, { transports: ["websocket"] });

both(
  "cors: preflight and handshake headers seen by a browser",
  async (ctx) => {
    const { request } = await import("node:http");
    const call = (method: string, headers: Record<string, string>) =>
      new Promise<unknown>((resolve, reject) => {
        const req = request(`http://127.0.0.1:${ctx.port}/socket.io/?EIO=4&transport=polling`, { method, headers, agent: false }, (res) => {
          res.resume();
          res.on("end", () =>
            resolve([res.statusCode, Object.fromEntries(Object.entries(res.headers).filter(([k]) => k.startsWith("access-control-") || k === "vary").sort())]),
          );
        });
        req.on("error", reject);
        req.end();
      });
    const origin = "http://app.test";
    return {
      preflight: await call("OPTIONS", { Origin: origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-token" }),
      handshake: await call("GET", { Origin: origin }),
      otherOrigin: await call("GET", { Origin: "http://evil.test" }),
    };
  },
  { transports: ["polling"], opts: { cors: { origin: ["http://app.test"], credentials: true, allowedHeaders: ["x-token"], exposedHeaders: ["x-id"] } } },
);

both(
  "a custom path",
  async (ctx) => {
    const conn = once<[any]>(ctx.io, "connection");
    const client = ctx.connect("/", { path: "/custom-io" });
    const [socket] = await conn;
    if (!client.connected) await once(client, "connect");
    // the default path is no longer the engine's: on a node:http server it is the
    // application's to answer (this one has no handler), on new Server(0) the 404 route's
    const { httpGet } = await import("./helpers");
    const oldPath = ctx.creation === "port" ? (await httpGet(`http://127.0.0.1:${ctx.port}/socket.io/?EIO=4&transport=polling`)).status : "app's";
    return { path: ctx.io.path(), url: socket.handshake.url.replace(/&t=[^&]+/, "&t=T"), oldPath };
  },
  { opts: { path: "/custom-io" } },
);

/** A handshake refused by allowRequest, then an accepted one, as the official client sees them. */
const allowRequestRefusal = async (ctx: ParityCtx) => {
  const [err] = await once<[any]>(ctx.connect("/", { query: { deny: "1" } }), "connect_error");
  const ok = ctx.connect("/");
  await once(ok, "connect");
  const d = err.description;
  return {
    message: err.message,
    // polling: the HTTP status; WebSocket: the ws error ("Unexpected server response: 400")
    description: typeof d === "object" && d ? (d.message ?? d.error?.message ?? String(d)) : d,
    // polling: the response body; WebSocket: the refusal's status and body
    context: err.context?.responseText ?? (d?.error?.message ? "see description" : typeof err.context),
    ok: ok.connected,
  };
};
const denyFlagged = {
  allowRequest: (req: { url: string }, cb: (err: string | null, ok: boolean) => void) => (req.url.includes("deny=1") ? cb("not allowed", false) : cb(null, true)),
};

both("allowRequest refusal as the client sees it", allowRequestRefusal, { transports: ["polling"], opts: denyFlagged });

both("allowRequest refusal as the client sees it, WebSocket only", allowRequestRefusal, {
  transports: ["websocket"],
  opts: denyFlagged,
});

test("every runtime export of socket.io exists in hyperio", async () => {
  const upstream = await import("socket.io");
  const ours = await import("../../src/index");
  const missing = Object.keys(upstream).filter((k) => k !== "default" && k !== "__esModule" && !(k in ours));
  assert.deepEqual(missing, []);
  for (const cls of ["Server", "Namespace", "Socket", "BroadcastOperator", "RemoteSocket"] as const) {
    const proto = (upstream as any)[cls]?.prototype;
    if (!proto) continue;
    const ourProto = (ours as any)[cls].prototype;
    // upstream's internal file-serving helpers (not API; hyperio serves the client elsewhere)
    const internal = new Set(["constructor", "extractFilename", "initEngine", "attachServe", "serve"]);
    const methods = Object.getOwnPropertyNames(proto).filter((m) => !m.startsWith("_") && !internal.has(m));
    const absent = methods.filter((m) => !(m in ourProto));
    assert.deepEqual(absent, [], `${cls} lacks ${absent.join(", ")}`);
  }
});
