// Protocol violations from raw Engine.IO clients: a malformed Socket.IO packet closes only
// that client ("forced close", the reason socket.io 4.8 gives; see api-parity.test.ts), packets for namespaces not joined close the client, and the
// server keeps serving everyone else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Socket as EioSocket } from "engine.io-client";
import { connected, once, start, type Backend } from "./helpers";

function rawClient(port: number, transport: "websocket" | "polling") {
  return new EioSocket(`http://127.0.0.1:${port}`, { transports: [transport], path: "/socket.io/" });
}

for (const backend of ["uws", "node"] as Backend[]) {
  for (const transport of ["websocket", "polling"] as const) {
    test(`malformed packets close only the sender with "forced close" (${backend}/${transport})`, async () => {
      const h = await start(backend);
      try {
        const bystander = h.client();
        await connected(bystander);
        for (const bad of ['2["unterminated', "9", '4{"nsp', "2/nsp-without-comma", '51-["x",{"_placeholder":true,"num":0}]'.replace("51-", "5999999999-")]) {
          const eio = rawClient(h.port, transport);
          await once(eio, "open");
          const conn = once<[any]>(h.io, "connection");
          eio.send("0");
          const [socket] = await conn;
          const reason = once<[string]>(socket, "disconnect");
          const closed = once(eio, "close");
          eio.send(bad);
          assert.equal((await reason)[0], "forced close", `for ${JSON.stringify(bad)}`);
          await closed;
        }
        // the server still serves
        const echo = once<[string]>(bystander, "still");
        h.io.emit("still", "alive");
        assert.deepEqual(await echo, ["alive"]);
      } finally {
        await h.cleanup();
      }
    });
  }

  test(`an EVENT for a namespace not joined closes the client (${backend})`, async () => {
    const h = await start(backend);
    try {
      const eio = rawClient(h.port, "websocket");
      await once(eio, "open");
      const conn = once<[any]>(h.io, "connection");
      eio.send("0");
      await conn;
      const closed = once(eio, "close");
      eio.send('2/other,["hi"]');
      await closed;
      assert.equal(h.io.engine.clientsCount, 0);
    } finally {
      await h.cleanup();
    }
  });
}

test("binary attachments beyond the decoder limit are refused (the connection is closed)", async () => {
  const h = await start("uws");
  try {
    const eio = rawClient(h.port, "websocket");
    await once(eio, "open");
    const conn = once<[any]>(h.io, "connection");
    eio.send("0");
    const [socket] = await conn;
    const reason = once<[string]>(socket, "disconnect");
    eio.send('5100-["x",{"_placeholder":true,"num":0}]');
    assert.equal((await reason)[0], "forced close");
  } finally {
    await h.cleanup();
  }
});

test("a client cannot fire reserved events (default codec: connection closed; msgpack codec: ignored)", async () => {
  const msgpackParser = await import("socket.io-msgpack-parser");
  for (const codec of ["default", "msgpack"] as const) {
    const h = await start("uws", codec === "msgpack" ? { parser: msgpackParser } : {});
    try {
      const eio = rawClient(h.port, "websocket");
      await once(eio, "open");
      const conn = once<[any]>(h.io, "connection");
      const encode = (packet: object): any => (new msgpackParser.Encoder().encode(packet as any) as any)[0];
      eio.send(codec === "msgpack" ? encode({ type: 0, nsp: "/" }) : "0");
      const [socket] = await conn;
      const reasons: string[] = [];
      socket.on("disconnect", (r: string) => reasons.push(r));
      socket.on("disconnecting", (r: string) => reasons.push("disconnecting:" + r));
      if (codec === "msgpack") {
        const pinged = once<[number]>(socket, "probe");
        eio.send(encode({ type: 2, nsp: "/", data: ["disconnect", "fake"] }));
        eio.send(encode({ type: 2, nsp: "/", data: ["probe", 1] }));
        await pinged;
        assert.deepEqual(reasons, []); // ignored, connection still fine
        assert.equal(socket.connected, true);
      } else {
        eio.send('2["disconnect","fake"]');
        await once(socket, "disconnect");
        assert.deepEqual(reasons, ["disconnecting:forced close", "forced close"]);
      }
      eio.close();
    } finally {
      await h.cleanup();
    }
  }
});
