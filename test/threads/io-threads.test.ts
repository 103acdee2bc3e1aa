// ioThreads: the official socket.io-client against `new Server(0, { ioThreads: 2 })`. User
// code stays on the main thread while two I/O threads own the sockets: every scenario here is
// one a single-threaded server passes, checked across the thread boundary (requests of one
// session on both threads, an upgrade on another thread than the polls, a reconnect on
// another thread), plus a thread that dies and close/listen cycles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { readdirSync } from "node:fs";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { Server } from "../../src/index";
import type { ThreadedBackend } from "../../src/engine/threaded-backend";

const THREADS = 2;

interface Harness {
  io: Server;
  port: number;
  threads: ThreadedBackend;
  client(opts?: Record<string, unknown>): ClientSocket;
  cleanup(): Promise<void>;
}

function start(opts: Record<string, unknown> = {}): Harness {
  const io = new Server(0, { ioThreads: THREADS, ...opts });
  const port = io.port!;
  const clients: ClientSocket[] = [];
  const threads = (io.engine as unknown as { ioThreads: ThreadedBackend }).ioThreads;
  assert.ok(threads, "the engine runs I/O threads");
  return {
    io,
    port,
    threads,
    client(copts = {}) {
      const c = ioc(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports: ["websocket"], ...copts });
      clients.push(c);
      return c;
    },
    async cleanup() {
      for (const c of clients) c.disconnect();
      await sleep(10);
      await new Promise<void>((r) => io.close(() => r()));
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function connected(c: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (c.connected) return resolve();
    c.once("connect", () => resolve());
    c.once("connect_error", reject);
  });
}

function once<T extends unknown[] = any[]>(e: { once(ev: string, fn: (...a: any[]) => void): unknown }, ev: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${ev}`)), ms);
    e.once(ev, (...a: unknown[]) => {
      clearTimeout(t);
      resolve(a as T);
    });
  });
}

/** Waits until `cond()` holds (polled), failing after `ms`. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]]) {
  test(`connect, emit both ways and acks (${transports.join("+")})`, async () => {
    const h = start();
    try {
      h.io.on("connection", (socket) => {
        socket.on("sum", (a: number, b: number, ack: (n: number) => void) => ack(a + b));
        socket.emit("welcome", socket.id, Buffer.from([1, 2, 3]));
      });
      const c = h.client({ transports });
      const welcome = once<[string, Buffer]>(c, "welcome");
      await connected(c);
      const [id, bytes] = await welcome;
      assert.equal(id, c.id);
      assert.deepEqual([...bytes], [1, 2, 3]);
      assert.equal(await c.emitWithAck("sum", 2, 3), 5);
    } finally {
      await h.cleanup();
    }
  });
}

test("server acks: a client acks an emit from the server (both transports)", async () => {
  const h = start();
  try {
    const conns: any[] = [];
    h.io.on("connection", (s) => conns.push(s));
    const ws = h.client({ transports: ["websocket"] });
    const poll = h.client({ transports: ["polling"] });
    for (const c of [ws, poll]) c.on("q", (n: number, ack: (v: number) => void) => ack(n * 2));
    await Promise.all([connected(ws), connected(poll)]);
    const answers = await Promise.all(conns.map((s, i) => s.timeout(3000).emitWithAck("q", i + 1)));
    assert.deepEqual(answers.sort(), [2, 4]);
  } finally {
    await h.cleanup();
  }
});

test("room fanout: every message once and in order, for members on both threads and both transports", async () => {
  const h = start();
  try {
    h.io.on("connection", (s) => {
      const room = s.handshake.query.room as string;
      s.join(room);
    });
    const clients: Array<{ c: ClientSocket; room: string; got: number[] }> = [];
    for (let i = 0; i < 16; i++) {
      const room = i % 2 === 0 ? "a" : "b";
      const transports = i % 4 < 2 ? ["websocket"] : ["polling"];
      const c = h.client({ transports, query: { room } });
      const entry = { c, room, got: [] as number[] };
      c.on("m", (n: number) => entry.got.push(n));
      clients.push(entry);
    }
    await Promise.all(clients.map((e) => connected(e.c)));
    await sleep(50);
    const N = 200;
    for (let n = 0; n < N; n++) {
      if (n % 3 === 0) h.io.to("a").emit("m", n);
      else if (n % 3 === 1) h.io.to(["a", "b"]).emit("m", n);
      else h.io.except("a").emit("m", n);
    }
    const expected = (room: string) =>
      Array.from({ length: N }, (_, n) => n).filter((n) => (n % 3 === 0 ? room === "a" : n % 3 === 1 ? true : room !== "a"));
    await until(() => clients.every((e) => e.got.length >= expected(e.room).length), "every client got its messages");
    await sleep(50);
    for (const e of clients) assert.deepEqual(e.got, expected(e.room));
  } finally {
    await h.cleanup();
  }
});

test("join-then-emit and write-then-broadcast keep their order on the socket's thread", async () => {
  const h = start();
  try {
    h.io.on("connection", (s) => {
      s.on("go", (i: number) => {
        // a direct write, then a broadcast to a room just joined, then another direct write
        s.emit("seq", `direct-${i}`);
        s.join(`r${i}`);
        h.io.to(`r${i}`).emit("seq", `room-${i}`);
        s.emit("seq", `after-${i}`);
        s.leave(`r${i}`);
        h.io.to(`r${i}`).emit("seq", `left-${i}`);
      });
    });
    const clients = [h.client(), h.client(), h.client(), h.client()];
    await Promise.all(clients.map(connected));
    const logs = clients.map((c) => {
      const log: string[] = [];
      c.on("seq", (v: string) => log.push(v));
      return log;
    });
    for (let i = 0; i < 20; i++) for (const c of clients) c.emit("go", i);
    await until(() => logs.every((l) => l.length >= 60), "all sequences");
    await sleep(30);
    const want = Array.from({ length: 20 }, (_, i) => [`direct-${i}`, `room-${i}`, `after-${i}`]).flat();
    for (const log of logs) assert.deepEqual(log, want);
  } finally {
    await h.cleanup();
  }
});

/** One polling HTTP request on `agent`; resolves with the status and body. */
function poll(agent: Agent, port: number, path: string, method = "GET", body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent, headers: body ? { "content-type": "text/plain;charset=UTF-8" } : {} }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (data += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("one sid's polling requests over several keep-alive connections reach both threads", async () => {
  const h = start();
  const seen = new Map<string, Set<number>>();
  h.threads.onThreadRequest = (thread, req) => {
    const sid = req._query.sid;
    if (sid) (seen.get(sid) ?? seen.set(sid, new Set()).get(sid)!).add(thread);
  };
  const agents: Agent[] = [];
  try {
    h.io.on("connection", (s) => s.on("ping", (i: number) => s.emit("pong", i)));
    const base = `/socket.io/?EIO=4&transport=polling`;
    const first = new Agent({ keepAlive: true, maxSockets: 4 });
    agents.push(first);
    const open = await poll(first, h.port, base);
    const sid = JSON.parse(open.body.slice(1)).sid as string;
    const url = `${base}&sid=${sid}`;
    assert.equal((await poll(first, h.port, url, "POST", "40")).status, 200);
    assert.match((await poll(first, h.port, url)).body, /^40/);
    const pongs: number[] = [];
    let i = 0;
    // Fresh keep-alive agents (4 connections each) until this session's requests have been
    // carried by both threads; each round checks every ping gets its pong.
    for (let round = 0; round < 20 && (seen.get(sid)?.size ?? 0) < THREADS; round++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      agents.push(agent);
      const getting = poll(agent, h.port, url);
      const posts = [];
      for (let k = 0; k < 3; k++) posts.push(poll(agent, h.port, url, "POST", `42["ping",${i++}]`));
      for (const p of await Promise.all(posts)) assert.equal(p.status, 200);
      let got = (await getting).body;
      while ((got.match(/"pong"/g) ?? []).length < 3) got += "\x1e" + (await poll(agent, h.port, url)).body;
      for (const rec of got.split("\x1e")) if (rec.startsWith('42["pong"')) pongs.push(JSON.parse(rec.slice(2))[1]);
    }
    assert.equal(seen.get(sid)!.size, THREADS, "requests of one session landed on both threads");
    assert.deepEqual([...pongs].sort((a, b) => a - b), Array.from({ length: i }, (_, k) => k));
  } finally {
    for (const a of agents) a.destroy();
    await h.cleanup();
  }
});

test("a polling session upgrades through the other thread", async () => {
  const h = start();
  const pollThreads = new Map<string, Set<number>>();
  const upgradeThread = new Map<string, number>();
  h.threads.onThreadRequest = (thread, req, kind) => {
    const sid = req._query.sid;
    if (!sid) return;
    if (kind === "upgrade") upgradeThread.set(sid, thread);
    else (pollThreads.get(sid) ?? pollThreads.set(sid, new Set()).get(sid)!).add(thread);
  };
  try {
    h.io.on("connection", (s) => {
      s.join("room");
      s.on("echo", (v: string, ack: (v: string) => void) => ack(v));
    });
    let crossed: ClientSocket | undefined;
    for (let i = 0; i < 30 && !crossed; i++) {
      const c = h.client({ transports: ["polling", "websocket"] });
      await connected(c);
      await until(() => c.io.engine.transport.name === "websocket", "the upgrade");
      const sid = c.io.engine.id;
      const up = upgradeThread.get(sid);
      if (up !== undefined && [...(pollThreads.get(sid) ?? [])].some((t) => t !== up)) crossed = c;
      else c.disconnect();
    }
    assert.ok(crossed, "one upgrade landed on another thread than its polls");
    assert.equal(await crossed.emitWithAck("echo", "over the other thread"), "over the other thread");
    const got = once<[string]>(crossed, "news");
    h.io.to("room").emit("news", "to the room");
    assert.deepEqual(await got, ["to the room"]);
  } finally {
    await h.cleanup();
  }
});

test("connection state recovery after a reconnect that lands on another thread", async () => {
  const h = start({ connectionStateRecovery: {} });
  const upgradeThread: number[] = [];
  h.threads.onThreadRequest = (thread, _req, kind) => {
    if (kind === "upgrade") upgradeThread.push(thread);
  };
  try {
    const c = h.client({ reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 20 });
    const got: string[] = [];
    c.on("m", (v: string) => got.push(v));
    const first = once<[any]>(h.io, "connection");
    await connected(c);
    const [socket] = await first;
    socket.join("r");
    const id = socket.id;
    // Recovery resumes from the last offset the client saw: it must have seen one.
    const start0 = once(c, "m");
    h.io.to("r").emit("m", "start");
    await start0;
    let crossedThreads = false;
    for (let attempt = 0; attempt < 20 && !crossedThreads; attempt++) {
      const before = upgradeThread[upgradeThread.length - 1];
      const gone = once(h.io.sockets.sockets.get(c.id!)!, "disconnect");
      (c.io as any).engine.close();
      await gone;
      h.io.to("r").emit("m", `missed-${attempt}`);
      const again = once<[any]>(h.io, "connection");
      await once(c, "connect");
      const [s2] = await again;
      assert.equal(s2.recovered, true, `recovered on attempt ${attempt}`);
      assert.equal(s2.id, id);
      crossedThreads = upgradeThread[upgradeThread.length - 1] !== before;
    }
    assert.ok(crossedThreads, "a reconnect landed on the other thread");
    await until(() => got.length === upgradeThread.length, "missed packets");
    assert.deepEqual(got, ["start", ...Array.from({ length: got.length - 1 }, (_, k) => `missed-${k}`)]);
  } finally {
    await h.cleanup();
  }
});

test("a thread that dies takes only its own sockets; 100 of 100 new connections succeed", async () => {
  for (const mode of [1, 2] as const) {
    const h = start();
    // The clients connect one at a time: the i-th upgrade is the i-th client's.
    const onThread: number[] = [];
    h.threads.onThreadRequest = (thread, _req, kind) => {
      if (kind === "upgrade") onThread.push(thread);
    };
    try {
      const reasons: string[] = [];
      h.io.on("connection", (s) => s.on("disconnect", (r: string) => reasons.push(r)));
      const clients: ClientSocket[] = [];
      for (let i = 0; i < 20 || (i < 200 && new Set(onThread).size < THREADS); i++) {
        const c = h.client();
        await connected(c);
        clients.push(c);
      }
      assert.equal(new Set(onThread).size, THREADS, "clients on both threads");
      const onDead = onThread.filter((t) => t === 0).length;
      h.threads.killThread(0, mode);
      await until(() => h.threads.threadCount === THREADS - 1, "the thread to exit");
      await until(() => reasons.length === onDead, "the dead thread's sessions to close");
      await sleep(50);
      assert.equal(reasons.length, onDead);
      assert.ok(reasons.every((r) => r === "transport close"), reasons.join());
      assert.deepEqual(
        clients.map((c) => c.connected),
        onThread.map((t) => t !== 0),
      );
      // The new clients run socket.io-client's own reconnection, as users do: the pinned uWS
      // cuts a few in 10,000 asynchronously completed upgrades right after their 101 (README,
      // "Known uWS bug"), which without it failed this test about 1 run in 10-30 under load. A
      // port that stopped accepting still fails it: every attempt of a client would fail.
      let ok = 0;
      for (let i = 0; i < 100; i++) {
        const c = h.client({ reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 50, reconnectionAttempts: 5 });
        await once(c, "connect", 10000);
        ok++;
        c.disconnect();
      }
      assert.equal(ok, 100);
    } finally {
      await h.cleanup();
    }
  }
});

test("50 close/listen cycles under load: no crash, file descriptors back to baseline", async () => {
  const fds = () => readdirSync("/proc/self/fd").length;
  const io = new Server({ ioThreads: THREADS });
  io.on("connection", (s) => s.on("e", (v: number, ack: (v: number) => void) => ack(v)));
  const baseline = fds();
  for (let cycle = 0; cycle < 50; cycle++) {
    io.listen(0);
    const port = io.port!;
    const clients = Array.from({ length: 4 }, (_, k) =>
      ioc(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports: k % 2 ? ["polling"] : ["websocket"] }),
    );
    await Promise.all(clients.map(connected));
    // load in flight while the server closes
    for (const c of clients) for (let k = 0; k < 20; k++) c.emit("e", k, () => {});
    await new Promise<void>((r) => io.close(() => r()));
    for (const c of clients) c.disconnect();
  }
  await sleep(100);
  assert.ok(fds() <= baseline, `fds ${fds()} > baseline ${baseline}`);
});

test("ioThreads is validated and refused where it cannot work", () => {
  assert.throws(() => new Server(0, { ioThreads: -1 }), { code: "ERR_HYPERIO_INVALID_OPTION" });
  assert.throws(() => new Server(0, { ioThreads: 1.5 }), { code: "ERR_HYPERIO_INVALID_OPTION" });
  const http = require("node:http") as typeof import("node:http");
  const srv = http.createServer();
  assert.throws(() => new Server(srv, { ioThreads: 2 }), { code: "ERR_HYPERIO_INVALID_OPTION", message: /node:http/ });
});

test("the port check behind a threaded listen: our threads' listeners are ours, another process's are not", async () => {
  const { othersListeningOn } = await import("../../src/engine/free-port");
  const { spawn } = await import("node:child_process");
  const h = start();
  const child = spawn(process.execPath, ["-e", "const s=require('net').createServer().listen(0,()=>console.log(s.address().port))"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    // Both I/O threads listen on h.port; nobody else does.
    assert.equal(othersListeningOn(h.port), 0);
    const [line] = await once<[Buffer]>(child.stdout!, "data");
    assert.equal(othersListeningOn(Number(String(line).trim())), 1);
  } finally {
    child.kill();
    await h.cleanup();
  }
});

test("process.exit() with I/O threads holding open WebSockets exits cleanly (no abort)", { timeout: 60000 }, async () => {
  const { spawnSync } = await import("node:child_process");
  const { join } = await import("node:path");
  const run = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "exit-with-connections.ts")], {
    encoding: "utf8",
    timeout: 50000,
  });
  assert.equal(run.signal, null, run.stderr);
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /Assertion failed/);
});

/** A raw WebSocket upgrade: the response head, and whether a frame (the open packet) followed. */
async function rawUpgrade(port: number, connection = "Upgrade"): Promise<{ head: string; framed: boolean }> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () =>
      s.write(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" +
          `Connection: ${connection}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    let buf = "";
    const done = (framed: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      const end = buf.indexOf("\r\n\r\n");
      resolve({ head: end < 0 ? buf : buf.slice(0, end), framed });
    };
    const timer = setTimeout(() => done(false), 3000);
    s.on("data", (d) => {
      buf += d.toString("latin1");
      const end = buf.indexOf("\r\n\r\n");
      if (end >= 0 && buf.length > end + 4) done(true);
    });
    s.on("close", () => done(false));
  });
}

test("a new WebSocket-only session is upgraded by its thread at once: not cut by the pinned uWS's cork bug", async () => {
  // "Connection: close" makes the bug of uNetworking/uWebSockets#1928 certain for an upgrade
  // completed asynchronously inside res.cork() (the path of an upgrade the main thread has to
  // decide): the 101 went out, then the socket was shut. The thread's synchronous upgrade has
  // no such cork; every one of these must get its open packet.
  const h = start();
  try {
    await sleep(50); // the first loop turn after listen: the threads may decide alone from then on
    for (let i = 0; i < 10; i++) {
      const r = await rawUpgrade(h.port, "close");
      assert.match(r.head, /^HTTP\/1\.1 101/);
      assert.ok(r.framed, `upgrade ${i}: cut after its 101`);
    }
  } finally {
    await h.cleanup();
  }
});

test("headers listeners and middlewares keep the main thread's say in every upgrade: added right after listen, or later", async () => {
  const h = start();
  try {
    // Right after listen, before the loop turns: the threads may already accept connections.
    h.io.engine.on("headers", (headers: Record<string, string>) => {
      headers["X-Early"] = "1";
    });
    assert.match((await rawUpgrade(h.port)).head, /x-early: 1/i);
    await sleep(50);
    assert.match((await rawUpgrade(h.port)).head, /x-early: 1/i);
    const h2 = start();
    try {
      await sleep(50);
      assert.doesNotMatch((await rawUpgrade(h2.port)).head, /x-late/i);
      // Later, on an idle server: the very next upgrade carries it.
      h2.io.engine.on("initial_headers", (headers: Record<string, string>) => {
        headers["X-Late"] = "1";
      });
      assert.match((await rawUpgrade(h2.port)).head, /x-late: 1/i);
      let ran = 0;
      h2.io.engine.use((_req: unknown, _res: unknown, next: () => void) => {
        ran++;
        next();
      });
      await rawUpgrade(h2.port);
      assert.equal(ran, 1);
    } finally {
      await h2.cleanup();
    }
  } finally {
    await h.cleanup();
  }
});
