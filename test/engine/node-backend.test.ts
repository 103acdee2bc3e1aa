import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { ServerOptions } from "../../src/engine";
import { connect, expectIdle, nextConnection, pollingHandshake, startNode as startWithUserHandler, tick, waitUntil } from "./helpers";

/** hyperio attached to a node:http server whose own handler answers every other path. */
function startNode(opts: ServerOptions = {}) {
  return startWithUserHandler(opts, (req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`user handler: ${req.url}`);
  });
}

for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]] as const) {
  test(`node backend, ${transports.join("+")}: messages both ways, binary, close`, async () => {
    const srv = await startNode();
    try {
      assert.equal(srv.engine.supportsPublish, false);
      const conn = nextConnection(srv.engine);
      const client = await connect(srv.url, { transports: [...transports] });
      const socket = await conn;
      if (transports.length === 2) {
        await once(socket, "upgrade");
        assert.equal(socket.transport.name, "websocket");
      } else {
        assert.equal(socket.transport.name, transports[0]);
      }
      const got: unknown[] = [];
      socket.on("message", (m) => got.push(m));
      client.send("hi");
      client.send(Buffer.from([3, 4]));
      await waitUntil(() => got.length === 2);
      assert.equal(got[0], "hi");
      assert.deepEqual(got[1], Buffer.from([3, 4]));
      const back: unknown[] = [];
      client.on("message", (m) => back.push(m));
      socket.send("yo");
      socket.send(Buffer.from([5]));
      await waitUntil(() => back.length === 2);
      assert.equal(back[0], "yo");
      assert.deepEqual(Buffer.from(back[1] as Uint8Array), Buffer.from([5]));
      // publish is a uWS feature: topics are remembered but delivery is the caller's job.
      socket.subscribe("t");
      assert.equal(srv.engine.publish("t", "4x", false), false);
      const closed = once(socket, "close");
      client.close();
      assert.equal((await closed)[0], "transport close");
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test("node backend: other paths reach the user's handler; errors as upstream", async () => {
  const srv = await startNode();
  try {
    const other = await fetch(`${srv.url}/api/thing`);
    assert.equal(other.status, 200);
    assert.equal(await other.text(), "user handler: /api/thing");
    const errs: number[] = [];
    srv.engine.on("connection_error", (e: { code: number }) => errs.push(e.code));
    for (const [q, code] of [
      ["EIO=4&transport=nope", 0],
      ["EIO=4&transport=polling&sid=zzz", 1],
      ["EIO=3&transport=polling", 5],
      ["EIO=4&transport=websocket", 3],
    ] as const) {
      const res = await fetch(`${srv.url}/engine.io/?${q}`);
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { code: number }).code, code);
    }
    const post = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, { method: "POST", body: "x" });
    assert.equal(post.status, 400);
    assert.equal(((await post.json()) as { code: number }).code, 2);
    assert.deepEqual(errs, [0, 1, 5, 3, 2]);
    // Everything under the engine path is the engine's (as upstream): an error, not a hang.
    const under = await fetch(`${srv.url}/engine.io/some/file.js`);
    assert.equal(under.status, 400);
    assert.equal(((await under.json()) as { code: number }).code, 0);
  } finally {
    await srv.close();
  }
});

test("node backend: body limit, malformed payload, heartbeat timeout", async () => {
  const srv = await startNode({ maxHttpBufferSize: 100, pingInterval: 50, pingTimeout: 50 });
  try {
    let conn = nextConnection(srv.engine);
    let sid = await pollingHandshake(srv.url);
    let socket = await conn;
    let closed = once(socket, "close");
    const big = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "4" + "x".repeat(500) });
    assert.equal(big.status, 413);
    // the session lives on after a 413, as upstream's (the official client closes it)
    assert.equal(socket.readyState, "open");
    socket.close(true);
    assert.equal((await closed)[0], "forced close");

    conn = nextConnection(srv.engine);
    sid = await pollingHandshake(srv.url);
    socket = await conn;
    closed = once(socket, "close");
    const bad = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "b***" });
    assert.equal(bad.status, 200);
    assert.equal((await closed)[0], "parse error");

    conn = nextConnection(srv.engine);
    await pollingHandshake(srv.url);
    socket = await conn;
    assert.equal((await once(socket, "close"))[0], "ping timeout");
    await tick(10);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
