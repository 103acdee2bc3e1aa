// The k6 protocol library (loadtest/k6/lib) must frame exactly what upstream frames: its
// encoders are compared byte for byte with socket.io-parser / engine.io-parser, each side
// decodes the other's output, and SocketIOClient drives a real upstream socket.io 4.8 server
// over `ws` and over long-polling (fetch).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { Decoder, Encoder, type Packet } from "socket.io-parser";
import { decodePayload, encodePayload, type Packet as EnginePacket } from "engine.io-parser";
import WebSocket from "ws";
import { base64Decode, base64Encode } from "../../loadtest/k6/lib/base64.js";
import {
  PacketType,
  SocketDecoder,
  connectFrame,
  decodeEnginePacket,
  decodePollingPayload,
  decodeSocketPacket,
  encodeEnginePacket,
  encodePollingPayload,
  encodeSocketPacket,
  eventFrames,
  handshakeUrl,
  parseOpenPacket,
  type EngineFrame,
  type SocketPacket,
} from "../../loadtest/k6/lib/socketio-protocol.js";
import { SocketIOClient } from "../../loadtest/k6/lib/socketio-client.js";
import { BROADCAST_EVENT, BROADCAST_REQUEST_EVENT, ECHO_EVENT, JOIN_EVENT, payloadValue } from "../../loadtest/k6/lib/convention.js";
import { wireSocketIo } from "../../loadtest/servers/sio-app";

/** Upstream socket.io 4.8 on node:http with the load-test convention's handlers (servers/sio-app.ts). */
async function startUpstream(): Promise<{ io: Server; url: string; close(): Promise<void> }> {
  const httpServer = createServer();
  const io = new Server(httpServer, { serveClient: false });
  wireSocketIo(io);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  return {
    io,
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

/** The convention's binary payload as the client library hands it over. */
const BIN_PAYLOAD = [...(payloadValue("64KiB-bin") as Uint8Array)];

const bin = (...bytes: number[]): Buffer => Buffer.from(bytes);

/** Packets covering every type, namespaces, ack ids, nested and multiple attachments. */
const SAMPLES: SocketPacket[] = [
  { type: PacketType.CONNECT, nsp: "/" },
  { type: PacketType.CONNECT, nsp: "/admin", data: { token: "abc" } },
  { type: PacketType.DISCONNECT, nsp: "/admin" },
  { type: PacketType.EVENT, nsp: "/", data: ["hello", 1, { a: [true, null] }] },
  { type: PacketType.EVENT, nsp: "/", id: 12, data: ["echo", 3, "x".repeat(40)] },
  { type: PacketType.EVENT, nsp: "/chat", id: 7, data: ["msg", "é ünïcode ☃ \u001e"] },
  { type: PacketType.ACK, nsp: "/", id: 3, data: [] },
  { type: PacketType.ACK, nsp: "/chat", id: 4, data: [{ ok: 1 }] },
  { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized" } },
  { type: PacketType.EVENT, nsp: "/", data: ["file", bin(1, 2, 3)] },
  { type: PacketType.EVENT, nsp: "/files", id: 9, data: ["pair", { a: bin(4), b: [bin(5, 6), "s"] }] },
  { type: PacketType.ACK, nsp: "/", id: 5, data: [bin(), bin(255)] },
];

function upstreamEncode(packet: SocketPacket): (string | Buffer)[] {
  return new Encoder().encode(structuredClone(packet) as Packet) as (string | Buffer)[];
}

function upstreamDecode(parts: (string | ArrayBuffer | Uint8Array)[]): Packet {
  const decoder = new Decoder();
  let out: Packet | undefined;
  decoder.on("decoded", (packet: Packet) => (out = packet));
  for (const part of parts) {
    decoder.add(typeof part === "string" ? part : part instanceof ArrayBuffer ? Buffer.from(part) : Buffer.from(part));
  }
  assert.ok(out, "upstream decoder produced no packet");
  return out;
}

/** Compares decoded data, treating every binary type as its bytes. */
function normalize(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { bytes: [...new Uint8Array(value)] };
  if (ArrayBuffer.isView(value)) return { bytes: [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)] };
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return Object.fromEntries(entries.map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

test("base64 matches Buffer for every length 0..300", () => {
  for (let n = 0; n <= 300; n++) {
    const bytes = randomBytes(n);
    const text = base64Encode(bytes);
    assert.equal(text, bytes.toString("base64"));
    assert.deepEqual(Buffer.from(base64Decode(text)), bytes);
  }
  assert.throws(() => base64Decode("ab$d"), /invalid character/);
  assert.throws(() => base64Decode("abcde"), /invalid length/);
});

test("handshakeUrl builds polling, websocket and session URLs", () => {
  assert.equal(handshakeUrl("http://127.0.0.1:3000"), "http://127.0.0.1:3000/socket.io/?EIO=4&transport=polling");
  assert.equal(
    handshakeUrl("http://127.0.0.1:3000/", { transport: "websocket" }),
    "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket",
  );
  assert.equal(
    handshakeUrl("wss://example.org", { sid: "a/b", path: "io", query: { room: "r 1" } }),
    "https://example.org/io/?EIO=4&transport=polling&sid=a%2Fb&room=r%201",
  );
  assert.throws(() => handshakeUrl("127.0.0.1:3000"), /origin/);
});

test("encodeSocketPacket produces upstream's exact text and attachments", () => {
  for (const packet of SAMPLES) {
    const ours = encodeSocketPacket(packet);
    const theirs = upstreamEncode(packet);
    assert.equal(ours[0], theirs[0], `text of ${JSON.stringify(normalize(packet))}`);
    assert.deepEqual(ours.slice(1).map(normalize), theirs.slice(1).map(normalize));
  }
});

test("SocketDecoder reassembles upstream's output (as EVENT/ACK, like upstream), upstream decodes ours", () => {
  for (const packet of SAMPLES) {
    const decoder = new SocketDecoder();
    let got: SocketPacket | null = null;
    for (const part of upstreamEncode(packet)) {
      assert.equal(got, null, "packet completed before its last attachment");
      got = decoder.add(part);
    }
    assert.ok(got);
    assert.equal(got.type, packet.type);
    assert.equal(got.nsp, packet.nsp);
    assert.equal(got.id, packet.id);
    assert.deepEqual(normalize(got.data), normalize(packet.data));

    const back = upstreamDecode(encodeSocketPacket(packet));
    assert.equal(back.type, packet.type);
    assert.equal(back.nsp, packet.nsp);
    assert.equal(back.id, packet.id);
    assert.deepEqual(normalize(back.data), normalize(packet.data));
  }
});

test("decodeSocketPacket reads headers: type, attachment count, namespace, ack id", () => {
  assert.deepEqual(decodeSocketPacket('51-/nsp,42["ev",{"_placeholder":true,"num":0}]'), {
    type: PacketType.BINARY_EVENT,
    nsp: "/nsp",
    id: 42,
    attachments: 1,
    data: ["ev", { _placeholder: true, num: 0 }],
  });
  assert.deepEqual(decodeSocketPacket("3/x,7[]"), { type: PacketType.ACK, nsp: "/x", id: 7, data: [] });
  assert.deepEqual(decodeSocketPacket("0/x,"), { type: PacketType.CONNECT, nsp: "/x" });
  assert.deepEqual(decodeSocketPacket("1/x"), { type: PacketType.DISCONNECT, nsp: "/x" });
  assert.throws(() => decodeSocketPacket("4/x,"), /invalid payload/);
  assert.throws(() => decodeSocketPacket("9[]"), /unknown packet type/);
  assert.throws(() => decodeSocketPacket('5x-["ev"]'), /attachment count/);
  assert.throws(() => decodeSocketPacket("2{}"), /invalid payload/);
  assert.throws(() => decodeSocketPacket('2["ev"'), SyntaxError);
});

test("SocketDecoder rejects out-of-order or excess binary parts", () => {
  assert.throws(() => new SocketDecoder().add(bin(1)), /no BINARY_EVENT/);
  const pending = new SocketDecoder();
  assert.equal(pending.add('52-["ev",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'), null);
  assert.equal(pending.outstanding, 2);
  assert.throws(() => pending.add('2["ev"]'), /outstanding/);
  assert.throws(() => new SocketDecoder({ maxAttachments: 1 }).add('52-["ev"]'), /maxAttachments/);
  const bad = new SocketDecoder();
  bad.add('51-["ev",{"_placeholder":true,"num":3}]');
  assert.throws(() => bad.add(bin(1)), /names no attachment/);
  assert.throws(() => new SocketDecoder({ maxAttachments: -1 }), /maxAttachments/);
});

test("polling payloads match engine.io-parser both ways", async () => {
  const frames: EngineFrame[] = ["0{}", "2", "3probe", '42["a","\u00e9"]', bin(0, 1, 2, 250), "6", bin()];
  const theirPackets: EnginePacket[] = frames.map((frame) => {
    const p = decodeEnginePacket(frame);
    const type = ["open", "close", "ping", "pong", "message", "upgrade", "noop"][Number(p.type)] as EnginePacket["type"];
    return { type, data: typeof p.data === "string" ? (p.data === "" ? undefined : p.data) : Buffer.from(p.data as Uint8Array) };
  });
  const theirs = await new Promise<string>((resolve) => encodePayload(theirPackets, resolve));
  assert.equal(encodePollingPayload(frames), theirs);

  const decoded = decodePollingPayload(theirs);
  assert.deepEqual(decoded.map(normalize), frames.map(normalize));
  const back = decodePayload(encodePollingPayload(frames), "nodebuffer");
  assert.deepEqual(normalize(back), normalize(theirPackets));
  assert.deepEqual(decodePollingPayload(""), []);
});

test("engine packets: open parsing, encode/decode, errors", () => {
  const open = parseOpenPacket('0{"sid":"s1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
  assert.deepEqual(open, { sid: "s1", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 });
  assert.throws(() => parseOpenPacket("40"), /expected an OPEN/);
  assert.throws(() => parseOpenPacket('0{"sid":1}'), /lacks/);
  assert.equal(encodeEnginePacket("2"), "2");
  assert.equal(encodeEnginePacket("4", "hi"), "4hi");
  assert.throws(() => encodeEnginePacket("2", bin(1)), /only valid in MESSAGE/);
  assert.deepEqual(decodeEnginePacket("3probe"), { type: "3", data: "probe" });
  assert.throws(() => decodeEnginePacket("9"), /unknown packet/);
  assert.throws(() => decodeEnginePacket(""), /unknown packet/);
  assert.equal(connectFrame(), "40");
  assert.equal(connectFrame("/a", { t: 1 }), '40/a,{"t":1}');
  assert.deepEqual(eventFrames("ev", [1], { ackId: 0 }), ['420["ev",1]']);
});

test("SocketIOClient over ws: connect, ack, server ack request, binary both ways, broadcast", { timeout: 10_000 }, async (t) => {
  const server = await startUpstream();
  t.after(() => server.close());
  let receivedBinary: unknown;
  server.io.on("connection", (socket) => {
    socket.on("upload", (data: unknown, ack: (n: number) => void) => {
      receivedBinary = data;
      ack((data as Buffer).length);
    });
    socket.on("ask-me", () => socket.emit("question", "2+2", (answer: unknown) => socket.emit("answer-was", answer)));
  });

  const ws = new WebSocket(handshakeUrl(server.url, { transport: "websocket" }));
  ws.binaryType = "arraybuffer";
  const client = new SocketIOClient({ send: (frame) => ws.send(frame) });
  // binaryType "arraybuffer" hands over every frame as an ArrayBuffer, as k6 does for binary.
  ws.on("message", (data: ArrayBuffer, isBinary: boolean) =>
    client.receive(isBinary ? data : Buffer.from(data).toString("utf8")),
  );
  t.after(() => ws.close());
  const errors: unknown[] = [];
  client.on("error", (err) => errors.push(err));

  await new Promise<void>((resolve) => client.on("connect", resolve));
  assert.ok(client.engine?.sid, "engine sid read from the OPEN packet");
  assert.equal(typeof client.id, "string");

  const echoed = await new Promise<unknown[]>((resolve) => client.emit(ECHO_EVENT, 5, { n: 1, s: "é" }, (...args: unknown[]) => resolve(args)));
  assert.deepEqual(echoed, [5, { n: 1, s: "é" }]);

  const length = await new Promise<unknown>((resolve) => client.emit("upload", new Uint8Array([9, 8, 7]), resolve));
  assert.equal(length, 3);
  assert.deepEqual(receivedBinary, bin(9, 8, 7));

  client.on("question", (q: unknown, reply: (a: unknown) => void) => reply(q === "2+2" ? 4 : -1));
  const answer = await new Promise<unknown>((resolve) => {
    client.on("answer-was", resolve);
    client.emit("ask-me");
  });
  assert.equal(answer, 4);

  await new Promise((resolve) => client.emit(JOIN_EVENT, ["r1"], resolve));
  const msgs: { seq: number; stampUs: number; payload: ArrayBuffer }[] = [];
  const done = new Promise<void>((resolve) =>
    client.on(BROADCAST_EVENT, (seq: number, stampUs: number, payload: ArrayBuffer) => {
      msgs.push({ seq, stampUs, payload });
      if (msgs.length === 2) resolve();
    }),
  );
  const ack = await new Promise<unknown>((resolve) =>
    client.emit(BROADCAST_REQUEST_EVENT, { rooms: ["r1"], count: 2, payload: "64KiB-bin" }, resolve),
  );
  await done;
  assert.deepEqual(ack, { from: 0, count: 2 });
  assert.deepEqual(msgs.map((m) => m.seq), [0, 1]);
  assert.ok(msgs[0].payload instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(msgs[0].payload)], BIN_PAYLOAD);
  assert.ok(Math.abs(Date.now() - msgs[0].stampUs / 1000) < 10_000);
  assert.equal(client.pendingAcks, 0);
  assert.deepEqual(errors, []);

  const gone = new Promise<void>((resolve) => {
    const socket = [...server.io.sockets.sockets.values()][0];
    socket.once("disconnect", (reason) => {
      assert.equal(reason, "client namespace disconnect");
      resolve();
    });
  });
  client.close();
  await gone;
  assert.equal(client.closed, true);
});

test("SocketIOClient over long-polling (fetch): handshake, sid carried, binary broadcast as b64", { timeout: 10_000 }, async (t) => {
  const server = await startUpstream();
  t.after(() => server.close());
  const outbox: EngineFrame[] = [];
  const client = new SocketIOClient({ send: (frame) => outbox.push(frame) });

  const feed = (body: string): void => {
    for (const frame of decodePollingPayload(body)) client.receive(frame);
  };
  const hs = await fetch(handshakeUrl(server.url));
  assert.equal(hs.status, 200);
  feed(await hs.text());
  const sid = client.engine?.sid;
  assert.ok(sid);
  const url = handshakeUrl(server.url, { sid });
  const flush = async (): Promise<void> => {
    const body = encodePollingPayload(outbox.splice(0));
    const res = await fetch(url, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
  };
  const poll = async (): Promise<void> => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    feed(await res.text());
  };

  await flush(); // "40"
  await poll();
  assert.equal(client.connected, true);

  let echoed: unknown;
  client.emit(ECHO_EVENT, "ping", (reply: unknown) => (echoed = reply));
  client.emit(JOIN_EVENT, ["room"], () => undefined);
  await flush();
  while (client.pendingAcks > 0) await poll();
  assert.equal(echoed, "ping");

  const msgs: Uint8Array[] = [];
  client.on(BROADCAST_EVENT, (_seq: number, _stampUs: number, payload: Uint8Array) => msgs.push(payload));
  let acked: unknown;
  client.emit(BROADCAST_REQUEST_EVENT, { rooms: ["room"], payload: "64KiB-bin" }, (reply: unknown) => (acked = reply));
  await flush();
  while (msgs.length < 1 || client.pendingAcks > 0) await poll();
  assert.deepEqual([...msgs[0]], BIN_PAYLOAD);
  assert.deepEqual(acked, { from: 0, count: 1 });

  const gone = new Promise<string>((resolve) => [...server.io.sockets.sockets.values()][0].once("disconnect", resolve));
  client.close("polling");
  await flush();
  // Upstream handles the batched "41" on the next tick, after the CLOSE ended the session.
  assert.match(await gone, /^(client namespace disconnect|transport close)$/);
  assert.equal(server.io.engine.clientsCount, 0);
});

test("SocketIOClient answers pings, so upstream keeps a session with a tiny pingTimeout", { timeout: 10_000 }, async (t) => {
  const sent: EngineFrame[] = [];
  const offline = new SocketIOClient({ send: (frame) => sent.push(frame) });
  offline.receive("2");
  assert.deepEqual(sent, ["3"]);

  const httpServer = createServer();
  const io = new Server(httpServer, { pingInterval: 40, pingTimeout: 40 });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => void io.close(() => resolve())));
  const ws = new WebSocket(handshakeUrl(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, { transport: "websocket" }));
  const client = new SocketIOClient({ send: (frame) => ws.send(frame) });
  ws.on("message", (data: Buffer, isBinary: boolean) => client.receive(isBinary ? data : data.toString("utf8")));
  t.after(() => ws.close());
  await new Promise<void>((resolve) => client.on("connect", resolve));
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.ok(client.pings >= 3, `only ${client.pings} pings answered`);
  assert.equal(client.connected, true);
  assert.equal(io.engine.clientsCount, 1);
});
