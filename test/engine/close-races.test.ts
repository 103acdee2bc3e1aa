// engine.close() against sessions in every state: polling sessions the server is closing
// (their close packet waiting for the next GET), clients closing at the same moment, upgrades
// under way, handshakes still being verified. Whatever the state, close() must leave no
// session and no armed timer when it returns, and nothing that keeps the process alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { Socket as ClientSocket } from "engine.io-client";
import type { Server, Socket } from "../../src/engine";
import { connect, holdUpgrade, nextConnection, startNode, startUws, Started, tick, waitUntil } from "./helpers";

type Defer = (fn: () => void) => void;
const DEFERS: Array<[string, Defer]> = [
  ["same tick", (fn) => fn()],
  ["microtask", (fn) => queueMicrotask(fn)],
  ["nextTick", (fn) => process.nextTick(fn)],
  ["setImmediate", (fn) => setImmediate(fn)],
  ["setTimeout 0", (fn) => setTimeout(fn, 0)],
];

const BACKENDS: Array<[string, (o: object) => Promise<Started>]> = [
  ["uws", startUws],
  ["node", startNode],
];

/** Closes the engine in `defer` and reports what it left right after close() returned. */
function closeLater(engine: Server, defer: Defer): Promise<{ clients: number; timers: number }> {
  return new Promise((resolve) =>
    defer(() => {
      engine.close();
      resolve({ clients: engine.clientsCount, timers: engine.activeTimers });
    }),
  );
}

async function openClients(srv: Started, transports: string[][]): Promise<{ clients: ClientSocket[]; sessions: Socket[] }> {
  const clients: ClientSocket[] = [];
  const sessions: Socket[] = [];
  for (const t of transports) {
    const conn = nextConnection(srv.engine);
    clients.push(await connect(srv.url, { transports: t }));
    sessions.push(await conn);
  }
  return { clients, sessions };
}

/** Every client reports close (the server went away or it closed itself). */
async function clientsGone(clients: ClientSocket[]): Promise<void> {
  let closed = 0;
  for (const c of clients) {
    if (c.readyState === "closed") closed++;
    else c.once("close", () => closed++);
  }
  await waitUntil(() => closed === clients.length, 5000, "clients closed");
}

for (const [backend, start] of BACKENDS) {
  test(`${backend}: polling sessions closed by the server (and the client) then engine.close(): nothing left`, async () => {
    // pingInterval and pollingCloseTimeout far away: a leak would show as a live timer.
    const opts = { pingInterval: 5000, pingTimeout: 5000, pollingCloseTimeout: 30000 };
    for (const [when, defer] of DEFERS) {
      for (const serverSide of ["send+close", "close after flush", "close(true)"] as const) {
        for (const clientCloses of [false, true]) {
          const label = `${when}, ${serverSide}, client ${clientCloses ? "closes too" : "idle"}`;
          const srv = await start(opts);
          try {
            const { clients, sessions } = await openClients(srv, [["polling"], ["polling"], ["polling"]]);
            const reasons: string[] = [];
            for (const s of sessions) s.on("close", (r: string) => reasons.push(r));
            // Let each client's GET be pending again.
            await tick(10);
            for (let i = 0; i < sessions.length; i++) {
              const s = sessions[i];
              if (clientCloses && i % 2 === 0) clients[i].close();
              if (serverSide === "send+close") {
                // What socket.io's disconnect(true) does: a last packet, then close.
                s.send("41");
                s.close();
              } else if (serverSide === "close after flush") {
                s.send("bye");
                await Promise.resolve();
                // The GET was just answered: the close packet must wait for the next one.
                s.close();
              } else {
                s.send("bye");
                s.close(true);
              }
              if (clientCloses && i % 2 === 1) clients[i].close();
            }
            const left = await closeLater(srv.engine, defer);
            assert.deepEqual(left, { clients: 0, timers: 0 }, label);
            for (const s of sessions) assert.equal(s.readyState, "closed", label);
            assert.equal(reasons.length, sessions.length, label);
            await clientsGone(clients);
            assert.equal(srv.engine.activeTimers, 0, label);
          } finally {
            await srv.close();
          }
        }
      }
    }
  });

  test(`${backend}: engine.close() with sessions on every transport, mid-upgrade and mid-close`, async () => {
    for (const [when, defer] of DEFERS) {
      const srv = await start({ pingInterval: 5000, pingTimeout: 5000 });
      try {
        const { clients, sessions } = await openClients(srv, [["polling"], ["websocket"], ["polling"], ["websocket"]]);
        // A session whose upgrade is under way: probe answered, "5" never sent.
        const held = await holdUpgrade(srv.port, sessions[2].id);
        assert.equal(sessions[2].upgrading, true);
        const heldClosed = once(held, "close");
        sessions[0].send("41");
        sessions[0].close();
        sessions[1].send("41");
        sessions[1].close();
        clients[3].close();
        const left = await closeLater(srv.engine, defer);
        assert.deepEqual(left, { clients: 0, timers: 0 }, when);
        for (const s of sessions) assert.equal(s.readyState, "closed", when);
        await clientsGone(clients);
        await heldClosed;
        assert.equal(srv.engine.activeTimers, 0, when);
      } finally {
        await srv.close();
      }
    }
  });

  test(`${backend}: a session closed from its "upgrading" listener arms nothing more`, async () => {
    for (const discard of [false, true]) {
      const srv = await start({ pingInterval: 5000, pingTimeout: 5000 });
      try {
        const conn = nextConnection(srv.engine);
        const client = await connect(srv.url, { transports: ["polling", "websocket"] });
        const session = await conn;
        const closed = once(session, "close");
        session.once("upgrading", () => session.close(discard));
        await closed;
        // The session is gone; nothing of its upgrade may still run.
        assert.equal(srv.engine.clientsCount, 0);
        assert.equal(srv.engine.activeTimers, 0);
        await clientsGone([client]);
        assert.equal(srv.engine.activeTimers, 0);
      } finally {
        await srv.close();
      }
    }
  });
}

test("a handshake still being verified when engine.close() runs does not become a session", async () => {
  for (const transport of ["polling", "websocket"]) {
    const srv = await startNode({ pingInterval: 5000 });
    try {
      let release!: (id: string) => void;
      let asked!: () => void;
      const idAsked = new Promise<void>((r) => (asked = r));
      srv.engine.generateId = () =>
        new Promise<string>((r) => {
          release = r;
          asked();
        });
      const errors: Array<{ code: number; context: Record<string, unknown> }> = [];
      srv.engine.on("connection_error", (e) => errors.push(e));
      let connections = 0;
      srv.engine.on("connection", () => connections++);
      const client = new ClientSocket(srv.url, { transports: [transport] });
      const outcome = new Promise<string>((r) => {
        client.once("open", () => r("open"));
        client.once("error", () => r("error"));
        client.once("close", () => r("close"));
      });
      await idAsked;
      srv.engine.close();
      assert.deepEqual([srv.engine.clientsCount, srv.engine.activeTimers], [0, 0]);
      release("late-session");
      assert.notEqual(await outcome, "open", transport);
      assert.equal(connections, 0, transport);
      assert.equal(srv.engine.clientsCount, 0);
      assert.equal(srv.engine.activeTimers, 0);
      assert.equal(errors.length, 1, transport);
      assert.equal(errors[0].code, 3);
      assert.equal(errors[0].context.name, "SERVER_CLOSED");
      client.close();
    } finally {
      await srv.close();
    }
  }
});

test("after the races, nothing keeps the process alive (child process exits on its own)", async () => {
  const root = join(__dirname, "..", "..");
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "close-races-child.ts")], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  // With defaults, a leaked ping timer (25 s) or polling close timer (30 s) would keep the
  // child alive far beyond this watchdog.
  const watchdog = setTimeout(() => child.kill("SIGKILL"), 12000);
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  clearTimeout(watchdog);
  assert.equal(signal, null, `child still alive after the scenario (killed):\n${out}`);
  assert.equal(code, 0, out);
  assert.match(out, /scenario done: clients=0 timers=0/);
});
