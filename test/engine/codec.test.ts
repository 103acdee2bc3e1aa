import { test } from "node:test";
import assert from "node:assert/strict";
import * as upstream from "engine.io-parser";
import {
  decodePacket,
  decodePayload,
  encodePacket,
  encodePayload,
  EngineParseError,
  Packet,
} from "../../src/parser/engine-io";

function upstreamEncode(packets: Packet[]): Promise<string> {
  return new Promise((r) => upstream.encodePayload(packets as upstream.Packet[], r));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EngineParseError, `expected EngineParseError, got ${String(e)}`);
    return e.code;
  }
  return undefined;
}

test("encodePacket: every type, text and binary", () => {
  assert.equal(encodePacket({ type: "open", data: '{"sid":"x"}' }, true), '0{"sid":"x"}');
  assert.equal(encodePacket({ type: "close" }, true), "1");
  assert.equal(encodePacket({ type: "ping", data: "probe" }, true), "2probe");
  assert.equal(encodePacket({ type: "pong" }, true), "3");
  assert.equal(encodePacket({ type: "message", data: "héllo" }, true), "4héllo");
  assert.equal(encodePacket({ type: "upgrade" }, true), "5");
  assert.equal(encodePacket({ type: "noop" }, true), "6");
  const bin = Buffer.from([1, 2, 3]);
  assert.deepEqual(encodePacket({ type: "message", data: bin }, true), bin);
  assert.equal(encodePacket({ type: "message", data: bin }, false), "bAQID");
  // ArrayBuffer and typed-array views are accepted and viewed without copying.
  assert.equal(encodePacket({ type: "message", data: new Uint8Array([1, 2, 3]).buffer }, false), "bAQID");
  assert.equal(encodePacket({ type: "message", data: new Uint16Array([0x0201]) }, false), "bAQI=");
});

test("decodePacket: types, data, binary frames", () => {
  assert.deepEqual(decodePacket("4hello"), { type: "message", data: "hello" });
  assert.deepEqual(decodePacket("2probe"), { type: "ping", data: "probe" });
  assert.deepEqual(decodePacket("6"), { type: "noop" });
  assert.deepEqual(decodePacket(Buffer.from([9])), { type: "message", data: Buffer.from([9]) });
  assert.deepEqual(decodePacket(new Uint8Array([7]).buffer), { type: "message", data: Buffer.from([7]) });
  // base64 records are for polling payloads only
  assert.equal(codeOf(() => decodePacket("bAQ==")), "ERR_HYPERIO_EIO_UNKNOWN_TYPE");
  assert.deepEqual(decodePacket("bAQ==", true), { type: "message", data: Buffer.from([1]) });
});

test("decodePacket: rejects with stable codes", () => {
  assert.equal(codeOf(() => decodePacket("")), "ERR_HYPERIO_EIO_EMPTY_PACKET");
  assert.equal(codeOf(() => decodePacket("7")), "ERR_HYPERIO_EIO_UNKNOWN_TYPE");
  assert.equal(codeOf(() => decodePacket("/x")), "ERR_HYPERIO_EIO_UNKNOWN_TYPE");
  assert.equal(codeOf(() => decodePacket("x")), "ERR_HYPERIO_EIO_UNKNOWN_TYPE");
  assert.equal(codeOf(() => decodePacket(42 as unknown as string)), "ERR_HYPERIO_EIO_INVALID_INPUT");
});

test("payload round trip, and identical to upstream engine.io-parser", async () => {
  const packets: Packet[] = [
    { type: "message", data: "a" },
    { type: "message", data: Buffer.from([0, 255, 7]) },
    { type: "ping" },
    { type: "message", data: "x\u00e9\u{1f600}" },
    { type: "noop" },
  ];
  const ours = encodePayload(packets);
  assert.equal(ours, await upstreamEncode(packets));
  assert.deepEqual(decodePayload(ours), [
    { type: "message", data: "a" },
    { type: "message", data: Buffer.from([0, 255, 7]) },
    { type: "ping" },
    { type: "message", data: "x\u00e9\u{1f600}" },
    { type: "noop" },
  ]);
  // What upstream encodes, we decode to the same packets.
  assert.deepEqual(
    decodePayload(await upstreamEncode([{ type: "message", data: "only" }])),
    upstream.decodePayload("4only"),
  );
  assert.equal(encodePayload([{ type: "message", data: "solo" }]), "4solo");
});

test("decodePayload: malformed records", () => {
  assert.equal(codeOf(() => decodePayload("")), "ERR_HYPERIO_EIO_EMPTY_PACKET");
  assert.equal(codeOf(() => decodePayload("4a\x1e")), "ERR_HYPERIO_EIO_EMPTY_PACKET");
  assert.equal(codeOf(() => decodePayload("\x1e4a")), "ERR_HYPERIO_EIO_EMPTY_PACKET");
  assert.equal(codeOf(() => decodePayload("4a\x1e\x1e4b")), "ERR_HYPERIO_EIO_EMPTY_PACKET");
  assert.equal(codeOf(() => decodePayload("4a\x1e9b")), "ERR_HYPERIO_EIO_UNKNOWN_TYPE");
  assert.equal(codeOf(() => decodePayload("b!!!!")), "ERR_HYPERIO_EIO_BAD_BASE64");
  assert.equal(codeOf(() => decodePayload("bAQ")), "ERR_HYPERIO_EIO_BAD_BASE64"); // missing padding
  assert.equal(codeOf(() => decodePayload("bAQ=A")), "ERR_HYPERIO_EIO_BAD_BASE64"); // padding in the middle
  assert.equal(codeOf(() => decodePayload("bA-_A")), "ERR_HYPERIO_EIO_BAD_BASE64"); // base64url alphabet
  assert.deepEqual(decodePayload("b"), [{ type: "message", data: Buffer.alloc(0) }]);
  assert.equal(codeOf(() => decodePayload(Buffer.from("4a") as unknown as string)), "ERR_HYPERIO_EIO_INVALID_INPUT");
});

test("decodePayload: limits are checked before decoding", () => {
  assert.equal(codeOf(() => decodePayload("4" + "x".repeat(100), { maxPayload: 50 })), "ERR_HYPERIO_EIO_PAYLOAD_TOO_LARGE");
  assert.equal(decodePayload("4" + "x".repeat(49), { maxPayload: 50 }).length, 1);
  const many = Array.from({ length: 11 }, () => "6").join("\x1e");
  assert.equal(codeOf(() => decodePayload(many, { maxPackets: 10 })), "ERR_HYPERIO_EIO_TOO_MANY_PACKETS");
  assert.equal(decodePayload(many, { maxPackets: 11 }).length, 11);
});

test("random payloads round-trip", () => {
  let seed = 42;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let iter = 0; iter < 200; iter++) {
    const packets: Packet[] = [];
    const n = 1 + rnd(8);
    for (let i = 0; i < n; i++) {
      if (rnd(2)) {
        packets.push({ type: "message", data: Buffer.from(Array.from({ length: rnd(40) }, () => rnd(256))) });
      } else {
        const s = Array.from({ length: rnd(40) }, () => String.fromCharCode(32 + rnd(0x2000))).join("").replace(/\x1e/g, "");
        packets.push({ type: "message", data: s });
      }
    }
    // An empty text message travels as a bare "4" and decodes without data (as upstream).
    const expected = packets.map((p) => (p.data === "" ? { type: p.type } : p));
    assert.deepEqual(decodePayload(encodePayload(packets)), expected);
  }
});

test("base64 validation is strict for every kind of corruption", () => {
  for (const bad of ["AQ!D", "AQ D", "AQ\nD", "A-_A", "AQ=A", "====", "A===", "AQ", "AQI", "AQIDB", "=AQI", "AQ==AQ=="]) {
    assert.equal(codeOf(() => decodePayload("b" + bad)), "ERR_HYPERIO_EIO_BAD_BASE64", JSON.stringify(bad));
  }
  for (let n = 0; n < 40; n++) {
    const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + n) & 0xff));
    assert.deepEqual(decodePayload("b" + b.toString("base64")), [{ type: "message", data: b }]);
  }
});
