import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, expectIdle, startUws, waitUntil } from "./helpers";

test("many sessions on every transport open, exchange and close without leftovers", async () => {
  const srv = await startUws({ pingInterval: 100, pingTimeout: 2000 });
  try {
    let messages = 0;
    srv.engine.on("connection", (s) => {
      s.on("message", (m) => {
        messages++;
        s.send(m);
      });
    });
    const kinds = [["polling"], ["websocket"], ["polling", "websocket"]];
    const clients = await Promise.all(
      Array.from({ length: 60 }, (_, i) => connect(srv.url, { transports: kinds[i % 3] })),
    );
    assert.equal(srv.engine.clientsCount, 60);
    let echoes = 0;
    for (const c of clients) {
      c.on("message", () => echoes++);
      c.send("ping?");
    }
    await waitUntil(() => echoes === 60, 5000, "echoes");
    assert.equal(messages, 60);
    // Half close from the client, half from the server.
    clients.slice(0, 30).forEach((c) => c.close());
    for (const s of [...srv.engine.clients.values()].slice(0, 30)) s.close();
    await waitUntil(() => srv.engine.clientsCount <= 30, 5000, "first half closed");
    clients.forEach((c) => c.close());
    await expectIdle(srv.engine, 5000);
  } finally {
    await srv.close();
  }
});
