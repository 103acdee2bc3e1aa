// Drop-in parity for the edge cases users hit, on every backend and client transport: each
// scenario runs against upstream socket.io 4.8 and hyperio, on a node:http server (hyperio's
// node:http + ws backend) and on `new Server(0)` (hyperio's default uWS path, against
// upstream's own `new Server(0)`), with WebSocket-only and polling-only official clients; what
// the client and the server-side code observe must equal upstream's.
import { request as httpRequest } from "node:http";
import { once, parityTests, sleep, type ParityCtx, type ParityScenario, type Transport } from "./helpers";

type Ctx = ParityCtx;

/** Runs `scenario` on each server for each transport; hyperio's observations must equal upstream's. */
function parity(name: string, scenario: ParityScenario, transports: Transport[] = ["websocket", "polling"], opts: object = {}) {
  parityTests("api parity", name, scenario, { transports, opts });
}

async function connectedSocket(ctx: Ctx, nsp = "/", opts = {}) {
  const conn = once<[any]>(ctx.io.of(nsp), "connection");
  const client = ctx.connect(nsp, opts);
  const [socket] = await conn;
  if (!client.connected) await once(client, "connect");
  return { client, socket };
}

/** Reads `read()` once it equals `expected` (or after 2 s): closes finish asynchronously. */
async function settled<T>(read: () => T, expected: T): Promise<T> {
  for (let i = 0; i < 200 && read() !== expected; i++) await sleep(10);
  return read();
}

/** Replaces socket ids by stable labels in any JSON-like value. */
function labeller(ids: Record<string, string>) {
  const names = new Map(Object.entries(ids).map(([label, id]) => [id, label]));
  return (v: string) => names.get(v) ?? v;
}

parity("socket.emit after disconnect: true, nothing sent, no throw", async (ctx) => {
  const out: unknown[] = [];
  for (const how of ["namespace", "close", "client"] as const) {
    const { client, socket } = await connectedSocket(ctx);
    const got: string[] = [];
    client.onAny((ev: string) => got.push(ev));
    const reason = once<[string]>(socket, "disconnect");
    if (how === "namespace") socket.disconnect();
    else if (how === "close") socket.disconnect(true);
    else client.disconnect();
    const [serverReason] = await reason;
    const emitted = socket.emit("late", 1);
    const withAck = socket.emit("late", () => got.push("ack called"));
    const volatile = socket.volatile.emit("late");
    const broadcast = socket.broadcast.emit("late");
    const joined = socket.join("afterwards");
    await sleep(50);
    out.push({
      how,
      serverReason,
      emitted,
      withAck,
      volatile,
      broadcast,
      joined: joined === undefined,
      connected: socket.connected,
      disconnected: socket.disconnected,
      rooms: [...socket.rooms],
      inNamespace: ctx.io.of("/").sockets.has(socket.id),
      got,
    });
  }
  return out;
});

parity("io.close() twice", async (ctx) => {
  const { client, socket } = await connectedSocket(ctx);
  const serverReason = once<[string]>(socket, "disconnect");
  const clientReason = once<[string]>(client, "disconnect");
  const calls: string[] = [];
  const first = await ctx.io.close((err?: any) => calls.push(err ? String(err.code) : "no error"));
  const second = await ctx.io.close((err?: any) => calls.push(err ? String(err.code) : "no error"));
  // the second close reports ERR_SERVER_NOT_RUNNING: from http.Server#close on node:http and
  // on upstream's `new Server(0)`; hyperio's `new Server(0)` reports the same for its uWS App
  const expectedCalls = ["no error", "ERR_SERVER_NOT_RUNNING"];
  return {
    first,
    second,
    calls: calls.length === 2 && JSON.stringify(calls) === JSON.stringify(expectedCalls),
    server: (await serverReason)[0],
    client: (await clientReason)[0],
    sockets: ctx.io.of("/").sockets.size,
  };
});

parity("socket.disconnect(true) closes the whole connection, every namespace", async (ctx) => {
  ctx.io.of("/b");
  const { client, socket } = await connectedSocket(ctx);
  const bConn = once<[any]>(ctx.io.of("/b"), "connection");
  const bClient = client.io.socket("/b"); // connects by itself (autoConnect) over the same connection
  const [bSocket] = await bConn;
  if (!bClient.connected) await once(bClient, "connect");
  const reasons = [once(socket, "disconnect"), once(bSocket, "disconnect"), once(client, "disconnect"), once(bClient, "disconnect")];
  const returned = socket.disconnect(true) === socket;
  const [a, b, ca, cb] = (await Promise.all(reasons).catch((e) => {
    throw new Error(`${ctx.kind}: ${e.message}`);
  })).map((r) => r[0]);
  const clients = await settled(() => ctx.io.engine.clientsCount, 0);
  return { returned, a, b, ca, cb, clients, open: client.io.engine?.readyState ?? "none" };
});

parity("io.in(id).disconnectSockets() and disconnectSockets(true)", async (ctx) => {
  const one = await connectedSocket(ctx);
  const two = await connectedSocket(ctx);
  const three = await connectedSocket(ctx);
  three.socket.join("keep");
  const r1 = [once(one.socket, "disconnect"), once(one.client, "disconnect")];
  ctx.io.in(one.socket.id).disconnectSockets();
  const first = (await Promise.all(r1)).map((r) => r[0]);
  const r2 = [once(two.socket, "disconnect"), once(two.client, "disconnect")];
  ctx.io.in(two.socket.id).disconnectSockets(true);
  const second = (await Promise.all(r2)).map((r) => r[0]);
  ctx.io.in("nobody").disconnectSockets(true);
  const clients = await settled(() => ctx.io.engine.clientsCount, 1);
  return { first, second, left: ctx.io.of("/").sockets.size, threeConnected: three.client.connected, clients };
});

parity("socket.join(array), adapter.rooms / sids and io.sockets.sockets", async (ctx) => {
  const a = await connectedSocket(ctx);
  const b = await connectedSocket(ctx);
  const label = labeller({ A: a.socket.id, B: b.socket.id });
  const joinedA = a.socket.join(["r1", "r2", "r1"]);
  b.socket.join("r2");
  b.socket.join([]);
  const adapter = ctx.io.of("/").adapter;
  const view = () => ({
    rooms: [...adapter.rooms].map(([room, ids]: [string, Set<string>]) => [label(room), [...ids].map(label)]),
    sids: [...adapter.sids].map(([id, rooms]: [string, Set<string>]) => [label(id), [...rooms].map(label)]),
    socketRooms: [...a.socket.rooms].map(label),
    roomsIsSet: a.socket.rooms instanceof Set,
    sockets: [...ctx.io.sockets.sockets.keys()].map(label),
    mapIsMap: ctx.io.sockets.sockets instanceof Map,
    same: ctx.io.sockets.sockets.get(a.socket.id) === a.socket && ctx.io.of("/").sockets === ctx.io.sockets.sockets,
  });
  const before = view();
  a.socket.leave("r1");
  a.socket.leave("never-joined");
  const afterLeave = view();
  const gone = once(a.socket, "disconnect");
  a.client.disconnect();
  await gone;
  return { joinedA: joinedA === undefined, before, afterLeave, afterDisconnect: view() };
});

parity("handshake.address, handshake fields, engine facts", async (ctx) => {
  const { socket } = await connectedSocket(ctx, "/", { query: { q: "1" }, auth: { token: "t" } });
  const h = socket.handshake;
  return {
    address: h.address,
    connAddress: socket.conn.remoteAddress,
    secure: h.secure,
    xdomain: h.xdomain,
    url: h.url.replace(/&t=[^&]+/, "&t=T"),
    query: { ...h.query, t: h.query.t ? "T" : undefined },
    auth: h.auth,
    issuedIsNumber: typeof h.issued === "number",
    time: typeof h.time,
    requestUrl: socket.request.url.replace(/&t=[^&]+/, "&t=T"),
    host: socket.request.headers.host === `127.0.0.1:${ctx.port}`,
    transport: socket.conn.transport.name,
    protocol: socket.conn.protocol,
    clientsCount: ctx.io.engine.clientsCount,
    engineIdIsClientId: socket.conn.id === socket.client.id,
  };
});

parity("io.engine.clientsCount follows connections", async (ctx) => {
  const counts: number[] = [ctx.io.engine.clientsCount];
  const a = await connectedSocket(ctx);
  counts.push(ctx.io.engine.clientsCount);
  const b = await connectedSocket(ctx);
  counts.push(ctx.io.engine.clientsCount);
  const gone = once(a.socket, "disconnect");
  a.client.disconnect();
  await gone;
  counts.push(await settled(() => ctx.io.engine.clientsCount, 1));
  b.socket.disconnect(true);
  counts.push(await settled(() => ctx.io.engine.clientsCount, 0));
  return counts;
});

parity("io.local", async (ctx) => {
  const a = await connectedSocket(ctx);
  const b = await connectedSocket(ctx);
  b.socket.join("r");
  const got = [once(a.client, "hi"), once(b.client, "hi")];
  const emitted = ctx.io.local.emit("hi", 1);
  const inRoom = once(b.client, "room");
  ctx.io.local.to("r").emit("room", 2);
  return {
    operators: [ctx.io.local, ctx.io.of("/").local, a.socket.local].map((o) => o.constructor.name),
    emitted,
    got: await Promise.all(got),
    inRoom: await inRoom,
    fetched: (await ctx.io.local.fetchSockets()).length,
    all: (await ctx.io.local.allSockets()).size,
    fromSocket: await new Promise((resolve) => {
      const timer = setTimeout(() => resolve("nothing"), 100);
      b.client.once("s", (x: number) => {
        clearTimeout(timer);
        resolve(x);
      });
      a.socket.local.emit("s", 3);
    }),
  };
});

parity("socket.timeout().emitWithAck rejection and late answers", async (ctx) => {
  const { client, socket } = await connectedSocket(ctx);
  client.on("late", (cb: (x: string) => void) => setTimeout(() => cb("late answer"), 80));
  client.on("now", (cb: (x: string) => void) => cb("now answer"));
  const err = await socket
    .timeout(10)
    .emitWithAck("late")
    .then(
      () => "resolved",
      (e: any) => ({ isError: e instanceof Error, message: e.message, keys: Object.keys(e) }),
    );
  const viaCallback = await new Promise((resolve) => socket.timeout(10).emit("late", (...args: any[]) => resolve(args.map((a) => (a instanceof Error ? a.message : a)))));
  await sleep(120); // the late answers arrive and must be ignored
  const ok = await socket.timeout(1000).emitWithAck("now");
  const plain = await socket.emitWithAck("now");
  const afterDisconnect = socket.timeout(30).emitWithAck("now");
  socket.disconnect();
  const rejectedAfterDisconnect = await afterDisconnect.then(
    () => "resolved",
    (e: Error) => e.message,
  );
  return { err, viaCallback, ok, plain, rejectedAfterDisconnect, connected: client.connected };
});

/** One raw HTTP request to the engine path: its status and body, and the connection_error seen. */
function rawRequest(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`http://127.0.0.1:${port}${path}`, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

parity(
  'io.engine.on("connection_error")',
  async (ctx) => {
    const errors: unknown[] = [];
    ctx.io.engine.on("connection_error", (err: any) =>
      errors.push({ code: err.code, message: err.message, context: err.context, hasReq: typeof err.req === "object" && !!err.req.headers }),
    );
    const responses = [];
    for (const path of [
      "/socket.io/?EIO=4&transport=polling&sid=unknown",
      "/socket.io/?EIO=4&transport=bogus",
      "/socket.io/?EIO=3&transport=polling",
      "/socket.io/?transport=polling",
    ]) {
      responses.push(await rawRequest(ctx.port, path));
    }
    return { errors, responses };
  },
  ["websocket"],
);

parity(
  "connectionStateRecovery: socket.emit after a transport drop reaches the recovered client",
  async (ctx) => {
    const { client, socket } = await connectedSocket(ctx, "/", { reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 20 });
    const got: unknown[] = [];
    client.on("m", (v: unknown) => got.push(v));
    const gone = once<[string]>(socket, "disconnect");
    (client.io as any).engine.close(); // a transport drop, not a client disconnect
    const [reason] = await gone;
    const emitted = socket.emit("m", "emitted after the drop");
    ctx.io.to(socket.id).emit("m", "to(id) after the drop");
    const reconn = once<[any]>(ctx.io, "connection");
    await once(client, "connect");
    const [again] = await reconn;
    await sleep(30);
    return { reason, emitted, recovered: again.recovered, sameId: again.id === socket.id, got };
  },
  ["websocket", "polling"],
  { connectionStateRecovery: {} },
);

parity("disconnecting still sees the rooms; disconnect does not", async (ctx) => {
  const { client, socket } = await connectedSocket(ctx);
  socket.join(["x", "y"]);
  const seen: unknown[] = [];
  socket.on("disconnecting", (reason: string) => seen.push(["disconnecting", reason, [...socket.rooms].filter((r) => r !== socket.id), socket.connected]));
  socket.on("disconnect", (reason: string) => seen.push(["disconnect", reason, [...socket.rooms], socket.connected]));
  const gone = once(socket, "disconnect");
  client.disconnect();
  await gone;
  return seen;
});

parity("socket.conn.close() and a malformed packet from the client", async (ctx) => {
  const out: unknown[] = [];
  {
    const { client, socket } = await connectedSocket(ctx);
    const reasons = [once<[string]>(socket, "disconnect"), once<[string]>(client, "disconnect")];
    socket.conn.close();
    out.push((await Promise.all(reasons)).map((r) => r[0]));
  }
  {
    const { client, socket } = await connectedSocket(ctx);
    const errors: string[] = [];
    socket.on("error", () => errors.push("error event"));
    const reasons = [once<[string]>(socket, "disconnect"), once<[string]>(client, "disconnect")];
    (client.io as any).engine.write("9 not a socket.io packet");
    out.push((await Promise.all(reasons)).map((r) => r[0]), errors);
  }
  return out;
});

parity("timeout(undefined) means no timeout", async (ctx) => {
  const { client, socket } = await connectedSocket(ctx);
  client.on("q", (cb: (x: string) => void) => setTimeout(() => cb("answer"), 20));
  const viaSocket = await socket.timeout(undefined).emitWithAck("q");
  const viaCallback = await new Promise((resolve) => socket.timeout(undefined).emit("q", (...args: unknown[]) => resolve(args)));
  return { viaSocket, viaCallback };
});

parity("broadcast ack without timeout(): called back at once with an error, as upstream", async (ctx) => {
  const a = await connectedSocket(ctx);
  const b = await connectedSocket(ctx);
  a.client.on("silent", () => {});
  b.client.on("silent", () => {});
  const call = (op: any) =>
    new Promise<unknown>((resolve) => {
      const hang = setTimeout(() => resolve("no callback within 2 s"), 2000);
      op.emit("silent", (err: Error | null, responses: unknown) => {
        clearTimeout(hang);
        resolve([err ? err.message : null, responses]);
      });
    });
  return {
    all: await call(ctx.io),
    room: await call(ctx.io.to(a.socket.id)),
    nobody: await call(ctx.io.to("nobody")),
    broadcast: await call(a.socket.broadcast),
    local: await call(ctx.io.local),
    nsp: await call(ctx.io.of("/")),
  };
});

parity("join and emit from middleware; disconnect inside the connection handler", async (ctx) => {
  ctx.io.use((socket: any, next: () => void) => {
    socket.join("from-middleware");
    socket.emit("early", "before connect");
    next();
  });
  const events: unknown[] = [];
  const client = ctx.connect();
  client.onAny((ev: string, ...args: unknown[]) => events.push([ev, ...args]));
  const conn = once<[any]>(ctx.io, "connection");
  const [socket] = await conn;
  if (!client.connected) await once(client, "connect");
  const rooms = [...socket.rooms].filter((r) => r !== socket.id);
  const got = once(client, "room");
  ctx.io.to("from-middleware").emit("room", "joined early");
  await got;

  ctx.io.of("/quick").on("connection", (s: any) => s.disconnect());
  const quick = ctx.connect("/quick");
  const quickEvents: string[] = [];
  quick.on("connect", () => quickEvents.push("connect"));
  const [reason] = await once<[string]>(quick, "disconnect");
  quickEvents.push(reason);
  return { rooms, events, quickEvents, quickSockets: ctx.io.of("/quick").sockets.size };
});

parity("RemoteSocket built from a socket's details", async (ctx) => {
  // (socket.io exports the class as a type only; a cluster adapter's fetchSockets builds it)
  const { RemoteSocket }: { RemoteSocket: any } =
    ctx.impl === "upstream"
      ? require(require.resolve("socket.io").replace(/index\.js$/, "broadcast-operator.js"))
      : await import("../../src/index");
  const { client, socket } = await connectedSocket(ctx);
  client.on("q", (cb: (x: string) => void) => cb("answer"));
  const adapter = ctx.io.of("/").adapter;
  const remote: any = new RemoteSocket(adapter, { id: socket.id, handshake: socket.handshake, rooms: [...socket.rooms], data: { d: 1 } });
  const got = once<[number]>(client, "hello");
  const emitted = remote.emit("hello", 1);
  const single = await remote.timeout(1000).emitWithAck("q");
  const viaCallback = await new Promise((resolve) => remote.timeout(1000).emit("q", (...args: unknown[]) => resolve(args)));
  const noTimeout = await new Promise((resolve) => remote.emit("q", (err: Error | null, v: unknown) => resolve(err ? err.message : v)));
  remote.join(["r1", "r2"]);
  remote.leave("r1");
  const rooms = [...socket.rooms].filter((r) => r !== socket.id);
  const gone = once<[string]>(socket, "disconnect");
  const returned = remote.disconnect() === remote;
  const reason = (await gone)[0];
  // the client closes its connection once its last namespace is gone: let that finish (an
  // upstream polling transport closed meanwhile would keep a 30 s timer alive)
  await settled(() => ctx.io.engine.clientsCount, 0);
  return {
    fields: [remote.id === socket.id, remote.rooms instanceof Set, remote.data],
    emitted,
    got: await got,
    single,
    viaCallback,
    noTimeout: noTimeout === "answer" || noTimeout === "operation has timed out",
    rooms,
    returned,
    reason,
  };
});

parity("io.engine.generateId, io.engine.use and the headers events", async (ctx) => {
  let n = 0;
  ctx.io.engine.generateId = () => `custom-id-${++n}`;
  const seen: string[] = [];
  ctx.io.engine.use((req: any, _res: any, next: (err?: Error) => void) => {
    seen.push(`mw ${req._query?.transport ?? "?"} ${typeof req.headers.host}`);
    req.fromMiddleware = "yes";
    next();
  });
  ctx.io.engine.on("initial_headers", (headers: Record<string, string>) => {
    headers["x-initial"] = "1";
  });
  ctx.io.engine.on("headers", (headers: Record<string, string>) => {
    headers["x-every"] = "1";
  });
  const { socket } = await connectedSocket(ctx);
  return {
    engineId: socket.conn.id,
    clientId: socket.client.conn.id,
    socketIdDiffers: socket.id !== socket.conn.id,
    middlewareRan: seen.length > 0,
    firstSeen: seen[0],
    requestMark: socket.request.fromMiddleware,
  };
});

parity("socket.data and handshake through fetchSockets and RemoteSocket", async (ctx) => {
  ctx.io.use((socket: any, next: () => void) => {
    socket.data = { user: "u1", roles: ["a"] };
    next();
  });
  const { socket } = await connectedSocket(ctx, "/", { auth: { token: "t" } });
  socket.join("r");
  const [remote] = await ctx.io.in("r").fetchSockets();
  return {
    sameId: remote.id === socket.id,
    data: remote.data,
    auth: remote.handshake.auth,
    rooms: [...remote.rooms].filter((r: string) => r !== socket.id),
    handshakeKeys: Object.keys(remote.handshake).sort(),
    isSocket: remote === socket,
  };
});
