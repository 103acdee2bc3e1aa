// Prototype pollution: payloads from the wire must never alter a prototype, and `__proto__`
// keys are refused by default (allowed, as plain own properties, with rejectProtoKeys: false).
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Decoder, SocketIOParseError } from "../../src/parser/socketio";
import type { Packet, DecoderOptions } from "../../src/parser/socketio";

function decode(chunks: unknown[], opts?: DecoderOptions): Packet {
  const decoder = new Decoder(opts);
  let got: Packet | undefined;
  decoder.on("decoded", (p: Packet) => (got = p));
  for (const c of chunks) decoder.add(c);
  assert.ok(got, "a packet was decoded");
  return got;
}

/** The chunks for one text: binary packets get their single attachment. */
function chunksFor(text: string): unknown[] {
  return text.startsWith("5") ? [text, Buffer.of(1)] : [text];
}

function assertPrototypesClean(): void {
  const probe = {} as Record<string, unknown>;
  for (const name of ["polluted", "isAdmin", "x"]) {
    assert.equal(probe[name], undefined, `Object.prototype.${name}`);
    assert.equal(([] as unknown as Record<string, unknown>)[name], undefined, `Array.prototype.${name}`);
  }
}

afterEach(assertPrototypesClean);

const PROTO_PAYLOADS = [
  '2["a",{"__proto__":{"polluted":true}}]',
  '2["a",{"b":[{"c":{"__proto__":{"isAdmin":true}}}]}]',
  '2["a",{"\\u005f_proto__":{"polluted":true}}]',
  '2["a",{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":true}}]',
  '0{"__proto__":{"polluted":true}}',
  '4{"__proto__":{"polluted":true}}',
  '31[{"__proto__":null}]',
  '51-["a",{"__proto__":{"_placeholder":true,"num":0}}]',
];

test("payloads with a __proto__ key are refused by default", () => {
  for (const text of PROTO_PAYLOADS) {
    assert.throws(() => decode(chunksFor(text)), { code: "ERR_HYPERIO_SIO_PROTO_KEY" }, text);
  }
});

test("with rejectProtoKeys: false, __proto__ stays an own data property", () => {
  for (const text of PROTO_PAYLOADS) {
    const packet = decode(chunksFor(text), { rejectProtoKeys: false });
    const stack: unknown[] = [packet.data];
    let seen = 0;
    while (stack.length) {
      const node = stack.pop();
      if (typeof node !== "object" || node === null || Buffer.isBuffer(node)) continue;
      if (!Array.isArray(node)) {
        assert.equal(Object.getPrototypeOf(node), Object.prototype, text);
        if (Object.prototype.hasOwnProperty.call(node, "__proto__")) seen++;
      }
      stack.push(...Object.values(node));
    }
    assert.equal(seen, 1, `${text}: the key is kept as data`);
  }
  // The placeholder under a __proto__ key became the attachment without re-parenting anything.
  const bin = Buffer.of(9);
  const packet = decode(['51-["a",{"__proto__":{"_placeholder":true,"num":0}}]', bin], { rejectProtoKeys: false });
  const holder = packet.data[1] as object;
  assert.equal(Object.getOwnPropertyDescriptor(holder, "__proto__")?.value, bin);
  assert.equal(Object.getPrototypeOf(holder), Object.prototype);
});

test("the string __proto__ as a value, or escaped text, is ordinary data", () => {
  assert.deepEqual(decode(['2["__proto__","__proto__",{"k":"__proto__"}]']).data, ["__proto__", "__proto__", { k: "__proto__" }]);
  assert.deepEqual(decode(['2["\\u00e9",{"\\u0041":1}]']).data, ["é", { A: 1 }]);
});

test("constructor and prototype keys are data, never reach a real prototype", () => {
  const packet = decode(['2["a",{"constructor":{"prototype":{"polluted":true}},"prototype":{"isAdmin":1}}]']);
  const obj = packet.data[1] as Record<string, unknown>;
  assert.ok(Object.prototype.hasOwnProperty.call(obj, "constructor"));
  assert.notEqual(obj.constructor, Object);
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  // A binary packet whose placeholder sits under constructor.prototype is filled in place.
  const bin = Buffer.of(1);
  const p2 = decode(['51-["a",{"constructor":{"prototype":{"_placeholder":true,"num":0}}}]', bin]);
  assert.equal(((p2.data[1] as any).constructor as any).prototype, bin);
  assert.equal(Object.getPrototypeOf(p2.data[1]), Object.prototype);
});

test("a merge of a decoded payload with rejectProtoKeys: false cannot pollute Object.prototype", () => {
  const packet = decode(['2["a",{"__proto__":{"polluted":true}}]'], { rejectProtoKeys: false });
  // Object.assign re-parents `target` only, never Object.prototype; this is why rejecting is the default.
  const target = Object.assign({}, packet.data[1]) as Record<string, unknown>;
  assert.equal(target.polluted, true);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("errors are SocketIOParseError instances", () => {
  try {
    decode([PROTO_PAYLOADS[0]]);
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof SocketIOParseError);
    assert.match(err.message, /__proto__/);
  }
});
