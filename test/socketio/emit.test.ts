// Emitting: acks both ways, timeouts, emitWithAck, broadcast acks from every recipient,
// binary payloads, reserved names, send/write, catch-all listeners, per-packet middleware.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MATRIX, connected, once, sleep, start, type Harness } from "./helpers";

async function pair(h: Harness, nsp = "/") {
  const conn = once<[any]>(h.io.of(nsp), "connection");
  const client = h.client(nsp);
  await connected(client);
  const [socket] = await conn;
  return { client, socket };
}

for (const { backend, transport } of MATRIX) {
  test(`acks, timeouts and binary (${backend}/${transport})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      const { client, socket } = await pair(h);

      // binary both ways, nested in objects
      socket.on("upload", (meta: any, ack: (r: unknown) => void) => ack({ size: meta.file.length, echo: meta.file }));
      const res: any = await client.timeout(2000).emitWithAck("upload", { file: Buffer.from([0, 1, 2, 3]) });
      assert.equal(res.size, 4);
      assert.deepEqual([...Buffer.from(res.echo)], [0, 1, 2, 3]);

      const bin = once<[any, Buffer]>(client, "bin");
      socket.emit("bin", { n: 1 }, Buffer.from("héllo"));
      const [obj, buf] = await bin;
      assert.deepEqual(obj, { n: 1 });
      assert.equal(Buffer.from(buf).toString(), "héllo");

      // plain callback ack without timeout
      client.on("question", (q: string, cb: (a: string) => void) => cb(q.toUpperCase()));
      const answer = await new Promise((resolve) => socket.emit("question", "why", resolve));
      assert.equal(answer, "WHY");

      // a client that never answers -> timeout error
      client.on("silent", () => {});
      await assert.rejects(socket.timeout(50).emitWithAck("silent"), /operation has timed out/);
      const viaCb = await new Promise<unknown[]>((resolve) => socket.timeout(50).emit("silent", (...args: unknown[]) => resolve(args)));
      assert.match(String(viaCb[0]), /operation has timed out/);
      assert.equal(socket.acks.size, 0);

      // with a timeout and an answer: err is null
      const ok = await new Promise<unknown[]>((resolve) => socket.timeout(2000).emit("question", "ok", (...args: unknown[]) => resolve(args)));
      assert.deepEqual(ok, [null, "OK"]);
    } finally {
      await h.cleanup();
    }
  });

  test(`broadcast acks collect one answer per recipient (${backend}/${transport})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      const a = await pair(h);
      const b = await pair(h);
      const c = await pair(h);
      a.client.on("vote", (cb: (v: string) => void) => cb("a"));
      b.client.on("vote", (cb: (v: string) => void) => cb("b"));
      c.client.on("vote", () => {}); // never answers
      a.socket.join("voters");
      b.socket.join("voters");
      const answers = await h.io.to("voters").timeout(2000).emitWithAck("vote");
      assert.deepEqual([...answers].sort(), ["a", "b"]);
      // with a silent recipient: error, partial answers attached
      const err: any = await h.io.timeout(100).emitWithAck("vote").catch((e) => e);
      assert.match(err.message, /operation has timed out/);
      assert.deepEqual([...err.responses].sort(), ["a", "b"]);
      // no recipient: resolves at once with []
      assert.deepEqual(await h.io.to("nobody").timeout(1000).emitWithAck("vote"), []);
      // socket.broadcast with ack excludes the sender
      const fromA = await a.socket.broadcast.timeout(100).emitWithAck("vote").catch((e: any) => e.responses);
      assert.deepEqual(fromA, ["b"]);
    } finally {
      await h.cleanup();
    }
  });
}

test("reserved event names throw; send/write emit 'message'", async () => {
  const h = await start("uws");
  try {
    const { client, socket } = await pair(h);
    for (const name of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
      assert.throws(() => socket.emit(name), /reserved event name/);
      assert.throws(() => h.io.emit(name), /reserved event name/);
      assert.throws(() => h.io.to("x").emit(name), /reserved event name/);
    }
    assert.throws(() => h.io.serverSideEmit("connection"), /reserved event name/);
    const got: unknown[] = [];
    client.on("message", (...args: unknown[]) => got.push(args));
    socket.send("one");
    socket.write("two");
    h.io.send("three");
    h.io.write("four");
    await sleep(50);
    const done = once(client, "end");
    socket.emit("end");
    await done;
    assert.deepEqual(got, [["one"], ["two"], ["three"], ["four"]]);
  } finally {
    await h.cleanup();
  }
});

test("onAny / prependAny / offAny and outgoing variants", async () => {
  const h = await start("uws");
  try {
    const { client, socket } = await pair(h);
    const order: string[] = [];
    const first = (ev: string) => order.push("first:" + ev);
    const any = (ev: string, ...args: unknown[]) => order.push("any:" + ev + ":" + JSON.stringify(args));
    socket.onAny(any);
    socket.prependAny(first);
    socket.on("ping2", () => order.push("listener"));
    assert.deepEqual(socket.listenersAny(), [first, any]);
    const done = once(socket, "ping2");
    client.emit("ping2", 1);
    await done;
    await sleep(5);
    assert.deepEqual(order, ["first:ping2", 'any:ping2:[1]', "listener"]);
    socket.offAny(first);
    assert.deepEqual(socket.listenersAny(), [any]);
    socket.offAny();
    assert.deepEqual(socket.listenersAny(), []);

    const out: unknown[][] = [];
    const outListener = (...args: unknown[]) => out.push(args);
    socket.onAnyOutgoing(outListener);
    socket.emit("direct", 1);
    h.io.emit("broadcast", 2); // reaches the socket through the adapter
    h.io.to("nobody").emit("none", 3);
    assert.deepEqual(out, [["direct", 1], ["broadcast", 2]]);
    assert.deepEqual(socket.listenersAnyOutgoing(), [outListener]);
    socket.offAnyOutgoing(outListener);
    socket.emit("after", 4);
    assert.equal(out.length, 2);
    const p = socket.prependAnyOutgoing(outListener);
    assert.equal(p, socket);
  } finally {
    await h.cleanup();
  }
});

test("per-packet middleware: can refuse an event (error event) and see args", async () => {
  const h = await start("node");
  try {
    const { client, socket } = await pair(h);
    socket.use(([event, ...args]: [string, ...unknown[]], next: (err?: Error) => void) => {
      if (event === "forbidden") return next(new Error("not allowed"));
      if (event === "count") args[0] = (args[0] as number) + 1;
      next();
    });
    const errored = once<[Error]>(socket, "error");
    socket.on("forbidden", () => assert.fail("must not run"));
    client.emit("forbidden");
    assert.equal((await errored)[0].message, "not allowed");
    const counted = once<[number]>(socket, "count");
    client.emit("count", 1);
    assert.deepEqual(await counted, [1]);
  } finally {
    await h.cleanup();
  }
});

for (const backend of ["uws", "node"] as const) {
  test(`volatile emits are dropped while a polling client has no pending request, others delivered (${backend})`, async () => {
    const h = await start(backend, {}, "polling");
    try {
      const { client, socket } = await pair(h);
      const got: number[] = [];
      client.on("v", (n: number) => got.push(n));
      // After a flush answers the pending GET, the polling transport is not writable until
      // the client polls again (which needs the event loop, so not before we yield to I/O).
      socket.emit("v", 1);
      for (let i = 0; i < 10 && socket.conn.transport.writable; i++) await Promise.resolve();
      assert.equal(socket.conn.transport.writable, false);
      socket.volatile.emit("v", 2); // dropped
      h.io.volatile.emit("v", 3); // dropped (broadcast path)
      socket.emit("v", 4); // buffered, never dropped
      const done = once(client, "end");
      socket.emit("end");
      await done;
      assert.deepEqual(got, [1, 4]);
      // volatile broadcast API exists and delivers to a writable WebSocket client
      const ws = h.client("/", { transports: ["websocket"] });
      await connected(ws);
      const v = once<[string]>(ws, "vb");
      h.io.volatile.emit("vb", "x");
      assert.deepEqual(await v, ["x"]);
    } finally {
      await h.cleanup();
    }
  });
}

test("compress flag and chaining return the right objects", async () => {
  const h = await start("uws");
  try {
    const { client, socket } = await pair(h);
    assert.equal(socket.compress(false), socket);
    assert.equal(socket.volatile, socket);
    const op = h.io.to("a");
    const op2 = op.except("b");
    assert.notEqual(op, op2); // immutable
    const got = once<[number]>(client, "c");
    socket.compress(true).emit("c", 1);
    assert.deepEqual(await got, [1]);
    assert.throws(() => socket.timeout(-1), /timeout/);
  } finally {
    await h.cleanup();
  }
});
