// The engine.io 6 members for apps that route node:http traffic themselves:
// engine.handleRequest / engine.handleUpgrade (no attach), engine.ws, engine.upgrades,
// socket.getAvailableUpgrades, driven by the official client.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { Server, ServerOptions } from "../../src/engine";
import { connect, expectIdle, nextConnection, startNode, startUws, waitUntil } from "./helpers";

/** An http.Server that hands `prefix` to the engine itself, as an app would without attach. */
async function startRouted(opts: ServerOptions = {}, prefix = "/engine.io/") {
  const engine = new Server(opts);
  const httpServer = http.createServer((req, res) => {
    if (req.url?.startsWith(prefix)) return engine.handleRequest(req, res);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`app: ${req.url}`);
  });
  httpServer.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith(prefix)) engine.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  httpServer.listen(0, "127.0.0.1");
  await once(httpServer, "listening");
  const port = (httpServer.address() as { port: number }).port;
  return {
    engine,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      engine.close();
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    },
  };
}

for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
  test(`handleRequest/handleUpgrade without attach, ${transports.join("+")}: messages both ways, close`, async () => {
    const srv = await startRouted({}, "/custom/");
    try {
      const conn = nextConnection(srv.engine);
      const client = await connect(srv.url, { path: "/custom/", transports });
      const socket = await conn;
      if (transports.length === 2) {
        await once(socket, "upgrade");
        assert.equal(socket.transport.name, "websocket");
      }
      const got: unknown[] = [];
      socket.on("message", (m) => got.push(m));
      client.send("hi");
      client.send(Buffer.from([1, 2]));
      await waitUntil(() => got.length === 2);
      assert.deepEqual(got, ["hi", Buffer.from([1, 2])]);
      const back: unknown[] = [];
      client.on("message", (m) => back.push(m));
      socket.send("yo");
      await waitUntil(() => back.length === 1);
      assert.equal(back[0], "yo");
      // Sessions served through node:http are not uWS subscribers.
      assert.equal(srv.engine.supportsPublish, false);
      const other = await fetch(`${srv.url}/api`);
      assert.equal(await other.text(), "app: /api");
      const closed = once(socket, "close");
      client.close();
      assert.equal((await closed)[0], "transport close");
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test("handleRequest/handleUpgrade: errors, connection_error and middlewares as upstream", async () => {
  const srv = await startRouted();
  try {
    const errors: Array<{ code: number; context: Record<string, unknown> }> = [];
    srv.engine.on("connection_error", (e) => errors.push(e));
    const seen: string[] = [];
    srv.engine.use((req: http.IncomingMessage & { tag?: string }, _res, next) => {
      seen.push(req.url!.includes("transport=websocket") ? "upgrade" : "request");
      req.tag = "from-middleware";
      next();
    });
    const bad = await fetch(`${srv.url}/engine.io/?EIO=4&transport=carrier-pigeon`);
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { code: 0, message: "Transport unknown" });
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket&sid=nope`);
    ws.on("error", () => {});
    const [, res] = (await once(ws, "unexpected-response")) as [unknown, http.IncomingMessage];
    assert.equal(res.statusCode, 400);
    res.resume();
    ws.terminate();
    assert.deepEqual(
      errors.map((e) => e.code),
      [0, 1],
    );
    // A good session sees the middleware's decoration on both kinds of request.
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["polling", "websocket"] });
    const socket = await conn;
    await once(socket, "upgrade");
    assert.equal(socket.request.tag, "from-middleware");
    assert.ok(seen.includes("request") && seen.includes("upgrade"), seen.join());
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("engine.ws: the ws server node:http upgrades go through (attach or handleUpgrade)", async () => {
  for (const start of [startRouted, startNode]) {
    const srv = await start();
    try {
      const wss = srv.engine.ws;
      assert.ok(wss instanceof WebSocketServer);
      assert.equal(srv.engine.ws, wss, "one instance per engine");
      wss.on("headers", (lines: string[]) => lines.push("x-from-ws-listener: yes"));
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
      const firstMessage = once(ws, "message");
      const [res] = (await once(ws, "upgrade")) as [http.IncomingMessage];
      assert.equal(res.headers["x-from-ws-listener"], "yes");
      const [open] = await firstMessage;
      assert.equal(String(open)[0], "0");
      await waitUntil(() => srv.engine.clientsCount === 1);
      ws.close();
      await expectIdle(srv.engine);
      // close() closes it; the http server still runs, so the next upgrade gets a new one.
      srv.engine.close();
      const conn = nextConnection(srv.engine);
      const client = await connect(srv.url, { transports: ["websocket"] });
      await conn;
      assert.notEqual(srv.engine.ws, wss);
      client.close();
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  }
  const pollingOnly = new Server({ transports: ["polling"] });
  assert.equal(pollingOnly.ws, undefined);
  // Reading engine.ws on a uWS engine serves nothing through node: publish stays on.
  const uws = await startUws();
  try {
    assert.ok(uws.engine.ws instanceof WebSocketServer);
    assert.equal(uws.engine.supportsPublish, true);
  } finally {
    await uws.close();
  }
});

test("engine.upgrades(transport) and socket.getAvailableUpgrades() as upstream", async () => {
  assert.deepEqual(new Server().upgrades("polling"), ["websocket"]);
  assert.deepEqual(new Server().upgrades("websocket"), []);
  assert.deepEqual(new Server().upgrades("nope"), []);
  assert.deepEqual(new Server({ allowUpgrades: false }).upgrades("polling"), []);
  // Not filtered by the transports option (the socket's list is).
  assert.deepEqual(new Server({ transports: ["polling"] }).upgrades("polling"), ["websocket"]);

  for (const [opts, expected] of [
    [{}, ["websocket"]],
    [{ transports: ["polling"] }, []],
    [{ allowUpgrades: false }, []],
  ] as Array<[ServerOptions, string[]]>) {
    const srv = await startNode(opts);
    try {
      const conn = nextConnection(srv.engine);
      const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
      const handshake = JSON.parse((await res.text()).slice(1)) as { upgrades: string[] };
      const socket = await conn;
      assert.deepEqual(socket.getAvailableUpgrades(), expected);
      // The handshake advertised the same list.
      assert.deepEqual(handshake.upgrades, expected);
      socket.close(true);
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  }
  // Once on WebSocket there is nothing left to upgrade to.
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["polling", "websocket"] });
    const socket = await conn;
    assert.deepEqual(socket.getAvailableUpgrades(), ["websocket"]);
    await once(socket, "upgrade");
    assert.deepEqual(socket.getAvailableUpgrades(), []);
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
