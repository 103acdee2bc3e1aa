import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, expectIdle, nextConnection, startUws, tick, waitUntil } from "./helpers";

test("publish reaches WebSocket subscribers; unsubscribe and publishFromSelf", async () => {
  const srv = await startUws();
  try {
    assert.equal(srv.engine.supportsPublish, true);
    const connA = nextConnection(srv.engine);
    const a = await connect(srv.url, { transports: ["websocket"] });
    const sa = await connA;
    const connB = nextConnection(srv.engine);
    const b = await connect(srv.url, { transports: ["websocket"] });
    const sb = await connB;
    const gotA: unknown[] = [];
    const gotB: unknown[] = [];
    a.on("message", (m) => gotA.push(m));
    b.on("message", (m) => gotB.push(m));

    sa.subscribe("room");
    sb.subscribe("room");
    assert.deepEqual([...sa.topics], ["room"]);
    assert.equal(srv.engine.publish("room", "4hello", false), true);
    assert.equal(srv.engine.publish("room", Buffer.from([1, 2]), true), true);
    await waitUntil(() => gotA.length === 2 && gotB.length === 2);
    assert.equal(gotA[0], "hello");
    assert.deepEqual(Buffer.from(gotB[1] as Uint8Array), Buffer.from([1, 2]));

    assert.equal(sa.publishFromSelf("room", "4not-to-self", false), true);
    await waitUntil(() => gotB.length === 3);
    assert.equal(gotB[2], "not-to-self");
    await tick(20);
    assert.equal(gotA.length, 2);

    sb.unsubscribe("room");
    assert.equal(sb.topics.size, 0);
    srv.engine.publish("room", "4only-a", false);
    await waitUntil(() => gotA.length === 3);
    await tick(20);
    assert.equal(gotB.length, 3);
    a.close();
    b.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("topics of a polling session apply on upgrade; each message arrives exactly once", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url);
    const socket = await conn;
    assert.equal(socket.transport.name, "polling");
    socket.subscribe("t");
    // A publish does not reach a polling session (it is not a uWS subscriber).
    assert.equal(socket.publishFromSelf("t", "4x", false), false);
    const got: string[] = [];
    client.on("message", (m) => got.push(String(m)));
    // The adapter pattern: publish for WebSocket sessions, direct send for polling ones.
    let i = 0;
    const timer = setInterval(() => {
      const msg = `p${i++}`;
      if (socket.transport.name === "websocket") srv.engine.publish("t", "4" + msg, false);
      else socket.send(msg);
    }, 2);
    await once(socket, "upgrade");
    await tick(40);
    clearInterval(timer);
    await waitUntil(() => got.length >= i, 3000, "all messages");
    await tick(20);
    assert.deepEqual(got, Array.from({ length: i }, (_, k) => `p${k}`));
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
