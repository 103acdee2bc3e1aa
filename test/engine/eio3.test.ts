// Engine.IO v3 (`allowEIO3`) at the wire: raw HTTP and WebSocket exchanges against hyperio's
// engine (uWS and node:http) and upstream engine.io 6 with `allowEIO3: true`, which must see
// and answer the same bytes; the v3 heartbeat; bad v3 framing closes the session and
// leaves nothing behind; the v3 payload codec's failure codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { WebSocket } from "ws";
import { Server as EngineServer, ServerOptions } from "../../src/engine";
import {
  decodeBinaryPayloadV3,
  decodeTextPayloadV3,
  encodePayloadV3,
} from "../../src/parser/engine-io/v3";
import { EngineParseError } from "../../src/parser/engine-io";
import { expectIdle, startNode, startUws, tick, waitUntil } from "./helpers";

type Kind = "upstream" | "hyperio-uws" | "hyperio-node";

interface Running {
  engine: any;
  port: number;
  /** Close reasons of every session, in order. */
  closes: string[];
  close(): Promise<void>;
}

/**
 * An echo engine. A session answers the message "init" with a text message with non-ASCII
 * characters (its v3 length prefix counts UTF-16 units) and a binary one, and echoes
 * anything else. (Not sent at connection: upstream answers a polling handshake with the
 * open packet alone, hyperio with everything sent in the same tick, both valid.)
 */
async function startEcho(kind: Kind, opts: ServerOptions = {}): Promise<Running> {
  const all = { allowEIO3: true, ...opts };
  let engine: any;
  let port: number;
  let close: () => Promise<void>;
  if (kind === "upstream") {
    const { Server: Upstream } = await import("engine.io");
    const httpServer = http.createServer();
    engine = new Upstream(all as any);
    engine.attach(httpServer);
    httpServer.listen(0, "127.0.0.1");
    await once(httpServer, "listening");
    port = (httpServer.address() as { port: number }).port;
    close = async () => {
      engine.close();
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    };
  } else {
    const srv = kind === "hyperio-uws" ? await startUws(all) : await startNode(all);
    engine = srv.engine;
    port = srv.port;
    close = srv.close;
  }
  const closes: string[] = [];
  engine.on("connection", (socket: any) => {
    socket.on("close", (reason: string) => closes.push(reason));
    socket.on("message", (data: unknown) => {
      if (data !== "init") return socket.send(data);
      socket.send("héllo €😀");
      socket.send(Buffer.from([1, 2, 3]));
    });
  });
  return { engine, port, closes, close };
}

/** Runs `scenario` on upstream engine.io and on hyperio's two backends; all must agree. */
async function parity(scenario: (r: Running) => Promise<unknown>, opts: ServerOptions = {}): Promise<unknown> {
  const results: Partial<Record<Kind, unknown>> = {};
  for (const kind of ["upstream", "hyperio-uws", "hyperio-node"] as const) {
    const r = await startEcho(kind, opts);
    try {
      results[kind] = await scenario(r);
    } finally {
      await r.close();
    }
  }
  assert.deepEqual(results["hyperio-uws"], results.upstream, "hyperio (uWS) differs from engine.io");
  assert.deepEqual(results["hyperio-node"], results.upstream, "hyperio (node:http) differs from engine.io");
  return results.upstream;
}

interface Reply {
  status: number;
  type: string | null;
  /** The body with the session id replaced by <sid>, bytes shown as latin1 (binary framing). */
  body: string;
}

async function request(port: number, query: string, sid: string | undefined, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${port}/engine.io/?EIO=3&transport=polling${query}${sid ? "&sid=" + sid : ""}`, init);
  const bytes = Buffer.from(await res.arrayBuffer());
  let body = bytes.toString("latin1");
  if (sid) body = body.split(sid).join("<sid>");
  return { status: res.status, type: res.headers.get("content-type"), body };
}

async function handshake(port: number, query = ""): Promise<{ sid: string; reply: Reply }> {
  const res = await fetch(`http://127.0.0.1:${port}/engine.io/?EIO=3&transport=polling${query}`);
  const text = await res.text();
  const colon = text.indexOf(":");
  const open = JSON.parse(text.slice(colon + 2, colon + 1 + Number(text.slice(0, colon))));
  return { sid: open.sid, reply: { status: res.status, type: res.headers.get("content-type"), body: text.split(open.sid).join("<sid>") } };
}

/** A v3 binary-framed payload: [kind, length digits..., 255, record] per record. */
function binaryPayload(records: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const bytes = typeof r === "string" ? Buffer.from(r, "utf8") : r;
    const digits = [...String(bytes.length)].map(Number);
    parts.push(Buffer.from([typeof r === "string" ? 0 : 1, ...digits, 255]), bytes);
  }
  return Buffer.concat(parts);
}

test("EIO=3 polling, binary-capable client: text and binary framing both ways (parity)", async () => {
  await parity(async ({ port, closes }) => {
    const { sid, reply: open } = await handshake(port);
    await request(port, "", sid, { method: "POST", body: "5:4init" });
    const first = await request(port, "", sid);
    const text = "4héllo €😀";
    const posted = await request(port, "", sid, {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: `${text.length}:${text}1:26:b4AQID`,
    });
    const echoed = await request(port, "", sid);
    const postedBinary = await request(port, "", sid, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: binaryPayload(["4abc", Buffer.from([4, 9, 9]), "2"]),
    });
    const echoedBinary = await request(port, "", sid);
    const mismatch = await fetch(`http://127.0.0.1:${port}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    return { open, first, posted, echoed, postedBinary, echoedBinary, mismatch: [mismatch.status, await mismatch.json()], closes };
  });
});

test("EIO=3 polling with b64=1: binary data as base64 records (parity)", async () => {
  await parity(async ({ port }) => {
    const { sid, reply: open } = await handshake(port, "&b64=1");
    await request(port, "&b64=1", sid, { method: "POST", body: "5:4init" });
    const first = await request(port, "&b64=1", sid);
    await request(port, "&b64=1", sid, { method: "POST", body: "9:b4CQgHBg==" });
    const echoed = await request(port, "&b64=1", sid);
    return { open, first, echoed };
  });
});

/** Collects a WebSocket's messages as strings, binary frames as "<bytes...>". */
function collect(ws: WebSocket): string[] {
  const got: string[] = [];
  ws.on("message", (data: Buffer, isBinary: boolean) => got.push(isBinary ? `<${[...data]}>` : data.toString()));
  return got;
}

test("EIO=3 WebSocket: type-byte binary frames, b64 text frames, heartbeat direction (parity)", async () => {
  await parity(async ({ port, engine, closes }) => {
    const out: Record<string, unknown> = {};
    for (const b64 of [false, true]) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=3&transport=websocket${b64 ? "&b64=1" : ""}`);
      const got = collect(ws);
      await once(ws, "open");
      await waitUntil(() => got.length >= 1);
      ws.send("4init");
      await waitUntil(() => got.length >= 3);
      ws.send("4abc");
      ws.send(b64 ? "b4CQk=" : Buffer.from([4, 9, 9]));
      ws.send("2");
      await waitUntil(() => got.length >= 6);
      // A pong from a v3 client answers nothing: the session closes.
      ws.send("3");
      await once(ws, "close");
      out[b64 ? "b64" : "binary"] = got.map((m) => (m.startsWith("0{") ? "0<open>" : m));
    }
    await waitUntil(() => engine.clientsCount === 0);
    return { out, closes };
  });
});

test("EIO=3 polling upgraded to WebSocket: probe, switch, then frames on WebSocket (parity)", async () => {
  await parity(async ({ port, engine }) => {
    const { sid } = await handshake(port);
    const pending = request(port, "", sid);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=3&transport=websocket&sid=${sid}`);
    const got = collect(ws);
    await once(ws, "open");
    ws.send("2probe");
    await waitUntil(() => got.length >= 1);
    const released = await pending; // the pending GET is released with a noop
    ws.send("5");
    // engine.io keeps its sessions in an object, hyperio in a Map.
    const session = () => (engine.clients instanceof Map ? engine.clients.get(sid) : engine.clients[sid]);
    await waitUntil(() => session()?.transport.name === "websocket");
    ws.send(Buffer.from([4, 7]));
    ws.send("2");
    await waitUntil(() => got.length >= 3);
    ws.close();
    return { got, released };
  });
});

test("v3 heartbeat: the client pings, the server answers; silence ends the session (parity)", async () => {
  await parity(
    async ({ port, closes, engine }) => {
      const alive = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=3&transport=websocket`);
      const got = collect(alive);
      await once(alive, "open");
      // Ten pings, 40 ms apart: twice the 100 + 100 ms deadline in all.
      for (let i = 0; i < 10; i++) {
        alive.send("2");
        await tick(40);
      }
      await waitUntil(() => got.filter((m) => m === "3").length === 10);
      const aliveOpen = alive.readyState === WebSocket.OPEN && closes.length === 0;
      const silent = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=3&transport=websocket`);
      silent.on("message", () => {});
      await once(silent, "open");
      await once(silent, "close");
      alive.close();
      await waitUntil(() => engine.clientsCount === 0);
      return { aliveOpen, pongs: got.filter((m) => m === "3").length, closes };
    },
    { pingInterval: 100, pingTimeout: 100 },
  );
});

// Upstream drops the v3 ping timer when a session upgrades (docs/DIFFERENCES.md); hyperio
// keeps it, so a v2 client gone silent on WebSocket is still detected.
test("v3 heartbeat: the deadline still holds after an upgrade to WebSocket", async () => {
  for (const start of [startUws, startNode]) {
    const srv = await start({ allowEIO3: true, pingInterval: 150, pingTimeout: 150 });
    try {
      const reasons: string[] = [];
      srv.engine.on("connection", (s) => s.on("close", (r: string) => reasons.push(r)));
      const { sid } = await handshake(srv.port);
      const pending = request(srv.port, "", sid);
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=3&transport=websocket&sid=${sid}`);
      const got = collect(ws);
      await once(ws, "open");
      ws.send("2probe");
      await waitUntil(() => got.length >= 1);
      await pending;
      ws.send("5");
      await waitUntil(() => srv.engine.clients.get(sid)?.transport.name === "websocket");
      ws.send("2");
      await waitUntil(() => got.includes("3"));
      // Silent from now on.
      await once(ws, "close");
      assert.deepEqual(reasons, ["ping timeout"]);
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  }
});

test("with allowEIO3, an upgrade in the other revision than its session's is refused", async () => {
  for (const start of [startUws, startNode]) {
    const srv = await start({ allowEIO3: true });
    try {
      const errors: unknown[] = [];
      srv.engine.on("connection_error", (e) => errors.push(e.context));
      for (const [session, upgrade] of [["EIO=3", "EIO=4"], ["EIO=4", "EIO=3"], ["EIO=4", ""]]) {
        const res = await fetch(`${srv.url}/engine.io/?${session}&transport=polling`);
        const text = await res.text();
        const sid = /"sid":"([^"]+)"/.exec(text)![1];
        const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?${upgrade}&transport=websocket&sid=${sid}`);
        ws.on("error", () => {});
        const [, reply] = (await once(ws, "unexpected-response")) as [unknown, { statusCode: number }];
        assert.equal(reply.statusCode, 400, `${session} session, ${upgrade || "no EIO"} upgrade`);
        ws.terminate();
        assert.equal(srv.engine.clients.get(sid)?.transport.name, "polling", "the session keeps polling");
      }
      assert.deepEqual(errors, [
        { name: "PROTOCOL_MISMATCH", protocol: 4, previousProtocol: 3 },
        { name: "PROTOCOL_MISMATCH", protocol: 3, previousProtocol: 4 },
        { name: "PROTOCOL_MISMATCH", protocol: 3, previousProtocol: 4 },
      ]);
    } finally {
      await srv.close();
    }
  }
});

test("bad v3 framing over HTTP closes the session with parse error, nothing left behind", async () => {
  const bodies: Array<{ type?: string; body: string | Buffer }> = [
    { body: "5:4ab" },
    { body: "x:4a" },
    { body: "2:4a3" },
    { body: "99999999999:4" },
    { body: "2:9x" },
    { body: "6:b4!!!!" },
    { type: "application/octet-stream", body: Buffer.from([2, 1, 255, 52]) },
    { type: "application/octet-stream", body: Buffer.from([0, 9, 255, 52]) },
    { type: "application/octet-stream", body: Buffer.from([0, 1, 2, 3]) },
    { type: "application/octet-stream", body: Buffer.from([1, 1, 255, 200]) },
  ];
  for (const start of [startUws, startNode]) {
    const srv = await start({ allowEIO3: true });
    try {
      const reasons: string[] = [];
      srv.engine.on("connection", (s) => s.on("close", (r: string) => reasons.push(r)));
      for (const b of bodies) {
        const { sid } = await handshake(srv.port);
        await fetch(`${srv.url}/engine.io/?EIO=3&transport=polling&sid=${sid}`, {
          method: "POST",
          headers: { "content-type": b.type ?? "text/plain" },
          body: b.body,
        });
        await waitUntil(() => !srv.engine.clients.has(sid));
      }
      assert.deepEqual(reasons, bodies.map(() => "parse error"));
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  }
});

test("maxPacketsPerPayload and maxHttpBufferSize bound v3 payloads", async () => {
  const srv = await startUws({ allowEIO3: true, maxPacketsPerPayload: 3, maxHttpBufferSize: 100 });
  try {
    const reasons: string[] = [];
    srv.engine.on("connection", (s) => s.on("close", (r: string) => reasons.push(r)));
    let { sid } = await handshake(srv.port);
    await fetch(`${srv.url}/engine.io/?EIO=3&transport=polling&sid=${sid}`, { method: "POST", body: "2:4a2:4b2:4c2:4d" });
    await waitUntil(() => !srv.engine.clients.has(sid));
    ({ sid } = await handshake(srv.port));
    const big = await fetch(`${srv.url}/engine.io/?EIO=3&transport=polling&sid=${sid}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: binaryPayload([Buffer.alloc(200, 4)]),
    });
    assert.equal(big.status, 413);
    // the session lives on after a 413, as upstream's (the official client closes it)
    assert.equal(srv.engine.clients.get(sid)?.readyState, "open");
    srv.engine.clients.get(sid)!.close(true);
    await waitUntil(() => !srv.engine.clients.has(sid));
    assert.deepEqual(reasons, ["parse error", "forced close"]);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("without allowEIO3, v3 requests get code 5 as upstream (context: protocol 3)", async () => {
  const { Server: Upstream } = await import("engine.io");
  const seen: Record<string, unknown> = {};
  for (const kind of ["upstream", "hyperio"] as const) {
    const httpServer = http.createServer();
    const engine: any = kind === "upstream" ? new Upstream() : new EngineServer();
    engine.attach(httpServer);
    httpServer.listen(0, "127.0.0.1");
    await once(httpServer, "listening");
    const port = (httpServer.address() as { port: number }).port;
    const errors: unknown[] = [];
    engine.on("connection_error", (e: any) => errors.push([e.code, e.message, e.context]));
    const replies = [];
    for (const q of ["EIO=3", "EIO=5", "EIO=", ""]) {
      const res = await fetch(`http://127.0.0.1:${port}/engine.io/?${q}&transport=polling`);
      replies.push([res.status, await res.json()]);
    }
    seen[kind] = { replies, errors };
    engine.close();
    httpServer.closeAllConnections();
    await new Promise((r) => httpServer.close(r));
  }
  assert.deepEqual(seen.hyperio, seen.upstream);
});

test("v3 payload codec: round trips and stable failure codes", () => {
  const packets = [
    { type: "message" as const, data: "héllo 😀" },
    { type: "message" as const, data: Buffer.from([0, 255]) },
    { type: "pong" as const },
  ];
  const text = encodePayloadV3(packets, false);
  assert.equal(text, "9:4héllo 😀6:b4AP8=1:3", "lengths in UTF-16 units");
  assert.deepEqual(decodeTextPayloadV3(text as string), packets);
  const bin = encodePayloadV3(packets, true);
  assert.ok(Buffer.isBuffer(bin));
  assert.deepEqual(decodeBinaryPayloadV3(bin as Buffer), packets);
  assert.equal(encodePayloadV3([packets[0]], true), "9:4héllo 😀", "text framing while no binary data");
  assert.deepEqual(decodeTextPayloadV3("0:2:4a"), [{ type: "message", data: "a" }], "empty records are skipped");

  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof EngineParseError);
      return err.code;
    }
    return "no error";
  };
  for (const bad of ["", "4a", ":4a", "1:", "3:4a", "2:4a1", "12345678901:4", "-1:4"]) {
    assert.equal(code(() => decodeTextPayloadV3(bad)), "ERR_HYPERIO_EIO_BAD_FRAMING", JSON.stringify(bad));
  }
  assert.equal(code(() => decodeTextPayloadV3("2:9x")), "ERR_HYPERIO_EIO_UNKNOWN_TYPE");
  assert.equal(code(() => decodeTextPayloadV3("4:b9AA")), "ERR_HYPERIO_EIO_UNKNOWN_TYPE");
  assert.equal(code(() => decodeTextPayloadV3("5:b4A!==")), "ERR_HYPERIO_EIO_BAD_BASE64");
  assert.equal(code(() => decodeTextPayloadV3("1:21:21:2", { maxPackets: 2 })), "ERR_HYPERIO_EIO_TOO_MANY_PACKETS");
  for (const bad of [[], [2, 1, 255, 52], [0, 1], [0, 255], [0, 10, 255, 52], [0, 5, 255, 52], [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 255]]) {
    assert.equal(code(() => decodeBinaryPayloadV3(Buffer.from(bad))), "ERR_HYPERIO_EIO_BAD_FRAMING", JSON.stringify(bad));
  }
  assert.equal(code(() => decodeBinaryPayloadV3(Buffer.from([1, 1, 255, 9]))), "ERR_HYPERIO_EIO_UNKNOWN_TYPE");
  assert.equal(code(() => decodeBinaryPayloadV3(Buffer.from([1, 0, 255]))), "ERR_HYPERIO_EIO_EMPTY_PACKET");
});
