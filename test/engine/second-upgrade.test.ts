// A second WebSocket naming a session that has upgraded already (or is upgrading): upstream
// engine.io 6 accepts it (101) and closes it at once with no status code, so a client's `ws`
// sees a close (1005), never "Unexpected server response: 400". Parity with upstream on
// hyperio's two backends; the original session keeps working.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type net from "node:net";
import { Socket as ClientSocket } from "engine.io-client";
import { WebSocket } from "ws";
import { Server as EngineServer } from "../../src/engine";

type Kind = "upstream" | "node" | "uws";

interface Started {
  port: number;
  close(): Promise<void>;
}

/** An engine echoing every message, as upstream engine.io on node:http, or hyperio on either backend. */
async function start(kind: Kind): Promise<Started> {
  const echo = (engine: { on(ev: "connection", fn: (s: any) => void): unknown }): void => {
    engine.on("connection", (socket) => socket.on("message", (data: unknown) => socket.send(data)));
  };
  if (kind === "uws") {
    const engine = new EngineServer();
    echo(engine);
    const port = await engine.listen(0, { host: "127.0.0.1" });
    return { port, close: async () => void engine.close() };
  }
  const httpServer = http.createServer();
  let engine: { close(): unknown };
  if (kind === "upstream") {
    const { Server } = await import("engine.io");
    const e = new Server();
    e.attach(httpServer);
    echo(e);
    engine = e;
  } else {
    const e = new EngineServer();
    e.attach(httpServer);
    echo(e);
    engine = e;
  }
  httpServer.listen(0, "127.0.0.1");
  await once(httpServer, "listening");
  return {
    port: (httpServer.address() as net.AddressInfo).port,
    close: async () => {
      engine.close();
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    },
  };
}

/** The next `event` of an engine.io-client socket (a component-emitter, not an EventEmitter). */
function nextEvent(client: ClientSocket, event: "open" | "upgrade" | "message"): Promise<unknown[]> {
  return new Promise((resolve) => client.once(event, (...args: unknown[]) => resolve(args)));
}

/** Safety net for awaited events (a hang fails the test instead of stalling the run). */
function within<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]);
}

/**
 * Opens a WebSocket for `sid` and records what its client sees until it closes: the HTTP
 * status, open, messages (it sends a probe once open, as a client would), close code/reason.
 */
function secondWebSocket(port: number, sid: string): Promise<unknown[]> {
  return within(
    new Promise((resolve) => {
      const log: unknown[] = [];
      const ws = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
      ws.on("upgrade", (res) => log.push(["status", res.statusCode]));
      ws.on("unexpected-response", (_req, res) => {
        log.push(["unexpected-response", res.statusCode, res.headers.connection]);
        resolve(log);
      });
      ws.on("open", () => {
        log.push("open");
        ws.send("2probe");
      });
      ws.on("message", (d) => log.push(["message", String(d)]));
      ws.on("error", (e) => log.push(["error", e.message]));
      ws.on("close", (code, reason) => {
        log.push(["close", code, String(reason)]);
        resolve(log);
      });
    }),
    "the second WebSocket to close",
  );
}

/** A session upgraded by engine.io-client; a second WebSocket for it; then the session still echoes. */
async function afterUpgrade(kind: Kind): Promise<unknown[]> {
  const srv = await start(kind);
  const client = new ClientSocket(`http://127.0.0.1:${srv.port}`, {});
  try {
    await within(nextEvent(client, "upgrade"), "the client's upgrade");
    const seen = await secondWebSocket(srv.port, client.id!);
    client.send("still here");
    const [echo] = await within(nextEvent(client, "message"), "the echo");
    return [...seen, ["session", client.transport.name, echo]];
  } finally {
    client.close();
    await srv.close();
  }
}

/** A session with an upgrade in progress (probe answered, no upgrade packet yet). */
async function duringUpgrade(kind: Kind): Promise<unknown[]> {
  const srv = await start(kind);
  const client = new ClientSocket(`http://127.0.0.1:${srv.port}`, { transports: ["polling"] });
  let first: WebSocket | undefined;
  try {
    await within(nextEvent(client, "open"), "the polling session");
    first = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket&sid=${client.id}`);
    first.on("error", () => {});
    await within(once(first, "open"), "the first WebSocket");
    first.send("2probe");
    const [probe] = await within(once(first, "message"), "the probe answer");
    const seen = await secondWebSocket(srv.port, client.id!);
    // The upgrade in progress completes on the first WebSocket, which then carries the session.
    first.send("5");
    first.send("4over the upgraded socket");
    const [echo] = await within(once(first, "message"), "the echo on the upgraded socket");
    return [["probe", String(probe)], ...seen, ["first", String(echo)]];
  } finally {
    first?.terminate();
    client.close();
    await srv.close();
  }
}

for (const [name, scenario] of [
  ["a session that has upgraded", afterUpgrade],
  ["a session that is upgrading", duringUpgrade],
] as const) {
  test(`second WebSocket for ${name}: accepted then closed as upstream (node, uws)`, async () => {
    const upstream = await scenario("upstream");
    // What upstream does, stated once so a change upstream is noticed too.
    const at = upstream.findIndex((e) => Array.isArray(e) && e[0] === "status");
    assert.deepEqual(upstream.slice(at, at + 3), [["status", 101], "open", ["close", 1005, ""]]);
    for (const kind of ["node", "uws"] as const) {
      assert.deepEqual(await scenario(kind), upstream, `${kind} backend`);
    }
  });
}

for (const kind of ["node", "uws"] as const) {
  test(`second WebSocket for a session that began on a WebSocket: accepted then closed (${kind})`, async () => {
    // Upstream answers the probe of such a WebSocket and could switch the session to it;
    // hyperio treats it as a second WebSocket of an upgraded session.
    const srv = await start(kind);
    const client = new ClientSocket(`http://127.0.0.1:${srv.port}`, { transports: ["websocket"] });
    try {
      await within(nextEvent(client, "open"), "the WebSocket session");
      assert.deepEqual(await secondWebSocket(srv.port, client.id!), [["status", 101], "open", ["close", 1005, ""]]);
      client.send("still here");
      const [echo] = await within(nextEvent(client, "message"), "the echo");
      assert.equal(echo, "still here");
    } finally {
      client.close();
      await srv.close();
    }
  });

  test(`a WebSocket naming an unknown session is still refused with 400 and Connection: close, as upstream (${kind})`, async () => {
    const seen: unknown[][] = [];
    for (const k of ["upstream", kind] as const) {
      const srv = await start(k);
      try {
        seen.push(await secondWebSocket(srv.port, "nope"));
      } finally {
        await srv.close();
      }
    }
    assert.deepEqual(seen[0], [["unexpected-response", 400, "close"]]);
    assert.deepEqual(seen[1], seen[0]);
  });
}
