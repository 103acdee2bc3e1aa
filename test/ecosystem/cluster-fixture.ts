// A Node `cluster` running one Socket.IO server per worker over @socket.io/cluster-adapter,
// started by cluster-adapter.test.ts as its own process (`node --import tsx` this file):
//
//   test process ──IPC── primary (setupPrimary(), relays test calls) ──IPC── workers A, B, C
//
// HYPERIO_ECOSYSTEM_IMPL picks the server: "upstream" (socket.io 4.8 on node:http) or
// "hyperio" (uWS, `listen(0)`). Every worker listens on its own port (no sticky sessions:
// clients connect to one worker's port) and reports it; the primary tells the test
// `{ rpc: "ready", ports }` once all workers listen.
//
// The test drives the servers with calls: a root (the server, a namespace, a local socket
// or a socket returned by the last fetchSockets, named by label) and a chain of steps
// (`[name, ...args]`: a method is called, a getter is read). Results come back as plain JSON
// (see toWire). Our RPC messages carry `rpc`; the adapter's carry `source: "_sio_adapter"`,
// so the two never mix on the shared IPC channels.
import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:http";
import { createAdapter, setupPrimary } from "@socket.io/cluster-adapter";
import { digest } from "../adapter/scenarios";

import { NSPS, WORKER_NAMES, type CallReply, type CallRequest, type Impl, type Root } from "./cluster-protocol";

const IMPL = process.env.HYPERIO_ECOSYSTEM_IMPL as Impl;

// ---------------------------------------------------------------- primary

function runPrimary(): void {
  setupPrimary();
  const workers: Worker[] = [];
  const ports: number[] = [];
  for (let i = 0; i < WORKER_NAMES.length; i++) {
    const worker = cluster.fork({ HYPERIO_ECOSYSTEM_WORKER: String(i) });
    workers.push(worker);
    worker.on("message", (msg: any) => {
      if (msg?.rpc === "listening") {
        ports[i] = msg.port;
        if (ports.filter((p) => p !== undefined).length === WORKER_NAMES.length) process.send!({ rpc: "ready", ports });
      } else if (msg?.rpc === "reply") {
        process.send!(msg);
      }
    });
    worker.on("exit", (code, signal) => {
      // a worker dying while the test still runs is a failure the test must see
      if (!shuttingDown) process.send!({ rpc: "worker-exit", worker: i, code, signal });
    });
  }
  let shuttingDown = false;
  const shutdown = () => {
    if (shuttingDown) return;
    shuttingDown = true;
    for (const w of workers) w.send({ rpc: "close" });
    // each worker exits after closing its server; the primary leaves once all have
    let left = workers.filter((w) => !w.isDead()).length;
    if (left === 0) process.exit(0);
    for (const w of workers) w.once("exit", () => --left === 0 && process.exit(0));
  };
  process.on("message", (msg: any) => {
    if (msg?.rpc === "call") workers[msg.worker].send(msg);
    else if (msg?.rpc === "shutdown") shutdown();
  });
  // the test process went away without asking: do not outlive it
  process.on("disconnect", () => {
    for (const w of workers) w.process.kill("SIGKILL");
    process.exit(1);
  });
}

// ---------------------------------------------------------------- worker

/** Starts this worker's server, the adapter set up a different documented way per worker. */
async function startServer(index: number): Promise<{ io: any; port: number }> {
  // A: the `adapter` option; B: io.adapter() after listening; C: io.adapter() before listening
  const opts = index === 0 ? { adapter: createAdapter() } : {};
  if (IMPL === "hyperio") {
    const { Server } = await import("../../src/index");
    const io: any = new Server(opts as any);
    if (index === 2) io.adapter(createAdapter());
    io.listen(0);
    if (index === 1) io.adapter(createAdapter());
    return { io, port: io.port };
  }
  const { Server } = await import("socket.io");
  const httpServer = createServer();
  const io: any = new Server(opts as any);
  if (index === 2) io.adapter(createAdapter());
  io.attach(httpServer);
  if (index === 1) io.adapter(createAdapter());
  // `exclusive`: a worker's listen(0) would otherwise share one port picked by the primary
  await new Promise<void>((r) => httpServer.listen({ port: 0, host: "127.0.0.1", exclusive: true }, r));
  return { io, port: (httpServer.address() as { port: number }).port };
}

/** Server-side listeners the scenarios rely on, on every namespace of NSPS. */
function installListeners(io: any, name: string, heard: unknown[]): void {
  for (const nsp of NSPS) {
    const n = io.of(nsp);
    // labels name sockets across runs (ids differ); set before the client sees CONNECT
    n.use((socket: any, next: () => void) => {
      socket.data = { label: socket.handshake.auth.label };
      next();
    });
    n.on("hello", (...args: unknown[]) => heard.push(digest([nsp, ...args])));
    n.on("ask", (x: unknown, cb: (v: unknown) => void) => cb(`${nsp}:${name}:${x}`));
    n.on("__sync__", (cb: () => void) => cb());
  }
}

function isSocketLike(v: any): boolean {
  return !!v && typeof v === "object" && typeof v.id === "string" && v.handshake && v.rooms instanceof Set;
}

/** What a (local or remote) socket looks like; ids are mapped to labels by the test. */
function describeSocket(s: any) {
  return {
    label: s.data?.label,
    kind: s.constructor.name,
    id: s.id,
    rooms: [...s.rooms].sort(),
    data: s.data,
    auth: s.handshake.auth,
    handshakeKeys: Object.keys(s.handshake).sort(),
    transport: typeof s.conn?.transport?.name === "string" ? "local" : "remote",
  };
}

/** A call's result as plain JSON: sockets described, Sets and Maps sorted, binary digested. */
function toWire(v: any): unknown {
  if (v === undefined) return null;
  if (isSocketLike(v)) return describeSocket(v);
  if (v instanceof Error) return { error: v.message };
  if (Buffer.isBuffer(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return digest(v);
  if (v instanceof Set) return [...v].map(toWire).sort();
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toWire(x)]).sort());
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    // operators, servers, namespaces: only their class matters to a caller
    if (proto !== Object.prototype && proto !== null) return `[${v.constructor?.name ?? "object"}]`;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  }
  return v;
}

async function runWorker(): Promise<void> {
  const index = Number(process.env.HYPERIO_ECOSYSTEM_WORKER);
  const name = WORKER_NAMES[index];
  const { io, port } = await startServer(index);
  const heard: unknown[] = [];
  installListeners(io, name, heard);
  /** Sockets the last fetchSockets() returned, by label (RemoteSocket ops act on them). */
  let fetched = new Map<string, any>();

  const resolveRoot = (root: Root): any => {
    if (root === "io") return io;
    if ("fetched" in root) {
      const s = fetched.get(root.fetched);
      if (!s) throw new Error(`worker ${name}: no fetched socket ${root.fetched}`);
      return s;
    }
    if ("socket" in root) {
      for (const s of io.of(root.nsp ?? "/").sockets.values()) if (s.data?.label === root.socket) return s;
      throw new Error(`worker ${name}: no local socket ${root.socket}`);
    }
    return io.of(root.nsp);
  };

  const call = async (req: CallRequest): Promise<unknown> => {
    if (req.steps.length === 1 && req.steps[0][0] === "$heard") return heard.splice(0).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    let target = resolveRoot(req.root);
    let viaCallback: Promise<unknown> | undefined;
    for (const [step, ...rawArgs] of req.steps) {
      const args = rawArgs.map((a: any) => {
        if (Array.isArray(a?.$buffer)) return Buffer.from(a.$buffer);
        if (a?.$fn !== "ack") return a;
        let settle!: (v: unknown) => void;
        viaCallback = new Promise((r) => (settle = r));
        return (...cbArgs: unknown[]) => settle(cbArgs);
      });
      const member = target[step];
      target = typeof member === "function" ? member.apply(target, args) : member;
    }
    const value = viaCallback ? await viaCallback : await target;
    if (Array.isArray(value) && value.every(isSocketLike)) {
      fetched = new Map(value.map((s: any) => [s.data?.label, s]));
    }
    return value;
  };

  process.on("message", async (msg: any) => {
    if (msg?.rpc === "close") {
      await io.close();
      process.exit(0);
    }
    if (msg?.rpc !== "call") return;
    let reply: CallReply;
    try {
      reply = { rpc: "reply", id: msg.id, ok: true, value: toWire(await call(msg)) };
    } catch (err) {
      reply = { rpc: "reply", id: msg.id, ok: false, value: String((err as Error)?.stack ?? err) };
    }
    process.send!(reply);
  });
  process.send!({ rpc: "listening", port });
}

if (cluster.isPrimary) runPrimary();
else
  runWorker().catch((err) => {
    console.error(err);
    process.exit(1);
  });
