// Connection state recovery: after a transport drop the client gets back its id, rooms,
// data and the broadcasts it missed; middleware is skipped by default; expired sessions
// are not recovered; offsets appear only when the feature is on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MATRIX, connected, once, sleep, start } from "./helpers";

for (const { backend, transport } of MATRIX) {
  test(`recovers id, rooms, data and missed packets (${backend}/${transport})`, async () => {
    const h = await start(backend, { connectionStateRecovery: {} }, transport);
    try {
      let middlewareRuns = 0;
      h.io.use((_s, next) => {
        middlewareRuns++;
        next();
      });
      const conn = once<[any]>(h.io, "connection");
      const client = h.client("/", { reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 20 });
      await connected(client);
      const [socket] = await conn;
      assert.equal(socket.recovered, false);
      socket.join("r");
      socket.data = { user: "ann" };
      const got: unknown[] = [];
      client.on("m", (v: unknown) => got.push(v));
      const first = once(client, "m");
      h.io.emit("m", "before");
      await first;

      const serverGone = once<[string]>(socket, "disconnect");
      (client.io as any).engine.close(); // a transport drop, not a client disconnect
      assert.equal((await serverGone)[0], "transport close");
      h.io.to("r").emit("m", "missed-room");
      h.io.emit("m", "missed-all");
      h.io.to("other").emit("m", "not-for-me");

      const reconn = once<[any]>(h.io, "connection");
      await once(client, "connect");
      const [again] = await reconn;
      assert.equal(client.recovered, true);
      assert.equal(again.recovered, true);
      assert.equal(again.id, socket.id);
      assert.ok(again.rooms.has("r"));
      assert.deepEqual(again.data, { user: "ann" });
      assert.equal(middlewareRuns, 1);
      await sleep(30);
      assert.deepEqual(got, ["before", "missed-room", "missed-all"]);
      // the room still works after recovery
      const after = once<[string, string]>(client, "m");
      h.io.to("r").emit("m", "after");
      const [text, offset] = await after;
      assert.equal(text, "after");
      assert.equal(typeof offset, "string"); // the offset rides last, as with upstream
    } finally {
      await h.cleanup();
    }
  });
}

test("skipMiddlewares: false runs middleware again on recovery", async () => {
  const h = await start("uws", { connectionStateRecovery: { skipMiddlewares: false } });
  try {
    let runs = 0;
    h.io.use((_s, next) => {
      runs++;
      next();
    });
    const conn = once<[any]>(h.io, "connection");
    const client = h.client("/", { reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 20 });
    await connected(client);
    const [socket] = await conn;
    const m = once(client, "m");
    h.io.emit("m", 1); // gives the client an offset
    await m;
    const gone = once(socket, "disconnect");
    (client.io as any).engine.close();
    await gone;
    await once(client, "connect");
    assert.equal(client.recovered, true);
    assert.equal(runs, 2);
  } finally {
    await h.cleanup();
  }
});

test("an expired session is not recovered", async () => {
  const h = await start("node", { connectionStateRecovery: { maxDisconnectionDuration: 10 } });
  try {
    const conn = once<[any]>(h.io, "connection");
    const client = h.client("/", { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 100 });
    await connected(client);
    const [socket] = await conn;
    const m = once(client, "m");
    h.io.emit("m", 1);
    await m;
    const gone = once(socket, "disconnect");
    (client.io as any).engine.close();
    await gone;
    const reconn = once<[any]>(h.io, "connection");
    await once(client, "connect");
    const [again] = await reconn;
    assert.equal(client.recovered, false);
    assert.equal(again.recovered, false);
    assert.notEqual(again.id, socket.id);
  } finally {
    await h.cleanup();
  }
});

test("offsets are appended only when recovery is on", async () => {
  const off = await start("uws");
  const on = await start("uws", { connectionStateRecovery: {} });
  try {
    for (const [h, expectOffset] of [[off, false], [on, true]] as const) {
      const conn = once<[any]>(h.io, "connection");
      const client = h.client();
      await connected(client);
      const [socket] = await conn;
      const raw: unknown[][] = [];
      client.onAny((...args: unknown[]) => raw.push(args));
      const got = once(client, "x");
      h.io.emit("x", 1);
      socket.emit("x", 2);
      await got;
      await sleep(20);
      // with recovery, each EVENT carries its offset as last argument (upstream format)
      assert.equal(typeof (client as any)._lastOffset === "string", expectOffset);
      assert.deepEqual(raw.map((a) => a.slice(0, 2)), [["x", 1], ["x", 2]]);
      assert.deepEqual(raw.map((a) => a.length), expectOffset ? [3, 3] : [2, 2]);
      assert.equal(socket.pid !== undefined, expectOffset);
    }
  } finally {
    await off.cleanup();
    await on.cleanup();
  }
});
