import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import {
  expectIdle,
  nextConnection,
  pollingHandshake,
  rawConnect,
  readHttpResponse,
  startUws,
  tick,
  waitUntil,
} from "./helpers";

const LIMIT = 1000;

async function session(url: string, engine: import("../../src/engine").Server) {
  const conn = nextConnection(engine);
  const sid = await pollingHandshake(url);
  const socket = await conn;
  return { sid, socket };
}

/**
 * After a refused (413) POST the session lives on, as upstream engine.io's: the next POST
 * within the limit is delivered. The official client closes the session itself on a 413.
 */
async function expectSessionLivesOn(srv: { url: string; engine: import("../../src/engine").Server }, sid: string, socket: import("../../src/engine").Socket) {
  const got: unknown[] = [];
  socket.on("message", (m) => got.push(m));
  const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "4still here" });
  assert.equal(res.status, 200);
  await res.text();
  assert.deepEqual(got, ["still here"]);
  assert.equal(socket.readyState, "open");
  const closed = once(socket, "close");
  socket.close(true);
  await closed;
}

test("POST over maxHttpBufferSize by Content-Length: 413 before any body byte, the session lives on", async () => {
  const srv = await startUws({ maxHttpBufferSize: LIMIT });
  try {
    const { sid, socket } = await session(srv.url, srv.engine);
    const s = await rawConnect(srv.port);
    // Headers only: the answer must not wait for the (never sent) body.
    s.write(
      `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\n` +
        `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${LIMIT * 100}\r\n\r\n`,
    );
    const res = await readHttpResponse(s);
    assert.equal(res.status, 413);
    s.destroy();
    await expectSessionLivesOn(srv, sid, socket);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("POST over maxHttpBufferSize without Content-Length (chunked): 413 while reading, the session lives on", async () => {
  const srv = await startUws({ maxHttpBufferSize: LIMIT });
  try {
    const { sid, socket } = await session(srv.url, srv.engine);
    const s = await rawConnect(srv.port);
    s.write(
      `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\n` +
        `Content-Type: text/plain;charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = "4" + "x".repeat(399);
    const pending = readHttpResponse(s);
    for (let i = 0; i < 5 && !s.destroyed; i++) {
      s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      await tick(5);
    }
    const res = await pending;
    assert.equal(res.status, 413);
    s.destroy();
    await expectSessionLivesOn(srv, sid, socket);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("POST within the limit is accepted (fetch, with Content-Length)", async () => {
  const srv = await startUws({ maxHttpBufferSize: LIMIT });
  try {
    const { sid, socket } = await session(srv.url, srv.engine);
    const got: unknown[] = [];
    socket.on("message", (m) => got.push(m));
    const body = "4" + "y".repeat(LIMIT - 1 - 7) + "\x1ebAQID";
    const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
    assert.equal(got.length, 2);
    assert.deepEqual(got[1], Buffer.from([1, 2, 3]));
    socket.close(true);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("aborted POST (partial body, connection destroyed) closes the session", async () => {
  const srv = await startUws({ maxHttpBufferSize: LIMIT });
  try {
    const { sid, socket } = await session(srv.url, srv.engine);
    const closed = once(socket, "close");
    const s = await rawConnect(srv.port);
    s.write(
      `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\n` +
        `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 500\r\n\r\n4abc`,
    );
    await tick(30);
    s.destroy();
    const [reason] = await closed;
    assert.equal(reason, "transport error");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("a second concurrent GET is refused and closes the session", async () => {
  const srv = await startUws();
  try {
    const { sid, socket } = await session(srv.url, srv.engine);
    const closed = once(socket, "close");
    const first = fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    await waitUntil(() => socket.transport.writable, 3000, "first GET pending");
    const second = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    assert.equal(second.status, 400);
    const [reason] = await closed;
    assert.equal(reason, "transport error");
    // The first poll is released (noop) rather than left hanging.
    const r1 = await first;
    assert.equal(r1.status, 200);
    await r1.text();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

for (const [name, body] of [
  ["unknown packet type", "9hello"],
  ["bad base64", "b%%%%"],
  ["empty record", "4a\x1e\x1e4b"],
  ["empty body", ""],
] as const) {
  test(`malformed payload (${name}) closes the session with 'parse error'`, async () => {
    const srv = await startUws();
    try {
      const { sid, socket } = await session(srv.url, srv.engine);
      const got: unknown[] = [];
      socket.on("message", (m) => got.push(m));
      const closed = once(socket, "close");
      const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body });
      assert.equal(res.status, 200);
      await res.text();
      const [reason] = await closed;
      assert.equal(reason, "parse error");
      assert.equal(got.length, 0, "no packet of a bad payload is delivered");
      await expectIdle(srv.engine);
      // Closed sid: further requests are unknown.
      const after = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
      assert.equal(after.status, 400);
      assert.deepEqual(await after.json(), { code: 1, message: "Session ID unknown" });
    } finally {
      await srv.close();
    }
  });
}

test("binary content-type POST is refused (v4 polling is text only)", async () => {
  const srv = await startUws();
  try {
    const { sid, socket } = await session(srv.url, srv.engine);
    const closed = once(socket, "close");
    const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: "POST",
      body: new Uint8Array([1, 2, 3]),
      headers: { "content-type": "application/octet-stream" },
    });
    assert.equal(res.status, 400);
    await res.text();
    await closed;
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("a close packet in a POST closes the session as 'transport close'", async () => {
  const srv = await startUws();
  try {
    const { sid, socket } = await session(srv.url, srv.engine);
    const closed = once(socket, "close");
    const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "1" });
    assert.equal(res.status, 200);
    const [reason] = await closed;
    assert.equal(reason, "transport close");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("polling responses batch every packet sent in one tick", async () => {
  const srv = await startUws();
  try {
    const { sid, socket } = await session(srv.url, srv.engine);
    const poll = fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    await waitUntil(() => socket.transport.writable, 3000, "GET pending");
    for (let i = 0; i < 5; i++) socket.send(`b${i}`);
    const text = await (await poll).text();
    assert.equal(text, ["4b0", "4b1", "4b2", "4b3", "4b4"].join("\x1e"));
    socket.close(true);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("aborted poll (pending GET, connection destroyed) closes the session", async () => {
  const srv = await startUws({ pingInterval: 5000, pingTimeout: 5000 });
  try {
    const conn = nextConnection(srv.engine);
    const sid = await pollingHandshake(srv.url);
    const socket = await conn;
    const s = await rawConnect(srv.port);
    s.write(`GET /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await waitUntil(() => socket.transport.writable, 3000, "GET pending");
    s.destroy();
    const [reason] = await once(socket, "close");
    assert.equal(reason, "transport error");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("a burst of 5000 client messages queued into one POST is accepted", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const { connect } = await import("./helpers");
    const client = await connect(srv.url, { transports: ["polling"] });
    const socket = await conn;
    let n = 0;
    socket.on("message", () => n++);
    for (let i = 0; i < 5000; i++) client.send(`m${i}`);
    await waitUntil(() => n === 5000, 5000, "all messages");
    assert.equal(socket.readyState, "open");
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
