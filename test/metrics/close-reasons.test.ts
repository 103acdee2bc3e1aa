// Sessions closed by cause, as io.metrics() counts them: a client that stops answering pings
// (ping timeout), a malformed Engine.IO packet (parse error), a reader that falls more than
// maxBufferedBytes behind (buffer limit exceeded), and a reconnection that finds its
// recovery session (hit) or finds it expired (miss), the Socket.IO server closing a
// connection (forced server close) and io.close() (server shutting down). uWS and node:http.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connected, once, start, type Backend, type Transport } from "../socketio/helpers";
import { until } from "../adapter/cluster";
import WebSocket from "ws";

/** Stops an official client from answering pings (it still reads and sends everything else). */
function stopPonging(client: any): void {
  const engine = client.io.engine;
  const send = engine._sendPacket.bind(engine);
  engine._sendPacket = (type: string, ...rest: unknown[]) => (type === "pong" ? undefined : send(type, ...rest));
}

for (const backend of ["uws", "node"] as Backend[]) {
  for (const transport of ["websocket", "polling"] as Transport[]) {
    test(`a client that stops answering pings: ping timeout 1 (${backend}/${transport})`, async () => {
      // a deadline loose enough that the client that keeps answering never misses it on a
      // loaded machine
      const h = await start(backend, { pingInterval: 100, pingTimeout: 500 }, transport);
      try {
        const quiet = h.client();
        const lively = h.client();
        await connected(quiet);
        await connected(lively);
        stopPonging(quiet);
        await until(() => h.io.metrics().closedPingTimeout === 1, "the ping timeout");
        // the other client went through several heartbeats and is still there
        await new Promise((r) => setTimeout(r, 300));
        const m = h.io.metrics();
        assert.equal(m.closedPingTimeout, 1);
        assert.equal(m.connectionsWebsocket + m.connectionsPolling, 1);
        assert.ok(m.packetsIn >= 4, "pongs are packets in");
      } finally {
        await h.cleanup();
      }
    });
  }

  test(`a malformed Engine.IO packet: parse error 1 (${backend}/websocket)`, async () => {
    const h = await start(backend);
    try {
      const good = h.client();
      await connected(good);
      // the official client never sends a bad packet: a WebSocket peer sends one ("9" is no packet type)
      const ws = new WebSocket(`ws://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=websocket`);
      await once(ws, "message"); // the open packet
      ws.send("9nonsense");
      await until(() => h.io.metrics().closedParseError === 1, "the parse error");
      ws.close();
      assert.equal(h.io.metrics().connectionsWebsocket, 1);
    } finally {
      await h.cleanup();
    }
  });

  test(`a malformed polling payload: parse error 1 (${backend}/polling)`, async () => {
    const h = await start(backend);
    try {
      const base = `http://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=polling`;
      const open = await (await fetch(base)).text();
      const sid = JSON.parse(open.slice(1)).sid as string;
      const res = await fetch(`${base}&sid=${sid}`, { method: "POST", body: "9nonsense" });
      await res.arrayBuffer();
      await until(() => h.io.metrics().closedParseError === 1, "the parse error");
      assert.equal(h.io.metrics().connectionsPolling, 0);
    } finally {
      await h.cleanup();
    }
  });

  for (const transport of ["websocket", "polling"] as Transport[]) {
    test(`socket.disconnect(true): forced server close 1; io.close(): server shutting down 2 (${backend}/${transport})`, async () => {
      const h = await start(backend, {}, transport);
      try {
        const conns: any[] = [];
        h.io.on("connection", (s) => conns.push(s));
        const clients = [h.client(), h.client(), h.client()];
        for (const c of clients) await connected(c);
        await until(() => conns.length === 3, "the server sockets");
        const gone = once(clients[0], "disconnect");
        conns[0].disconnect(true);
        assert.equal((await gone)[0], "io server disconnect");
        await until(() => h.io.metrics().closedForcedServerClose === 1, "the forced server close");
        // the engine-level reason stays upstream's
        assert.equal(h.io.metrics().closedForcedClose, 0);
        const reasons: string[] = [];
        for (const s of conns.slice(1)) s.on("disconnect", (r: string) => reasons.push(r));
        await h.io.close();
        const m = h.io.metrics();
        assert.deepEqual(reasons, ["server shutting down", "server shutting down"]);
        assert.equal(m.closedServerShuttingDown, 2);
        assert.equal(m.closedForcedServerClose, 1);
        assert.equal(m.closedForcedClose, 0);
        assert.equal(m.connectionsWebsocket + m.connectionsPolling, 0);
      } finally {
        await h.cleanup();
      }
    });
  }

  test(`connection state recovery: hit within the window, miss after it (${backend})`, async () => {
    const h = await start(backend, { connectionStateRecovery: { maxDisconnectionDuration: 1000 } });
    try {
      // no jitter: the second return must come after the window (1500 ms vs 1000), not 0.5x earlier
      const client = h.client("/", { reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 20, randomizationFactor: 0 });
      await connected(client);
      const m1 = once(client, "m");
      h.io.emit("m", 1); // gives the client an offset
      await m1;
      assert.deepEqual([h.io.metrics().recoveryHits, h.io.metrics().recoveryMisses], [0, 0]);

      // a transport drop, the client back within the window: a hit
      (client.io as any).engine.close();
      await once(client, "connect");
      assert.equal(client.recovered, true);
      assert.deepEqual([h.io.metrics().recoveryHits, h.io.metrics().recoveryMisses], [1, 0]);

      // a drop and a return after the window: a miss
      const m2 = once(client, "m");
      h.io.emit("m", 2);
      await m2;
      client.io.reconnectionDelay(1500);
      client.io.reconnectionDelayMax(1500);
      (client.io as any).engine.close();
      await once(client, "connect", 5000);
      assert.equal(client.recovered, false);
      assert.deepEqual([h.io.metrics().recoveryHits, h.io.metrics().recoveryMisses], [1, 1]);
      // a first connection asks for nothing: neither
      const fresh = h.client();
      await connected(fresh);
      assert.deepEqual([h.io.metrics().recoveryHits, h.io.metrics().recoveryMisses], [1, 1]);
    } finally {
      await h.cleanup();
    }
  });
}

test("a reader that falls behind: buffer limit exceeded 1, backpressure seen first (uws)", async () => {
  const h = await start("uws", { maxBufferedBytes: 256 * 1024 });
  try {
    const conn = once<[any]>(h.io, "connection");
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=websocket`);
    await once(ws, "message"); // the open packet
    ws.send("40");
    const [socket] = await conn;
    (ws as any)._socket.pause(); // from now on: a reader that never reads
    const chunk = "x".repeat(64 * 1024);
    for (let i = 0; i < 2000 && socket.connected; i++) {
      socket.emit("big", chunk);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => h.io.metrics().closedBufferLimitExceeded === 1, "the buffer limit");
    const m = h.io.metrics();
    assert.ok(m.backpressure > 0, JSON.stringify(m));
    assert.equal(m.connectionsWebsocket, 0);
    ws.terminate();
  } finally {
    await h.cleanup();
  }
});
