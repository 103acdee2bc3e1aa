// The three middleware chains (engine `use`, namespace `use`, socket `use`) run through one
// runner (src/util/run-chain.ts): each stops at an error passed to next, thrown, or
// rejected by an async middleware, on both backends, and a middleware calling next twice
// runs the rest once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connected, httpGet, MATRIX, once, sleep, start } from "./helpers";

for (const { backend, transport } of MATRIX) {
  const where = `${backend}, ${transport}`;

  test(`namespace middleware: an async middleware that rejects refuses the connection (${where})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      h.io.use(async () => {
        throw Object.assign(new Error("not today"), { data: { code: 7 } });
      });
      const [err] = await once<[Error & { data?: unknown }]>(h.client(), "connect_error");
      assert.equal(err.message, "not today");
      assert.deepEqual(err.data, { code: 7 });
    } finally {
      await h.cleanup();
    }
  });

  test(`namespace middleware: next called twice runs the next middleware once (${where})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      let second = 0;
      h.io.use((_s, next) => {
        next();
        next();
      });
      h.io.use((_s, next) => {
        second++;
        next();
      });
      await connected(h.client());
      await sleep(20);
      assert.equal(second, 1);
    } finally {
      await h.cleanup();
    }
  });

  test(`socket middleware: a rejection or a throw reaches the socket's "error" listener, not the event listener (${where})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      const errors: string[] = [];
      const delivered: string[] = [];
      h.io.on("connection", (socket) => {
        socket.use(async ([event], next) => {
          if (event === "async-bad") throw new Error("async refused");
          next();
        });
        socket.use(([event], next) => {
          if (event === "sync-bad") throw new Error("sync refused");
          next();
        });
        socket.on("error", (err) => errors.push(err.message));
        // (catch-all listeners run before the middleware, as upstream: listen by name)
        for (const name of ["async-bad", "sync-bad", "fine"]) socket.on(name, () => delivered.push(name));
      });
      const c = h.client();
      await connected(c);
      c.emit("async-bad");
      c.emit("sync-bad");
      c.emit("fine");
      await sleep(100);
      assert.deepEqual(errors.sort(), ["async refused", "sync refused"]);
      assert.deepEqual(delivered, ["fine"]);
    } finally {
      await h.cleanup();
    }
  });
}

for (const backend of ["uws", "node"] as const) {
  test(`engine middleware: throwing a falsy value still refuses the request with 400 (${backend})`, async () => {
    const h = await start(backend);
    try {
      h.io.engine.use(() => {
        // eslint-disable-next-line no-throw-literal
        throw 0;
      });
      const res = await httpGet(`http://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=polling`);
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.body.toString()).code, 3);
    } finally {
      await h.cleanup();
    }
  });
}
