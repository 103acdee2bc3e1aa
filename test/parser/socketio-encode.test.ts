// Encoder: byte-identical to upstream socket.io-parser on fixed and random inputs, and the
// encodeOnce fast path agreeing with Encoder#encode.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as upstream from "socket.io-parser";
import { Encoder, PacketType, encodeOnce, hasBinary, isBinary, encodeAsString } from "../../src/parser/socketio";
import type { Packet } from "../../src/parser/socketio";
import { RandomData, rng } from "./socketio-random";

const ours = new Encoder();
const theirs = new upstream.Encoder();

/** Encodes with both and asserts the same text and the very same attachment objects. */
function assertSame(packet: Packet, label = ""): unknown[] {
  const a = ours.encode(packet);
  const b = theirs.encode(packet as upstream.Packet) as unknown[];
  assert.equal(a.length, b.length, `item count ${label}`);
  assert.equal(a[0], b[0], `text ${label}`);
  for (let i = 1; i < a.length; i++) assert.equal(a[i], b[i], `attachment ${i} ${label}`);
  return a;
}

test("fixed packets of every type encode as upstream does", () => {
  const cases: Packet[] = [
    { type: PacketType.CONNECT, nsp: "/" },
    { type: PacketType.CONNECT, nsp: "/admin", data: { token: "abc" } },
    { type: PacketType.CONNECT, nsp: "/admin", data: { sid: "x", pid: "y" } },
    { type: PacketType.DISCONNECT, nsp: "/" },
    { type: PacketType.DISCONNECT, nsp: "/admin" },
    { type: PacketType.EVENT, nsp: "/", data: ["chat", "hi"] },
    { type: PacketType.EVENT, nsp: "/", data: ["chat", "hi"], id: 0 },
    { type: PacketType.EVENT, nsp: "/chat", data: ["a", 1, { b: [true, null] }], id: 123456 },
    { type: PacketType.ACK, nsp: "/", data: [], id: 1 },
    { type: PacketType.ACK, nsp: "/x", data: ["ok", { n: 2 }], id: 99 },
    { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized", data: { code: 1 } } },
    { type: PacketType.CONNECT_ERROR, nsp: "/admin", data: "Invalid namespace" },
    { type: PacketType.EVENT, nsp: "/", data: ["bin", Buffer.from([1, 2, 3])] },
    { type: PacketType.EVENT, nsp: "/n", data: ["bin", { a: [new ArrayBuffer(2), { b: new Uint16Array(3) }] }], id: 7 },
    { type: PacketType.ACK, nsp: "/", data: [Buffer.alloc(0)], id: 5 },
    { type: PacketType.BINARY_EVENT, nsp: "/", data: ["x", { _placeholder: true, num: 0 }], attachments: 1 },
    { type: PacketType.EVENT, nsp: "", data: ["empty nsp"] },
    { type: PacketType.EVENT, nsp: "/", data: ["dates", new Date(0), { d: new Date(86400000) }] },
    { type: PacketType.EVENT, nsp: "/", data: ["undef", undefined, () => 1, Symbol("s")] },
    { type: PacketType.EVENT, nsp: "/", data: ["fn-data"], id: undefined },
  ];
  for (const [i, packet] of cases.entries()) assertSame(packet, `case ${i}`);
});

test("binary attachments are replaced by numbered placeholders in order", () => {
  const a = Buffer.from("a");
  const b = new Uint8Array([9]);
  const out = ours.encode({ type: PacketType.EVENT, nsp: "/", data: ["f", a, { deep: [[b]] }], id: 3 });
  assert.deepEqual(out, [
    '52-3["f",{"_placeholder":true,"num":0},{"deep":[[{"_placeholder":true,"num":1}]]}]',
    a,
    b,
  ]);
});

test("toJSON objects, Dates and quirks match upstream, binary or not", () => {
  const bin = Buffer.from([7]);
  const quirky: unknown[] = [
    { toJSON: () => bin },
    { toJSON: () => ({ inner: bin }) },
    { toJSON: () => ({ toJSON: () => "again", v: bin }) },
    { toJSON: () => ({ toJSON: () => "again", v: 1 }) },
    new Date(1234567890),
    new Date(NaN),
    { toJSON: () => undefined },
    Object.assign(Object.create({ inherited: bin }), { own: 1 }),
    new Map([["k", bin]]),
    [bin, , undefined], // eslint-disable-line no-sparse-arrays
    { a: undefined, b: () => 1, c: bin },
  ];
  for (const [i, value] of quirky.entries()) {
    assertSame({ type: PacketType.EVENT, nsp: "/", data: ["q", value] }, `quirk ${i}`);
    assertSame({ type: PacketType.ACK, nsp: "/", data: [value], id: i }, `quirk ack ${i}`);
    assertSame({ type: PacketType.EVENT, nsp: "/", data: value }, `quirk bare ${i}`);
  }
});

test("data whose JSON.stringify is undefined encodes as upstream does", () => {
  assertSame({ type: PacketType.EVENT, nsp: "/", data: () => 1 } as Packet);
  assertSame({ type: PacketType.EVENT, nsp: "/", data: { toJSON: () => undefined } });
});

test("an own __proto__ key next to binary data encodes as upstream and pollutes nothing", () => {
  const data = JSON.parse('["p",{"__proto__":{"polluted":true},"ok":1}]') as unknown[];
  (data[1] as Record<string, unknown>).buf = Buffer.from([1]);
  assertSame({ type: PacketType.EVENT, nsp: "/", data });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const text = ours.encode({ type: PacketType.EVENT, nsp: "/", data })[0];
  assert.equal(text, '51-["p",{"ok":1,"buf":{"_placeholder":true,"num":0}}]');
});

test("BigInt in data throws, as upstream", () => {
  const packet = { type: PacketType.EVENT, nsp: "/", data: ["big", 1n] };
  assert.throws(() => theirs.encode(packet as upstream.Packet), TypeError);
  assert.throws(() => ours.encode(packet), TypeError);
});

test("a replacer is applied like upstream's", () => {
  const replacer = (key: string, value: unknown) => (key === "secret" ? undefined : value);
  const a = new Encoder(replacer);
  const b = new upstream.Encoder(replacer);
  const packet = { type: PacketType.EVENT, nsp: "/", data: ["r", { secret: 1, open: 2 }, Buffer.of(1)] };
  assert.deepEqual(a.encode(packet), b.encode(packet as upstream.Packet));
  assert.equal(a.encodeOnce(packet).text, b.encode(packet as upstream.Packet)[0]);
  assert.throws(() => new Encoder(42 as never), /replacer/);
});

test("random packets (2000 seeds) encode byte-identically to upstream", () => {
  let withBinary = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const r = new RandomData(rng(seed));
    const type = r.pick([PacketType.EVENT, PacketType.EVENT, PacketType.ACK, PacketType.CONNECT, PacketType.CONNECT_ERROR]);
    const packet: Packet = { type, nsp: r.namespace() };
    if (type === PacketType.EVENT || type === PacketType.ACK) {
      packet.data = r.next() < 0.8 ? r.eventArgs() : r.value();
      if (r.next() < 0.5) packet.id = r.int(1e6);
    } else if (r.next() < 0.8) {
      packet.data = type === PacketType.CONNECT ? { auth: r.value(2) } : r.value(3);
    }
    const out = assertSame(packet, `seed ${seed}`);
    if (out.length > 1) withBinary++;
  }
  // The generator must actually exercise the binary path, or this test proves little.
  assert.ok(withBinary > 200, `only ${withBinary} binary packets`);
});

test("random JSON-only data (500 seeds) encodes identically and hasBinary says false", () => {
  for (let seed = 10_001; seed <= 10_500; seed++) {
    const r = new RandomData(rng(seed), false);
    const data = r.eventArgs();
    assert.equal(hasBinary(data), false, `seed ${seed}`);
    const out = assertSame({ type: PacketType.EVENT, nsp: "/", data }, `seed ${seed}`);
    assert.equal(out.length, 1);
  }
});

test("encodeOnce gives the same text as encode and Buffer views of the same memory", () => {
  for (let seed = 20_001; seed <= 20_400; seed++) {
    const r = new RandomData(rng(seed));
    const packet: Packet = { type: PacketType.EVENT, nsp: r.namespace(), data: r.eventArgs() };
    const full = ours.encode(packet);
    const once = encodeOnce(packet);
    assert.equal(once.text, full[0]);
    assert.equal(once.attachments.length, full.length - 1);
    for (let i = 0; i < once.attachments.length; i++) {
      const att = once.attachments[i]!;
      const orig = full[i + 1] as ArrayBuffer | ArrayBufferView;
      assert.ok(Buffer.isBuffer(att));
      const view = orig instanceof ArrayBuffer ? new Uint8Array(orig) : new Uint8Array(orig.buffer, orig.byteOffset, orig.byteLength);
      assert.ok(att.equals(view), `seed ${seed} attachment ${i} bytes`);
      assert.equal(att.buffer, view.buffer, "no copy was made");
    }
  }
});

test("encodeOnce refuses a Blob attachment with a stable code", () => {
  const packet = { type: PacketType.EVENT, nsp: "/", data: ["blob", new Blob(["x"])] };
  assert.throws(() => encodeOnce(packet), { code: "ERR_HYPERIO_SIO_UNSUPPORTED_ATTACHMENT" });
  // Encoder#encode passes it through untouched, as upstream does.
  assertSame(packet);
});

test("encodeOnce does not modify the packet", () => {
  const data = ["x", Buffer.of(1), { b: Buffer.of(2) }];
  const packet: Packet = { type: PacketType.EVENT, nsp: "/", data };
  const snapshot = { ...packet, data: [...data] };
  encodeOnce(packet);
  assert.deepEqual(packet, snapshot);
  assert.equal(packet.type, PacketType.EVENT);
});

test("hasBinary and isBinary classify values like upstream", () => {
  const values: unknown[] = [
    null, undefined, 0, "", "x", [], {}, [1, [2, [3]]], Buffer.of(1), new ArrayBuffer(1), new Uint8Array(1),
    new DataView(new ArrayBuffer(1)), new Blob([]), [{ a: [{ b: new Int32Array(1) }] }],
    { toJSON: () => Buffer.of(1) }, { toJSON: () => ({ toJSON: () => Buffer.of(1) }) },
    { toJSON: () => [{ toJSON: () => Buffer.of(1) }] }, new Date(), new SharedArrayBuffer(1),
    Object.create({ b: Buffer.of(1) }),
  ];
  // upstream's helpers are not exported from the package root; compare through encode's choice.
  for (const [i, v] of values.entries()) {
    const up = (theirs.encode({ type: 2, nsp: "/", data: [v] }) as unknown[]).length > 1;
    assert.equal(hasBinary([v]), up, `value ${i}`);
  }
  assert.equal(isBinary(Buffer.of(1)), true);
  assert.equal(isBinary({}), false);
  assert.equal(encodeAsString({ type: PacketType.EVENT, nsp: "/", data: ["a", Buffer.of(1)] }).startsWith('2["a",{"type":"Buffer"'), true);
});

test("long string arguments (the native JSON string check) encode as upstream does", () => {
  const long = (unit: string, n = 700) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  const strings = [
    long("hello world "),
    long("日本語"),
    long("😀"),
    long("a") + '"',
    long("a") + "\\",
    "\n" + long("a"),
    long("a") + "\u001f",
    long("a") + "\ud83d", // lone high surrogate at the end
    "\ude00" + long("a"), // lone low surrogate
    long("a", 5000) + "\u2028",
    long("x", 70000),
  ];
  const withToJSON = { toJSON: (key: string) => `key:${key}` };
  const big = Object.assign(Object(BigInt(7)), {});
  for (const s of strings) {
    for (const data of [
      ["message", s],
      ["message", s, 1, true, null, { user: "bob", text: s }],
      ["message", undefined, s, () => 1, Symbol("x")],
      ["message", s, withToJSON, new Date(0)],
      ["message", s, Object.assign(() => 1, { toJSON: (key: string) => `fn:${key}` })],
      [s],
    ]) {
      assertSame({ type: PacketType.EVENT, nsp: "/", data }, JSON.stringify(s.slice(-3)));
      assertSame({ type: PacketType.ACK, nsp: "/chat", data, id: 4 }, JSON.stringify(s.slice(-3)));
    }
    assertSame({ type: PacketType.CONNECT_ERROR, nsp: "/", data: s });
  }
  // toJSON is called with the element's index, as JSON.stringify of the whole array does.
  assert.ok(encodeAsString({ type: PacketType.EVENT, nsp: "/", data: ["m", strings[0], withToJSON] }).endsWith(',"key:2"]'));
  // A bigint with a toJSON on its prototype is the user's business; the output must still match.
  (BigInt.prototype as unknown as { toJSON?: () => string }).toJSON = function () {
    return `big:${String(this)}`;
  };
  try {
    assertSame({ type: PacketType.EVENT, nsp: "/", data: ["m", strings[0], 5n] });
    assertSame({ type: PacketType.EVENT, nsp: "/", data: ["m", strings[0], big] });
  } finally {
    delete (BigInt.prototype as unknown as { toJSON?: unknown }).toJSON;
  }
  assert.throws(() => ours.encode({ type: PacketType.EVENT, nsp: "/", data: ["m", strings[0], 5n] }), TypeError);
});
