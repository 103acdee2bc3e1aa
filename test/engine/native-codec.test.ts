// The polling path's byte codec (payload-bytes.ts): large bodies go through the native addon
// when it is loaded (run this file with and without HYPERIO_NO_NATIVE=1), with results and
// errors identical to the string codec in every case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { nativeInfo } from "../../src/native";
import {
  decodePayload,
  decodePayloadBytes,
  encodePayload,
  encodePayloadWire,
  EngineParseError,
  Packet,
  POLLING_NATIVE_MIN_BYTES_DECODE,
} from "../../src/parser/engine-io";
import { connect, expectIdle, nextConnection, pollingHandshake, startUws, waitUntil } from "./helpers";

const impl = nativeInfo.native ? "native addon" : "twin only (addon not loaded)";

type Outcome = { packets: Packet[] } | { code: string };

function outcome(fn: () => Packet[]): Outcome {
  try {
    return { packets: fn() };
  } catch (e) {
    assert.ok(e instanceof EngineParseError, `expected EngineParseError, got ${String(e)}`);
    return { code: e.code };
  }
}

function assertSameAsStringCodec(body: Buffer, opts: { maxPackets?: number } = {}): void {
  const expected = outcome(() => decodePayload(body.toString("utf8"), opts));
  const got = outcome(() => decodePayloadBytes(body, { ...opts, nativeMinBytes: 0, nativeMinAvgRecordBytes: 0 }));
  assert.deepEqual(got, expected, JSON.stringify(body.toString("latin1").slice(0, 200)));
}

function rng(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
}

test(`decodePayloadBytes (${impl}) = decodePayload(toString) on hand-picked bodies`, () => {
  const cases = [
    "",
    "4",
    "4hello",
    "4a\x1e4b",
    "4a\x1e\x1e4b",
    "\x1e",
    "9oops",
    "4ok\x1e9oops",
    "b",
    "bAQ==",
    "bAQ",
    "bAQI",
    "bAQID",
    "4x\x1ebAQ\x1e4y",
    "bAR==",
    "bA-_A",
    "bAQ=A",
    "bAQ==\x1eb!!!!",
    "b!!!!\x1e9x",
    "9x\x1eb!!!!",
    "2probe\x1e3\x1e6\x1e1",
    "4héllo wörld €",
  ];
  for (const c of cases) assertSameAsStringCodec(Buffer.from(c, "utf8"));
  // Invalid UTF-8 in text records, alone and next to padded / unpadded base64.
  const bytes = [
    [0x34, 0xe2, 0x82, 0x1e, 0x62, 0x41, 0x51, 0x3d, 0x3d],
    [0x34, 0xff, 0x1e, 0x62, 0x41, 0x51],
    [0x34, 0xf0, 0x9f, 0x98, 0x1e, 0x62, 0x41, 0x51, 0x49],
    [0x34, 0xc0, 0x80],
    [0x62, 0x41, 0x51, 0x3d, 0x3d, 0x1e, 0x34, 0xed, 0xa0, 0x80],
  ];
  for (const b of bytes) assertSameAsStringCodec(Buffer.from(b));
  // Limits: the count limit with errors before and after it.
  const many = Buffer.from(Array.from({ length: 11 }, () => "6").join("\x1e"));
  assertSameAsStringCodec(many, { maxPackets: 10 });
  assertSameAsStringCodec(many, { maxPackets: 11 });
  assertSameAsStringCodec(Buffer.from("9x\x1e6\x1e6"), { maxPackets: 2 });
  assertSameAsStringCodec(Buffer.from("6\x1e6\x1e9x"), { maxPackets: 2 });
  assert.throws(
    () => decodePayloadBytes(Buffer.from("4" + "x".repeat(100)), { maxPayload: 50 }),
    (e: unknown) => e instanceof EngineParseError && e.code === "ERR_HYPERIO_EIO_PAYLOAD_TOO_LARGE",
  );
});

test(`decodePayloadBytes (${impl}) = decodePayload(toString) on random bodies`, () => {
  const r = rng(7);
  // Bytes biased toward what matters: separators, type digits, "b", base64, "=", UTF-8 lead
  // and continuation bytes.
  const alphabet = [0x1e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x39, 0x62, 0x41, 0x51, 0x3d, 0x2b, 0x2f, 0x2d, 0x78, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0xff];
  for (let iter = 0; iter < 3000; iter++) {
    const len = r(40);
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = r(4) === 0 ? r(256) : alphabet[r(alphabet.length)];
    assertSameAsStringCodec(b, iter % 5 === 0 ? { maxPackets: 1 + r(4) } : {});
  }
  // Well-formed payloads with binary of every length mod 3, padded and with padding cut.
  for (let iter = 0; iter < 500; iter++) {
    const parts: string[] = [];
    for (let i = 1 + r(5); i > 0; i--) {
      if (r(2)) {
        const b64 = Buffer.from(Array.from({ length: r(20) }, () => r(256))).toString("base64");
        parts.push("b" + (r(4) === 0 ? b64.replace(/=+$/, "") : b64));
      } else {
        parts.push("4" + "é€x".slice(0, r(4)).repeat(r(5)));
      }
    }
    assertSameAsStringCodec(Buffer.from(parts.join("\x1e")));
  }
});

test(`encodePayloadWire (${impl}): the bytes of encodePayload, Buffer from the binary threshold`, () => {
  const r = rng(11);
  for (const binarySize of [0, 10, 1000, 40 * 1024, 64 * 1024, 100 * 1024 + 1]) {
    const packets: Packet[] = [
      { type: "message", data: "héllo" },
      { type: "message", data: Buffer.from(Array.from({ length: binarySize }, () => r(256))) },
      { type: "noop" },
      { type: "message", data: Buffer.from([1, 2]) },
      { type: "close" },
    ];
    const wire = encodePayloadWire(packets);
    assert.equal(typeof wire === "string", binarySize + 2 < 64 * 1024, `type for ${binarySize}`);
    assert.deepEqual(Buffer.from(wire as string), Buffer.from(encodePayload(packets)));
  }
});

test(`polling POST bodies over the native threshold (${impl}): delivered intact, in order`, async () => {
  const srv = await startUws({ maxHttpBufferSize: 4e6 });
  try {
    const conn = nextConnection(srv.engine);
    const sid = await pollingHandshake(srv.url);
    const socket = await conn;
    const got: Array<string | Buffer> = [];
    socket.on("message", (m: string | Buffer) => got.push(m));
    const text = "héllo wörld ".repeat(Math.ceil(POLLING_NATIVE_MIN_BYTES_DECODE / 12));
    const bin1 = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff));
    const bin2 = Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 7) & 0xff));
    const body = ["4" + text, "b" + bin1.toString("base64"), "4", "b" + bin2.toString("base64"), "4end"].join("\x1e");
    assert.ok(Buffer.byteLength(body) >= POLLING_NATIVE_MIN_BYTES_DECODE);
    const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
    await waitUntil(() => got.length === 5);
    assert.deepEqual(got, [text, bin1, "", bin2, "end"]);
    // No GET is pending to carry a close packet: discard (closes synchronously).
    const closed = once(socket, "close");
    socket.close(true);
    await closed;
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

const big = "x".repeat(POLLING_NATIVE_MIN_BYTES_DECODE);
for (const [name, body] of [
  ["unpadded base64 after a large record", `4${big}\x1ebAQ`],
  ["unknown type after a large record", `4${big}\x1e9x`],
  ["bad base64 in a large record", `b${big}!`],
  ["empty record after a large record", `4${big}\x1e\x1e4b`],
] as const) {
  test(`large malformed polling body (${name}, ${impl}) closes with 'parse error', delivers nothing`, async () => {
    const srv = await startUws();
    try {
      const conn = nextConnection(srv.engine);
      const sid = await pollingHandshake(srv.url);
      const socket = await conn;
      const got: unknown[] = [];
      socket.on("message", (m) => got.push(m));
      const closed = once(socket, "close");
      const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body });
      assert.equal(res.status, 200);
      await res.text();
      const [reason] = await closed;
      assert.equal(reason, "parse error");
      assert.equal(got.length, 0);
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test(`polling response carrying large binary (${impl}) reaches the official client intact`, async () => {
  const srv = await startUws({ pingInterval: 10000 });
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["polling"] });
    const socket = await conn;
    const got: unknown[] = [];
    client.on("message", (m) => got.push(m));
    const bin = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 13) & 0xff));
    socket.send("before");
    socket.send(bin);
    socket.send("after");
    await waitUntil(() => got.length === 3);
    assert.equal(got[0], "before");
    assert.deepEqual(Buffer.from(got[1] as ArrayBuffer), bin);
    assert.equal(got[2], "after");
    client.close();
    await once(socket, "close");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
