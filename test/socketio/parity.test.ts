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
