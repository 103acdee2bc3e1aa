// Deeply nested data on the encode path: the binary search (hasBinary), the placeholder copy
// (deconstruct) and JSON serialisation continue without recursion past a fixed depth, so a
// 100,000-deep value a client sent (JSON.parse accepts it) can be sent back. Below V8's
// recursion limit the output must stay byte-identical to upstream socket.io-parser; above
// it, identical to what JSON.stringify would write given the stack.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as upstream from "socket.io-parser";
import { Decoder, Encoder, PacketType, hasBinary } from "../../src/parser/socketio";
import type { Packet } from "../../src/parser/socketio";
import { MAX_DEPTH, stringifyDeep } from "../../src/parser/socketio/stringify-deep";
import { RandomData, rng } from "./socketio-random";

const SEED = Number(process.env.SEED ?? 20261205);

/** Wraps `inner` in `depth` levels of arrays and objects (chosen by `next`). */
function nest(inner: unknown, depth: number, next: () => number): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = next() < 0.5 ? [v] : next() < 0.5 ? { k: v, n: i } : [i, v, "s"];
  return v;
}

test("past the recursion depth, the encoder still matches upstream byte for byte (random data, binary included)", () => {
  const next = rng(SEED);
  const data = new RandomData(next);
  const ours = new Encoder();
  const theirs = new upstream.Encoder();
  for (let i = 0; i < 60; i++) {
    const depth = 250 + Math.floor(next() * 900);
    const args = ["deep", nest(data.value(1), depth, next), nest(data.value(1), depth >> 1, next)];
    const packet: Packet = { type: i % 3 === 0 ? PacketType.ACK : PacketType.EVENT, nsp: i % 2 ? "/" : "/n", data: args, id: i % 3 === 0 ? i : undefined };
    const a = ours.encode(packet);
    const b = theirs.encode(packet as upstream.Packet) as unknown[];
    assert.equal(a.length, b.length, `seed ${SEED} #${i}: attachment count`);
    assert.equal(a[0], b[0], `seed ${SEED} #${i}: text`);
    for (let j = 1; j < a.length; j++) assert.equal(a[j], b[j], `seed ${SEED} #${i}: attachment ${j}`);
  }
});

test("a 100,000-deep array and object encode (JSON.stringify alone overflows), with and without binary", () => {
  const n = 100_000;
  const arrayText = "[".repeat(n) + "]".repeat(n);
  const deepArray = JSON.parse(arrayText) as unknown;
  assert.throws(() => JSON.stringify(deepArray), RangeError);
  const enc = new Encoder();
  assert.deepEqual(enc.encode({ type: PacketType.EVENT, nsp: "/", data: ["echo", deepArray] }), ['2["echo",' + arrayText + "]"]);

  const objectText = '{"a":'.repeat(n) + "1" + "}".repeat(n);
  assert.deepEqual(enc.encode({ type: PacketType.ACK, nsp: "/", id: 4, data: [JSON.parse(objectText)] }), ["34[" + objectText + "]"]);

  // A Buffer at the bottom: found by hasBinary, replaced by deconstruct, written without recursion.
  const withBinaryText = '["echo",' + "[".repeat(n) + '{"_placeholder":true,"num":0}' + "]".repeat(n) + "]";
  const decoder = new Decoder();
  let decoded: Packet | undefined;
  decoder.on("decoded", (p: Packet) => (decoded = p));
  decoder.add("51-" + withBinaryText);
  decoder.add(Buffer.from("bottom"));
  assert.ok(hasBinary(decoded!.data));
  const out = enc.encode(decoded!);
  assert.equal(out.length, 2);
  assert.equal(out[0], "51-" + withBinaryText);
  assert.deepEqual(out[1], Buffer.from("bottom"));
});

test("stringifyDeep writes what JSON.stringify writes, replacer and toJSON included", () => {
  const next = rng(SEED + 1);
  const data = new RandomData(next, false);
  const replacer = function (this: unknown, key: string, value: unknown) {
    if (key === "a") return undefined;
    if (typeof value === "number" && value > 100) return String(value);
    return value;
  };
  for (let i = 0; i < 400; i++) {
    const v = i % 7 === 0 ? data.leaf() : nest(data.value(0), Math.floor(next() * 20), next);
    assert.equal(stringifyDeep(v, undefined), JSON.stringify(v), `seed ${SEED + 1} #${i}`);
    assert.equal(stringifyDeep(v, replacer), JSON.stringify(v, replacer), `seed ${SEED + 1} #${i} (replacer)`);
  }
  const special: unknown[] = [
    undefined, () => 1, Symbol("x"), NaN, -0, new Date(0), new Date(NaN), Object(1), Object("s"), Object(false),
    [undefined, () => 1, Symbol("x")], { u: undefined, f: () => 1, s: Symbol("x"), d: new Date(5) },
    { toJSON: (key: string) => ({ key }) }, [{ toJSON: (key: string) => key }], Object.create({ inherited: 1 }),
  ];
  for (const v of special) assert.equal(stringifyDeep(v, undefined), JSON.stringify(v), typeof v);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = { back: cyclic };
  assert.throws(() => stringifyDeep(cyclic, undefined), TypeError);
  assert.throws(() => stringifyDeep([1n], undefined), TypeError);
});

test("stringifyDeep: cycles deep in the data throw as JSON.stringify does; endless toJSON hits MAX_DEPTH", () => {
  for (const [length, back] of [[5000, 0], [5000, 2999], [70_000, 65_537], [3, 1]] as const) {
    const chain: unknown[][] = [[]];
    for (let i = 1; i < length; i++) {
      const next: unknown[] = [];
      chain[i - 1]!.push(i % 3 === 0 ? { k: next } : next);
      chain.push(next);
    }
    chain[length - 1]!.push(chain[back]);
    assert.throws(() => stringifyDeep(chain[0], undefined), /circular structure/, `cycle of ${length} back to ${back}`);
  }
  // A cycle through a toJSON result is still a cycle.
  const a: Record<string, unknown> = {};
  a.x = { toJSON: () => [a] };
  assert.throws(() => stringifyDeep(a, undefined), /circular structure/);
  // Fresh objects forever: no cycle to find, the depth bound ends it.
  const endless = { toJSON: () => [endless2()] };
  function endless2(): unknown {
    return { toJSON: () => [endless2()] };
  }
  assert.throws(() => stringifyDeep(endless, undefined), (err: unknown) => err instanceof RangeError && String(err).includes(String(MAX_DEPTH)));
});
