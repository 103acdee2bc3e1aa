import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { request as httpRequest, Agent } from "node:http";
import { expectIdle, startNode, startUws } from "./helpers";
import type { ConnectionError } from "../../src/engine";

const cases: Array<{ name: string; method?: string; query: string; status: number; code: number; message: string }> = [
  { name: "unknown transport", query: "EIO=4&transport=carrier-pigeon", status: 400, code: 0, message: "Transport unknown" },
  { name: "missing transport", query: "EIO=4", status: 400, code: 0, message: "Transport unknown" },
  { name: "unknown sid", query: "EIO=4&transport=polling&sid=nope", status: 400, code: 1, message: "Session ID unknown" },
  { name: "malformed sid escape", query: "EIO=4&transport=polling&sid=%E0%A4%A", status: 400, code: 1, message: "Session ID unknown" },
  { name: "POST handshake", method: "POST", query: "EIO=4&transport=polling", status: 400, code: 2, message: "Bad handshake method" },
  { name: "PUT handshake", method: "PUT", query: "EIO=4&transport=polling", status: 400, code: 2, message: "Bad handshake method" },
  { name: "websocket handshake without upgrade", query: "EIO=4&transport=websocket", status: 400, code: 3, message: "Bad request" },
  { name: "protocol 3", query: "EIO=3&transport=polling", status: 400, code: 5, message: "Unsupported protocol version" },
  { name: "no protocol", query: "transport=polling", status: 400, code: 5, message: "Unsupported protocol version" },
  { name: "garbage query", query: "%%%&&==&transport", status: 400, code: 0, message: "Transport unknown" },
];

test("HTTP errors: status, JSON body and connection_error, as upstream", async () => {
  const srv = await startUws();
  try {
    const events: ConnectionError[] = [];
    srv.engine.on("connection_error", (e: ConnectionError) => events.push(e));
    for (const c of cases) {
      const res = await fetch(`${srv.url}/engine.io/?${c.query}`, { method: c.method ?? "GET", body: c.method === "POST" ? "4x" : undefined });
      assert.equal(res.status, c.status, c.name);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/, c.name);
      assert.deepEqual(await res.json(), { code: c.code, message: c.message }, c.name);
      const e = events.pop();
      assert.ok(e, `connection_error for ${c.name}`);
      assert.equal(e.code, c.code);
      assert.equal(e.message, c.message);
      assert.equal(typeof e.req.url, "string");
      assert.equal(typeof e.context, "object");
    }
    assert.equal(srv.engine.clientsCount, 0);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("allowRequest: 403 Forbidden with the given message, async decision", async () => {
  const srv = await startUws({
    allowRequest: (req, fn) => {
      setTimeout(() => {
        if (req.headers["x-token"] === "ok") fn(null, true);
        else if (req.headers["x-token"] === "silent") fn(undefined, false);
        else fn("go away", false);
      }, 5);
    },
  });
  try {
    const events: ConnectionError[] = [];
    srv.engine.on("connection_error", (e: ConnectionError) => events.push(e));
    const denied = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { code: 4, message: "go away" });
    assert.equal(events[0].code, 4);
    assert.equal(events[0].message, "Forbidden");
    assert.equal(events[0].context.message, "go away");
    const silent = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, { headers: { "x-token": "silent" } });
    assert.equal(silent.status, 403);
    assert.deepEqual(await silent.json(), { code: 4, message: "Forbidden" });
    const ok = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, { headers: { "x-token": "ok" } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^0\{"sid":/);
    assert.equal(srv.engine.clientsCount, 1);
  } finally {
    await srv.close();
  }
  await expectIdle(srv.engine);
});

// Was 403 for an allowRequest refusal on uWS (with the polling JSON body): upstream engine.io
// answers every refused upgrade with 400 and the plain message, on every backend.
for (const [backend, start] of [
  ["uWS", startUws],
  ["node:http", startNode],
] as const) {
  test(`WebSocket upgrade errors (${backend}): 400, the plain message as text/html, Connection: close, connection_error`, async () => {
    const srv = await start({ allowRequest: (_req, fn) => fn("nope", false) });
    try {
      const { WebSocket } = await import("ws");
      const events: ConnectionError[] = [];
      srv.engine.on("connection_error", (e: ConnectionError) => events.push(e));
      for (const [query, code, message, body] of [
        ["EIO=4&transport=websocket&sid=unknown", 1, "Session ID unknown", "Session ID unknown"],
        // allowRequest's own message is the body; the event keeps the code's message
        ["EIO=3&transport=websocket", 4, "Forbidden", "nope"],
        ["EIO=4&transport=bogus", 0, "Transport unknown", "Transport unknown"],
      ] as const) {
        const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?${query}`);
        ws.on("error", () => {});
        const [, res] = (await once(ws, "unexpected-response")) as [unknown, import("node:http").IncomingMessage];
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        assert.equal(res.statusCode, 400, query);
        assert.equal(res.headers["content-type"], "text/html", query);
        assert.equal(res.headers.connection, "close", query);
        assert.equal(Buffer.concat(chunks).toString(), body, query);
        ws.terminate();
        const e = events.pop();
        assert.equal(e?.code, code, query);
        assert.equal(e?.message, message, query);
      }
      assert.equal(srv.engine.clientsCount, 0);
    } finally {
      await srv.close();
    }
  });
}

test("generateId: async ids are used; a throwing generator is a 400", async () => {
  let n = 0;
  const srv = await startUws({
    generateId: async () => {
      n++;
      if (n === 2) throw new Error("boom");
      if (n === 3) return "bad id; with spaces";
      return `custom-${n}`;
    },
  });
  try {
    const r1 = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
    assert.match(await r1.text(), /"sid":"custom-1"/);
    const r2 = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
    assert.equal(r2.status, 400);
    assert.deepEqual(await r2.json(), { code: 3, message: "Bad request" });
    const r3 = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
    assert.equal(r3.status, 400);
    await r3.text();
    assert.equal(srv.engine.clientsCount, 1);
  } finally {
    await srv.close();
  }
  await expectIdle(srv.engine);
});

test("requests to other paths on listen()'s own server: 501 Not Implemented, as upstream engine.io", async () => {
  const srv = await startUws();
  try {
    const res = await fetch(`${srv.url}/elsewhere/?EIO=4&transport=polling`);
    assert.equal(res.status, 501);
    assert.equal(await res.text(), "Not Implemented");
    assert.equal(res.headers.get("content-type"), null);
    assert.equal(srv.engine.clientsCount, 0);
  } finally {
    await srv.close();
  }
});

/** One request through `agent`: [status, body, whether it reused a kept-alive socket]. */
function sendOn(agent: Agent, url: string, method: string): Promise<[number | undefined, string, unknown]> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve([res.statusCode, Buffer.concat(chunks).toString(), req.reusedSocket]));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

test("listen()'s own server: a HEAD to another path gets no body, and the connection serves the next request", async () => {
  const srv = await startUws();
  // one socket, kept alive: a body sent after the HEAD answer would be read as the start
  // of the GET's response, which would then fail to parse
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string) => sendOn(agent, `${srv.url}/elsewhere`, method);
  try {
    assert.deepEqual(await send("HEAD"), [501, "", false]);
    assert.deepEqual(await send("GET"), [501, "Not Implemented", true]);
  } finally {
    agent.destroy();
    await srv.close();
  }
});

for (const [name, start] of [
  ["uWS", startUws],
  ["node:http", startNode],
] as const) {
  test(`${name}: a HEAD on the engine path is answered without a body, and the connection serves the next request`, async () => {
    const srv = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string) => sendOn(agent, `${srv.url}/engine.io/?EIO=4&transport=polling`, method);
    try {
      // a handshake must be a GET: HEAD gets "Bad handshake method" (400), with no body
      assert.deepEqual(await send("HEAD"), [400, "", false]);
      const [status, body, reused] = await send("GET");
      assert.deepEqual([status, body[0], reused], [200, "0", true]);
    } finally {
      agent.destroy();
      await srv.close();
    }
  });
}

test("async allowRequest and async generateId on a WebSocket handshake", async () => {
  const srv = await startUws({
    allowRequest: (req, fn) => setTimeout(() => fn(null, req.headers["x-token"] === "ok"), 5),
    generateId: () => new Promise((r) => setTimeout(() => r("ws-custom-id"), 5)),
  });
  try {
    const { Socket } = await import("engine.io-client");
    const c = new Socket(srv.url, { transports: ["websocket"], extraHeaders: { "x-token": "ok" } });
    await new Promise<void>((resolve, reject) => {
      c.on("open", () => resolve());
      c.on("error", (e) => reject(e));
    });
    assert.equal(c.id, "ws-custom-id");
    assert.equal(srv.engine.clients.get("ws-custom-id")?.transport.name, "websocket");
    c.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("engine.generateId can be replaced as with engine.io", async () => {
  const srv = await startUws();
  try {
    let n = 0;
    srv.engine.generateId = () => `assigned-${++n}`;
    const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
    assert.match(await res.text(), /"sid":"assigned-1"/);
    assert.ok(srv.engine.clients.has("assigned-1"));
  } finally {
    await srv.close();
  }
  await expectIdle(srv.engine);
});
