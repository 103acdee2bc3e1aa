import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { WebSocket } from "ws";
import { connect, expectIdle, nextConnection, pollingHandshake, rawConnect, startUws, tick } from "./helpers";

for (const [name, frame] of [
  ["unknown type", "9hello"],
  ["empty text frame", ""],
  ["base64 record on websocket", "bAQID"],
] as const) {
  test(`websocket: malformed frame (${name}) closes with 'parse error'`, async () => {
    const srv = await startUws();
    try {
      const conn = nextConnection(srv.engine);
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
      const socket = await conn;
      await once(ws, "open");
      const got: unknown[] = [];
      socket.on("message", (m) => got.push(m));
      ws.send(frame);
      const [reason] = await once(socket, "close");
      assert.equal(reason, "parse error");
      assert.equal(got.length, 0);
      await once(ws, "close");
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test("websocket: a frame over maxHttpBufferSize closes the connection", async () => {
  const srv = await startUws({ maxHttpBufferSize: 100 });
  try {
    const conn = nextConnection(srv.engine);
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
    ws.on("error", () => {});
    const socket = await conn;
    await once(ws, "open");
    ws.send("4" + "x".repeat(1000));
    const [reason] = await once(socket, "close");
    // uWS cuts the connection itself (maxPayloadLength); reported as upstream's ws error is
    assert.equal(reason, "transport error");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("an HTTP upgrade with transport=polling is refused", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const sid = await pollingHandshake(srv.url);
    const socket = await conn;
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    ws.on("error", () => {});
    const [, res] = (await once(ws, "unexpected-response")) as [unknown, { statusCode: number }];
    assert.equal(res.statusCode, 400);
    ws.terminate();
    assert.equal(socket.upgrading, false);
    socket.close(true);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("garbage on the wire, upgrades that never open, probes that never finish: nothing leaks", async () => {
  const srv = await startUws({ upgradeTimeout: 100, pingInterval: 10000 });
  try {
    // Raw garbage and truncated requests.
    for (const bytes of [
      "GARBAGE\r\n\r\n",
      "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost:",
      "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
      "POST /engine.io/?EIO=4&transport=polling&sid=x HTTP/1.1\r\nContent-Length: 10\r\n\r\n12",
    ]) {
      const s = await rawConnect(srv.port);
      s.write(bytes);
      await tick(20);
      s.destroy();
    }
    // A probe on a second WebSocket that never sends "5": the upgrade times out and the
    // session stays on polling.
    const conn = nextConnection(srv.engine);
    const sid = await pollingHandshake(srv.url);
    const socket = await conn;
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await once(ws, "open");
    ws.send("2probe");
    const [probeReply] = await once(ws, "message");
    assert.equal(String(probeReply), "3probe");
    assert.equal(socket.upgrading, true);
    await once(ws, "close");
    assert.equal(socket.upgrading, false);
    assert.equal(socket.transport.name, "polling");
    assert.equal(socket.readyState, "open");
    socket.close(true);
    await expectIdle(srv.engine);

    // A client closing mid-upgrade.
    const conn2 = nextConnection(srv.engine);
    const client = await connect(srv.url);
    const s2 = await conn2;
    await new Promise<void>((r) => s2.once("upgrading", () => r()));
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
