// Socket.IO v2 clients (`allowEIO3: true`): the official socket.io-client@2 (installed as
// `socket.io-client-v2`) against hyperio on its default path (`new Server(0)`, uWS) and on
// node:http, over polling, WebSocket, and polling upgraded to WebSocket. Every scenario also
// runs against upstream socket.io 4.8 with `allowEIO3: true` (`new Server(0)` / node:http),
// and what the v2 client and the server-side code observe must be identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, globalAgent, type Server as HttpServer } from "node:http";
import { createRequire } from "node:module";
import { Server } from "../../src/index";
import { Server as EngineServer } from "../../src/engine";
import { once, sleep } from "./helpers";

const require = createRequire(__filename);
const ioV2: (url: string, opts?: Record<string, unknown>) => any = require("socket.io-client-v2");

type Impl = "upstream" | "hyperio";
type Creation = "port" | "http";
type ClientTransport = "polling" | "websocket" | "upgrade";

interface Ctx {
  io: any;
  impl: Impl;
  port: number;
  transport: ClientTransport;
  /** A v2 client on `nsp` (may carry a query string), its own connection, no reconnection. */
  connect(nsp?: string, opts?: Record<string, unknown>): any;
}
type Scenario = (ctx: Ctx) => Promise<unknown>;

async function run(impl: Impl, creation: Creation, transport: ClientTransport, scenario: Scenario, opts: object): Promise<unknown> {
  const { Server: UpstreamServer } = await import("socket.io");
  const Impl: any = impl === "upstream" ? UpstreamServer : Server;
  const serverOpts = { allowEIO3: true, ...opts };
  let io: any;
  let port: number;
  if (creation === "port") {
    io = new Impl(0, serverOpts);
    if (impl === "upstream") {
      const srv = io.httpServer as HttpServer;
      if (!srv.listening) await new Promise((r) => srv.once("listening", r));
      port = (srv.address() as { port: number }).port;
    } else {
      port = io.port;
    }
  } else {
    const httpServer = createServer();
    io = new Impl(httpServer, serverOpts);
    await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
    port = (httpServer.address() as { port: number }).port;
  }
  const clients: any[] = [];
  const connect = (nsp = "/", copts: Record<string, unknown> = {}) => {
    const transports = transport === "upgrade" ? ["polling", "websocket"] : [transport];
    const c = ioV2(`http://127.0.0.1:${port}${nsp}`, { forceNew: true, reconnection: false, transports, ...copts });
    clients.push(c);
    return c;
  };
  try {
    return await scenario({ io, impl, port, transport, connect });
  } finally {
    for (const c of clients) c.close();
    await sleep(10);
    await io.close();
    globalAgent.destroy();
  }
}

const TRANSPORTS: ClientTransport[] = ["polling", "websocket", "upgrade"];

/** One test per (transport, creation): upstream, then hyperio; observations must be equal. */
function parity(name: string, scenario: Scenario, opts: object = {}, transports = TRANSPORTS): void {
  for (const transport of transports) {
    for (const creation of ["port", "http"] as const) {
      const where = creation === "port" ? "new Server(0)" : "node:http";
      test(`v2 client (${transport}, ${where}): ${name}`, async () => {
        const upstream = await run("upstream", creation, transport, scenario, opts);
        const ours = await run("hyperio", creation, transport, scenario, opts);
        assert.deepEqual(ours, upstream, `hyperio (${where}) differs from socket.io (${where})`);
      });
    }
  }
}

/** Resolves once the v2 client is connected (rejects on its error events). */
function connected(client: any): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.connected) return resolve();
    client.once("connect", resolve);
    client.once("connect_error", reject);
    client.once("error", reject);
  });
}

/** A connected v2 client and its server-side socket on `nsp`. */
async function pair(ctx: Ctx, nsp = "/", opts: Record<string, unknown> = {}) {
  const name = nsp.split("?")[0];
  const conn = once<[any]>(ctx.io.of(name), "connection");
  const client = ctx.connect(nsp, opts);
  const [socket] = await conn;
  await connected(client);
  return { client, socket };
}

/** Binary data as the v2 client hands it over (a Buffer in node), made comparable. */
function show(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return { buffer: [...v] };
  if (v instanceof ArrayBuffer) return { buffer: [...new Uint8Array(v)] };
  if (Array.isArray(v)) return v.map(show);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]));
  return v;
}

parity("connect: implicit main namespace, ids, handshake", async (ctx) => {
  const { client, socket } = await pair(ctx);
  return {
    sameId: client.id === socket.id,
    engineId: socket.id === socket.conn.id,
    protocol: socket.conn.protocol,
    rooms: [...socket.rooms].map((r: string) => (r === socket.id ? "<id>" : r)),
    query: Object.keys(socket.handshake.query).filter((k) => k !== "t").sort(),
    auth: { ...socket.handshake.auth },
    count: ctx.io.engine.clientsCount,
  };
});

parity("emit and ack both ways, with binary", async (ctx) => {
  const { client, socket } = await pair(ctx);
  const serverGot: unknown[] = [];
  socket.on("to-server", (...args: any[]) => {
    const ack = args.pop();
    serverGot.push(show(args));
    ack("ok", Buffer.from([7, 8, 9]));
  });
  const clientGot = new Promise((resolve) => client.on("to-client", (...args: any[]) => resolve(show(args))));
  socket.emit("to-client", "héllo €😀", { n: 1, bin: Buffer.from([1, 2, 3]) }, [Buffer.alloc(0)]);
  const clientAck = await new Promise((resolve) =>
    client.emit("to-server", "x", Buffer.from([0, 255]), { deep: [Buffer.from("abc")] }, (...a: unknown[]) => resolve(show(a))),
  );
  const serverAck = await new Promise((resolve) => {
    client.once("ask", (q: string, ack: (...a: unknown[]) => void) => ack(q + "!", Buffer.from([5])));
    socket.emit("ask", "q", (...a: unknown[]) => resolve(show(a)));
  });
  return { serverGot, clientGot: await clientGot, clientAck, serverAck };
});

parity("rooms and broadcasts", async (ctx) => {
  const peers = [await pair(ctx), await pair(ctx), await pair(ctx)];
  const got: string[][] = peers.map(() => []);
  peers.forEach((p, i) =>
    p.client.on("news", (what: string, bin?: Buffer) => got[i].push(bin ? `${what}:${[...bin]}` : what)),
  );
  peers[0].socket.join("room");
  peers[1].socket.join("room");
  ctx.io.to("room").emit("news", "room", Buffer.from([1]));
  ctx.io.emit("news", "all");
  peers[0].socket.broadcast.emit("news", "not-0", Buffer.from([2, 3]));
  ctx.io.to("room").except(peers[1].socket.id).emit("news", "room-but-1");
  peers[2].socket.to("room").emit("news", "from-2");
  await sleep(150);
  return { got, rooms: peers.map((p) => [...p.socket.rooms].filter((r: string) => r !== p.socket.id)) };
});

// On uWS a room broadcast is one publish for the WebSocket members, whose binary frames are
// Engine.IO v4 frames: v2 members must still get theirs right (written one by one).
parity("v2 and v4 clients in the same rooms get the same broadcasts", async (ctx) => {
  const { io: ioV4 } = await import("socket.io-client");
  const v2 = [await pair(ctx), await pair(ctx)];
  const v4: Array<{ client: any; socket: any }> = [];
  for (let i = 0; i < 2; i++) {
    const conn = once<[any]>(ctx.io, "connection");
    const client = ioV4(`http://127.0.0.1:${ctx.port}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
    const [socket] = await conn;
    await once(client, "connect");
    v4.push({ client, socket });
  }
  try {
    const all = [...v2, ...v4];
    const got: string[][] = all.map(() => []);
    all.forEach((p, i) => p.client.on("news", (what: string, bin: Buffer | ArrayBuffer) => got[i].push(`${what}:${[...new Uint8Array(bin)]}`)));
    for (const p of all) p.socket.join("room");
    ctx.io.to("room").emit("news", "room", Buffer.from([1, 2]));
    ctx.io.emit("news", "all", Buffer.from([3]));
    v4[0].socket.broadcast.emit("news", "not-v4-0", Buffer.from([4]));
    ctx.io.to("room").except(v2[0].socket.id).emit("news", "except-v2-0", Buffer.from([5]));
    await sleep(150);
    return got;
  } finally {
    for (const p of v4) p.client.disconnect();
  }
});

parity("namespaces with a query string, middleware errors", async (ctx) => {
  const admin = ctx.io.of("/admin");
  admin.use((socket: any, next: any) => {
    const token = socket.handshake.auth.token;
    if (token === "ok") return next();
    if (token === "data") return next(Object.assign(new Error("denied"), { data: { reason: "bad token" } }));
    next(new Error("no token"));
  });
  const { client, socket } = await pair(ctx, "/admin?token=ok&x=1");
  const seen = {
    id: socket.id.startsWith("/admin#") ? "/admin#<engine id>" : socket.id,
    idIsEngineId: socket.id === "/admin#" + socket.conn.id,
    clientId: client.id === socket.id,
    nsp: socket.nsp.name,
    auth: { ...socket.handshake.auth },
  };
  const echoed = await new Promise((resolve) => {
    socket.on("ping-nsp", (v: string, ack: (v: string) => void) => ack(v + "@" + socket.nsp.name));
    client.emit("ping-nsp", "hi", resolve);
  });
  const refused: unknown[] = [];
  for (const q of ["?token=data", "?token=no", ""]) {
    const c = ctx.connect("/admin" + q);
    const [err] = await once<[unknown]>(c, "error");
    refused.push(err);
  }
  const missing = ctx.connect("/missing");
  const [missingErr] = await once<[unknown]>(missing, "error");
  return { seen, echoed, refused, missingErr };
});

parity(
  "heartbeat keeps the session alive across several pingIntervals",
  async (ctx) => {
    const { client, socket } = await pair(ctx);
    const closes: string[] = [];
    socket.on("disconnect", (r: string) => closes.push("server:" + r));
    client.on("disconnect", (r: string) => closes.push("client:" + r));
    let pongs = 0;
    client.on("pong", () => pongs++);
    socket.on("still-there", (ack: (v: string) => void) => ack("yes"));
    await sleep(550);
    // Bounded: a session lost meanwhile never answers, and the comparison says so.
    const answer = await new Promise((resolve) => {
      const guard = setTimeout(() => resolve("no answer within 5 s"), 5000);
      client.emit("still-there", (v: string) => {
        clearTimeout(guard);
        resolve(v);
      });
    });
    // A copy: the run's cleanup (client close, then io.close() 10 ms later) closes both ends
    // after this returns, in an order a loaded machine decides on either server.
    return { closes: [...closes], connected: client.connected && socket.connected, pongedSeveral: pongs >= 2, answer };
  },
  { pingInterval: 100, pingTimeout: 100 },
);

parity("disconnect reasons on both sides", async (ctx) => {
  const out: string[] = [];
  for (const how of ["server", "server-close", "client"] as const) {
    const { client, socket } = await pair(ctx);
    const server = once<[string]>(socket, "disconnect");
    const clientSide = once<[string]>(client, "disconnect");
    if (how === "server") socket.disconnect();
    else if (how === "server-close") socket.disconnect(true);
    else client.close();
    out.push(`${how}: server=${(await server)[0]} client=${(await clientSide)[0]}`);
  }
  return out;
});

parity("server shutdown is seen by the client", async (ctx) => {
  const { client, socket } = await pair(ctx);
  const server = once<[string]>(socket, "disconnect");
  const clientSide = once<[string]>(client, "disconnect");
  ctx.io.close();
  return { server: (await server)[0], client: (await clientSide)[0] };
});

// Without allowEIO3 the handshake is refused with code 5, as upstream: the v2 client reports
// the HTTP status of its refused poll, and the body names the error.
for (const transport of ["polling", "websocket"] as const) {
  for (const creation of ["port", "http"] as const) {
    const where = creation === "port" ? "new Server(0)" : "node:http";
    test(`v2 client (${transport}, ${where}) without allowEIO3: refused like upstream`, async () => {
      const scenario: Scenario = async (ctx) => {
        const errors: unknown[] = [];
        ctx.io.engine.on("connection_error", (e: any) => errors.push({ code: e.code, message: e.message, context: e.context }));
        const c = ctx.connect("/");
        const [err] = await once<[any]>(c, "connect_error");
        const res = await fetch(`http://127.0.0.1:${ctx.port}/socket.io/?EIO=3&transport=polling`);
        // Over WebSocket the description is the socket's ErrorEvent, whose text differs:
        // upstream accepts the upgrade and then writes an HTTP response into the WebSocket
        // ("Invalid WebSocket frame"), hyperio refuses the upgrade with the 400 itself.
        const d = err.description;
        const description = typeof d === "number" ? d : d?.constructor?.name;
        return { message: err.message, description, type: err.type, errors, status: res.status, body: await res.json() };
      };
      const upstream = await run("upstream", creation, transport, scenario, { allowEIO3: false });
      const ours = await run("hyperio", creation, transport, scenario, { allowEIO3: false });
      assert.deepEqual(ours, upstream);
      assert.deepEqual((ours as any).body, { code: 5, message: "Unsupported protocol version" });
    });
  }
}

test("allowEIO3 is validated, and off by default", async () => {
  assert.throws(() => new Server(0, { allowEIO3: "yes" } as any), /allowEIO3/);
  assert.throws(() => new EngineServer({ allowEIO3: 1 } as any), /allowEIO3/);
  assert.equal(new EngineServer().opts.allowEIO3, false);
  const io = new Server(0);
  assert.equal((io.engine as unknown as EngineServer).opts.allowEIO3, false);
  await io.close();
});
