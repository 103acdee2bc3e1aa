import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { WebSocket } from "ws";
import type { ConnectionError } from "../../src/engine";
import { connect, expectIdle, nextConnection, startNode, startUws } from "./helpers";

for (const backend of ["uws", "node"] as const) {
  test(`${backend}: middlewares run on requests and upgrades, in order, and decorate socket.request`, async () => {
    const srv = backend === "uws" ? await startUws() : await startNode();
    try {
      const order: string[] = [];
      srv.engine.use((req, res, next) => {
        order.push(`a:${req._query.transport}`);
        req.user = "alice";
        res.setHeader("x-mw", "1");
        next();
      });
      srv.engine.use(async (_req, _res, next) => {
        await new Promise((r) => setTimeout(r, 2));
        order.push("b");
        next();
      });
      const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-mw"), "1");
      await res.text();
      assert.deepEqual(order, ["a:polling", "b"]);

      const conn = nextConnection(srv.engine);
      const client = await connect(srv.url, { transports: ["websocket"] });
      const socket = await conn;
      assert.equal(socket.request.user, "alice");
      assert.deepEqual(order.slice(2), ["a:websocket", "b"]);
      client.close();
    } finally {
      await srv.close();
    }
    await expectIdle(srv.engine);
  });

  test(`${backend}: a failing middleware answers 400 MIDDLEWARE_FAILURE; one may answer itself`, async () => {
    const srv = backend === "uws" ? await startUws() : await startNode();
    try {
      const errors: ConnectionError[] = [];
      srv.engine.on("connection_error", (e) => errors.push(e));
      srv.engine.use((req, res, next) => {
        if (req.headers["x-mode"] === "throw") throw new Error("boom");
        if (req.headers["x-mode"] === "next-error") return next(new Error("bad"));
        if (req.headers["x-mode"] === "deny") {
          res.writeHead(401, { "content-type": "text/plain" });
          res.end("no");
          return;
        }
        next();
      });
      for (const mode of ["throw", "next-error"]) {
        const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, { headers: { "x-mode": mode } });
        assert.equal(res.status, 400, mode);
        assert.deepEqual(await res.json(), { code: 3, message: "Bad request" });
        assert.equal(errors.pop()?.context.name, "MIDDLEWARE_FAILURE");
      }
      const denied = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, { headers: { "x-mode": "deny" } });
      assert.equal(denied.status, 401);
      assert.equal(await denied.text(), "no");
      for (const mode of ["throw", "deny"]) {
        const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`, { headers: { "x-mode": mode } });
        ws.on("error", () => {});
        const [, res] = (await once(ws, "unexpected-response")) as [unknown, { statusCode: number }];
        assert.equal(res.statusCode, mode === "throw" ? 400 : 401);
        ws.terminate();
      }
      assert.equal(srv.engine.clientsCount, 0);
      assert.throws(() => srv.engine.use("nope" as never), /"use"/);
    } finally {
      await srv.close();
    }
    await expectIdle(srv.engine);
  });
}
