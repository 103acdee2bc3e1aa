// A session's internal wiring uses no listeners (transport -> session by direct calls, the
// server's registry by a direct hook), while every public event still fires as upstream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, expectIdle, nextConnection, startUws, waitUntil } from "./helpers";
import { randomId } from "../../src/engine/random-id";

test("a fresh session carries no internal listener", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["websocket"] });
    const socket = await conn;
    assert.deepEqual(socket.eventNames(), []);
    assert.equal(socket.listenerCount("close"), 0);
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("public session and server events fire: packet, packetCreate, data, message, flush, drain, heartbeat, upgrade, close", async () => {
  const srv = await startUws({ pingInterval: 50, pingTimeout: 1000 });
  try {
    const seen: string[] = [];
    const serverSeen: string[] = [];
    for (const ev of ["initial_headers", "headers", "flush", "drain"]) srv.engine.on(ev, () => serverSeen.push(ev));
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url); // polling, then upgrades to WebSocket
    const socket = await conn;
    for (const ev of ["packet", "packetCreate", "data", "message", "flush", "drain", "heartbeat", "upgrading", "upgrade"]) {
      socket.on(ev, () => seen.push(ev));
    }
    let closeReason: string | undefined;
    socket.on("close", (reason: string) => (closeReason = reason));
    socket.on("message", (m: unknown) => socket.send(`echo:${String(m)}`));
    const got: unknown[] = [];
    client.on("message", (m) => got.push(m));
    await waitUntil(() => socket.transport.name === "websocket", 3000, "upgrade");
    client.send("hi");
    await waitUntil(() => got.includes("echo:hi") && seen.includes("heartbeat"), 3000, "echo and heartbeat");
    for (const ev of ["packet", "packetCreate", "data", "message", "flush", "drain", "heartbeat", "upgrading", "upgrade"]) {
      assert.ok(seen.includes(ev), `session event ${ev}`);
    }
    for (const ev of ["initial_headers", "headers", "flush", "drain"]) assert.ok(serverSeen.includes(ev), `server event ${ev}`);
    client.close();
    await waitUntil(() => closeReason !== undefined, 3000, "close");
    assert.equal(closeReason, "transport close");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("session ids: 20 URL-safe characters, never repeated", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const id = randomId();
    assert.match(id, /^[A-Za-z0-9_-]{20}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 5000);
});
