// Namespaces: static and dynamic (regex / function), middleware and CONNECT_ERROR data,
// Invalid namespace, new_namespace, parent broadcasts, child cleanup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MATRIX, connected, once, start } from "./helpers";
import { ParentNamespace } from "../../src/index";

for (const { backend, transport } of MATRIX) {
  test(`middleware refusal reaches connect_error with data (${backend}/${transport})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      h.io.use((socket, next) => {
        if (socket.handshake.auth.token === "good") return next();
        const err = new Error("unauthorized") as Error & { data?: unknown };
        err.data = { reason: "bad token", code: 401 };
        next(err);
      });
      const bad = h.client("/", { auth: { token: "bad" } });
      const [err] = await once<[Error & { data?: any }]>(bad, "connect_error");
      assert.equal(err.message, "unauthorized");
      assert.deepEqual(err.data, { reason: "bad token", code: 401 });
      assert.equal(h.io.sockets.sockets.size, 0);

      const good = h.client("/", { auth: { token: "good" } });
      await connected(good);
      assert.equal(h.io.sockets.sockets.size, 1);
      const [s] = [...h.io.sockets.sockets.values()];
      assert.deepEqual(s.handshake.auth, { token: "good" });
    } finally {
      await h.cleanup();
    }
  });

  test(`custom namespace and Invalid namespace (${backend}/${transport})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      const chat = h.io.of("/chat");
      const conn = once<[any]>(chat, "connection");
      const client = h.client("/chat");
      await connected(client);
      const [socket] = await conn;
      assert.equal(socket.nsp, chat);
      assert.equal(h.io.sockets.sockets.size, 0);
      const msg = once<[string]>(client, "hello");
      chat.emit("hello", "chat only");
      assert.deepEqual(await msg, ["chat only"]);

      const nowhere = h.client("/nowhere");
      const [err] = await once<[Error]>(nowhere, "connect_error");
      assert.equal(err.message, "Invalid namespace");
    } finally {
      await h.cleanup();
    }
  });
}

test("middleware that throws becomes CONNECT_ERROR, server keeps running", async () => {
  const h = await start("uws");
  try {
    h.io.of("/boom").use(() => {
      throw new Error("kaboom");
    });
    const c = h.client("/boom");
    const [err] = await once<[Error]>(c, "connect_error");
    assert.equal(err.message, "kaboom");
    const ok = h.client("/");
    await connected(ok);
  } finally {
    await h.cleanup();
  }
});

test("middleware chain runs in order and may be async", async () => {
  const h = await start("node");
  try {
    const order: number[] = [];
    h.io.use((socket, next) => {
      order.push(1);
      socket.data.user = "alice";
      setTimeout(next, 5);
    });
    h.io.use((socket, next) => {
      order.push(2);
      next();
    });
    const conn = once<[any]>(h.io, "connection");
    const c = h.client();
    await connected(c);
    const [socket] = await conn;
    assert.deepEqual(order, [1, 2]);
    assert.equal(socket.data.user, "alice");
  } finally {
    await h.cleanup();
  }
});

for (const backend of ["uws", "node"] as const) {
  test(`dynamic namespaces by regex: children, new_namespace, parent broadcast (${backend})`, async () => {
    const h = await start(backend);
    try {
      const created: string[] = [];
      h.io.on("new_namespace", (nsp: any) => created.push(nsp.name));
      const parent = h.io.of(/^\/dyn-\d+$/);
      assert.ok(parent instanceof ParentNamespace);
      const seen: string[] = [];
      parent.use((socket, next) => {
        seen.push("mw:" + socket.nsp.name);
        next();
      });
      parent.on("connection", (socket: any) => seen.push("conn:" + socket.nsp.name));
      const c1 = h.client("/dyn-1");
      const c2 = h.client("/dyn-2");
      await Promise.all([connected(c1), connected(c2)]);
      assert.deepEqual(created.sort(), ["/dyn-1", "/dyn-2"]);
      assert.deepEqual(seen.filter((s) => s.startsWith("mw")).sort(), ["mw:/dyn-1", "mw:/dyn-2"]);
      assert.deepEqual(seen.filter((s) => s.startsWith("conn")).sort(), ["conn:/dyn-1", "conn:/dyn-2"]);
      const got = Promise.all([once<[string]>(c1, "all"), once<[string]>(c2, "all")]);
      parent.emit("all", "x");
      assert.deepEqual(await got, [["x"], ["x"]]);
      // a name not matching is refused
      const bad = h.client("/dyn-x");
      const [err] = await once<[Error]>(bad, "connect_error");
      assert.equal(err.message, "Invalid namespace");
      // io.of(name) on a matching name returns the child
      assert.equal(h.io.of("/dyn-1").name, "/dyn-1");
      assert.throws(() => parent.fetchSockets(), /not supported on parent namespaces/);
    } finally {
      await h.cleanup();
    }
  });
}

test("dynamic namespaces by function, async decision with auth", async () => {
  const h = await start("uws");
  try {
    h.io.of((name, auth, next) => {
      setTimeout(() => next(null, name.startsWith("/team-") && auth.member === true), 2);
    });
    const yes = h.client("/team-a", { auth: { member: true } });
    await connected(yes);
    const no = h.client("/team-b", { auth: { member: false } });
    const [err] = await once<[Error]>(no, "connect_error");
    assert.equal(err.message, "Invalid namespace");
  } finally {
    await h.cleanup();
  }
});

test("cleanupEmptyChildNamespaces removes a child when its last socket leaves", async () => {
  const h = await start("uws", { cleanupEmptyChildNamespaces: true });
  try {
    h.io.of(/^\/tmp-\w+$/);
    const c = h.client("/tmp-a");
    await connected(c);
    assert.ok(h.io._nsps.has("/tmp-a"));
    const nsp = h.io._nsps.get("/tmp-a")!;
    const [socket] = [...nsp.sockets.values()];
    const left = once(socket, "disconnect");
    c.disconnect();
    await left;
    assert.equal(h.io._nsps.has("/tmp-a"), false);
  } finally {
    await h.cleanup();
  }
});

test("one connection, several namespaces; disconnect(true) closes them all", async () => {
  const h = await start("uws");
  try {
    h.io.of("/a");
    const main = h.client("/", { forceNew: false, multiplex: true });
    await connected(main);
    const a = (main.io as any).socket("/a");
    await connected(a);
    assert.equal(h.io.engine.clientsCount, 1);
    const [sa] = [...h.io.of("/a").sockets.values()];
    const [sm] = [...h.io.sockets.sockets.values()];
    assert.equal(sa.conn, sm.conn);
    const r1 = once<[string]>(sa, "disconnect");
    const r2 = once<[string]>(sm, "disconnect");
    sm.disconnect(true);
    const [[ra], [rm]] = await Promise.all([r1, r2]);
    assert.equal(rm, "server namespace disconnect");
    assert.equal(ra, "server namespace disconnect");
    a.disconnect();
  } finally {
    await h.cleanup();
  }
});

test("a middleware that never calls next() releases the socket when the client leaves", async () => {
  const h = await start("uws");
  try {
    let pending: any;
    h.io.use((socket) => {
      pending = socket; // never calls next
    });
    const c = h.client();
    while (!pending) await new Promise((r) => setTimeout(r, 5));
    assert.equal(h.io.sockets._preConnectSockets.size, 1);
    c.disconnect();
    const { sleep } = await import("./helpers");
    for (let i = 0; i < 100 && h.io.sockets._preConnectSockets.size; i++) await sleep(10);
    assert.equal(h.io.sockets._preConnectSockets.size, 0);
  } finally {
    await h.cleanup();
  }
});

for (const backend of ["uws", "node"] as const) {
  test(`middleware may join rooms and emit before the connection completes (${backend})`, async () => {
    const h = await start(backend, { connectionStateRecovery: {} });
    try {
      h.io.use((socket, next) => {
        socket.join("from-middleware");
        socket.emit("early", "hello");
        next();
      });
      const early = new Promise<string>((resolve) => {
        const c = h.client();
        c.on("early", resolve);
        (h as any).lastClient = c;
      });
      const conn = once<[any]>(h.io, "connection");
      const [socket] = await conn;
      assert.equal(await early, "hello");
      assert.ok(socket.rooms.has("from-middleware"));
      const c2 = h.client();
      await connected(c2);
      const got = once<[string]>((h as any).lastClient, "room");
      h.io.to("from-middleware").emit("room", "yes");
      assert.equal((await got)[0], "yes");
    } finally {
      await h.cleanup();
    }
  });
}

test("disconnect() inside the connection handler", async () => {
  const h = await start("uws");
  try {
    h.io.on("connection", (socket: any) => socket.disconnect());
    const c = h.client();
    const [reason] = await once<[string]>(c, "disconnect");
    assert.equal(reason, "io server disconnect");
    assert.equal(h.io.sockets.sockets.size, 0);
  } finally {
    await h.cleanup();
  }
});
