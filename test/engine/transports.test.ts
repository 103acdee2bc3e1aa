import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { clientOnce, connect, expectIdle, nextConnection, startUws, waitUntil } from "./helpers";

for (const transports of [["polling"], ["websocket"]] as const) {
  test(`${transports[0]} only: handshake, text and binary both ways, close`, async () => {
    const srv = await startUws();
    try {
      const conn = nextConnection(srv.engine);
      const client = await connect(srv.url, { transports: [...transports] });
      const socket = await conn;
      assert.equal(socket.transport.name, transports[0]);
      assert.equal(socket.protocol, 4);
      assert.equal(socket.readyState, "open");
      assert.equal(socket.id, client.id);
      assert.equal(socket.request._query.transport, transports[0]);
      assert.equal(socket.request.remoteAddress.includes("127.0.0.1"), true);
      assert.equal(srv.engine.clientsCount, 1);

      const received: unknown[] = [];
      socket.on("message", (d) => received.push(d));
      client.send("héllo ✓");
      client.send(Buffer.from([0, 1, 255]));
      await waitUntil(() => received.length === 2);
      assert.equal(received[0], "héllo ✓");
      assert.ok(Buffer.isBuffer(received[1]));
      assert.deepEqual(received[1], Buffer.from([0, 1, 255]));

      const got: unknown[] = [];
      client.on("message", (d) => got.push(d));
      let flushed = 0;
      socket.send("from server", () => flushed++);
      socket.send(Buffer.from([9, 8, 7]));
      socket.send(new Uint8Array([5, 6]).buffer);
      await waitUntil(() => got.length === 3);
      assert.equal(got[0], "from server");
      assert.deepEqual(Buffer.from(got[1] as Uint8Array), Buffer.from([9, 8, 7]));
      assert.deepEqual(Buffer.from(got[2] as Uint8Array), Buffer.from([5, 6]));
      assert.equal(flushed, 1);

      const closed = once(socket, "close");
      client.close();
      const [reason] = await closed;
      assert.equal(reason, "transport close");
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test("upgrade polling -> websocket keeps order and then rejects polling on that sid", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url);
    const socket = await conn;
    assert.equal(socket.transport.name, "polling");
    const events: string[] = [];
    socket.on("upgrading", (t) => events.push(`upgrading:${t.name}`));
    const upgraded = once(socket, "upgrade");
    await upgraded;
    events.push("upgrade");
    assert.deepEqual(events, ["upgrading:websocket", "upgrade"]);
    assert.equal(socket.transport.name, "websocket");
    assert.equal(socket.upgraded, true);
    assert.equal(socket.upgrading, false);
    await waitUntil(() => client.transport.name === "websocket");

    const got: unknown[] = [];
    client.on("message", (d) => got.push(d));
    for (let i = 0; i < 20; i++) socket.send(`m${i}`);
    socket.send(Buffer.from([1]));
    await waitUntil(() => got.length === 21);
    assert.deepEqual(got.slice(0, 20), Array.from({ length: 20 }, (_, i) => `m${i}`));

    const received: unknown[] = [];
    socket.on("message", (d) => received.push(d));
    client.send(Buffer.from([4, 2]));
    await waitUntil(() => received.length === 1);
    assert.deepEqual(received[0], Buffer.from([4, 2]));

    // The session now lives on WebSocket: polling requests for it are refused.
    const errors: unknown[] = [];
    srv.engine.on("connection_error", (e) => errors.push(e));
    const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${socket.id}`);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 3, message: "Bad request" });
    assert.equal(errors.length, 1);

    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("messages sent while upgrading are delivered once, in order", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url);
    const socket = await conn;
    const got: unknown[] = [];
    client.on("message", (d) => got.push(d));
    let i = 0;
    // Keep sending through the whole upgrade.
    const timer = setInterval(() => socket.send(`n${i++}`), 2);
    await once(socket, "upgrade");
    await new Promise((r) => setTimeout(r, 30));
    clearInterval(timer);
    await waitUntil(() => got.length === i, 3000, "all messages");
    assert.deepEqual(got, Array.from({ length: i }, (_, k) => `n${k}`));
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("websocket upgrade for a session already on websocket is accepted, then closed (as upstream)", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["websocket"] });
    const socket = await conn;
    const errors: Array<{ code: number; context: { name?: string } }> = [];
    srv.engine.on("connection_error", (e) => errors.push(e));
    const { WebSocket } = await import("ws");
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket&sid=${socket.id}`);
    ws.on("error", () => {});
    // A close frame without a status code, as upstream engine.io (see second-upgrade.test.ts).
    const [code] = (await once(ws, "close")) as [number];
    assert.equal(code, 1005);
    assert.equal(errors.length, 0);
    assert.equal(socket.readyState, "open");
    assert.equal(socket.transport.name, "websocket");
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("server-side close: polling and websocket clients see the close", async () => {
  const srv = await startUws();
  try {
    for (const transports of [["polling"], ["websocket"]]) {
      const conn = nextConnection(srv.engine);
      const client = await connect(srv.url, { transports });
      const socket = await conn;
      const clientClosed = clientOnce(client, "close");
      const serverClosed = once(socket, "close");
      socket.send("bye");
      socket.close();
      const [reason] = await serverClosed;
      assert.equal(reason, "forced close");
      await clientClosed;
    }
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("engine.close() closes every session", async () => {
  const srv = await startUws();
  const a = await connect(srv.url, { transports: ["polling"] });
  const b = await connect(srv.url, { transports: ["websocket"] });
  await waitUntil(() => srv.engine.clientsCount === 2);
  const closed = Promise.all([clientOnce(a, "close"), clientOnce(b, "close")]);
  srv.engine.close();
  await closed;
  await expectIdle(srv.engine);
  await srv.close();
});

test("session and server events: packet, packetCreate, flush, drain, heartbeat", async () => {
  const srv = await startUws({ pingInterval: 30, pingTimeout: 1000 });
  try {
    const seen: string[] = [];
    srv.engine.on("flush", (s: unknown, wbuf: unknown[]) => seen.push(`server-flush:${wbuf.length}`));
    srv.engine.on("drain", () => seen.push("server-drain"));
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["websocket"] });
    const socket = await conn;
    socket.on("packetCreate", (p: { type: string }) => seen.push(`create:${p.type}`));
    socket.on("packet", (p: { type: string }) => seen.push(`packet:${p.type}`));
    socket.on("flush", () => seen.push("flush"));
    socket.on("drain", () => seen.push("drain"));
    socket.on("heartbeat", () => seen.push("heartbeat"));
    socket.send("x");
    client.send("y");
    await waitUntil(() => seen.includes("heartbeat") && seen.includes("packet:message"));
    for (const e of ["create:message", "flush", "drain", "server-flush:1", "server-drain", "packet:message", "create:ping", "packet:pong"]) {
      assert.ok(seen.includes(e), `missing ${e} in ${seen.join(",")}`);
    }
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
