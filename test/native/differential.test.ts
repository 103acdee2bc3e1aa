// Bindings match the twin: the same random and adversarial inputs give identical results
// and identical errors (name, code, message) on both. Skipped when the addon is not built.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { calls, differ, type Call } from "./compare";
import { native, twinImpl } from "./impls";
import {
  BOUNDARY_SIZES,
  Rng,
  mutate,
  randomLimits,
  randomPackets,
  randomJsonString,
  randomPayload,
} from "./inputs";

function check(call: Call, label: () => string): void {
  const r = differ(native.fns, twinImpl.fns, call);
  if (!r.same) {
    assert.fail(`${label()}\nnative: ${JSON.stringify(r.a).slice(0, 400)}\ntwin:   ${JSON.stringify(r.b).slice(0, 400)}`);
  }
}

const show = (b: Uint8Array) => JSON.stringify(Buffer.from(b.subarray(0, 200)).toString("latin1"));

describe("native matches twin", { skip: native.skip }, () => {
  test("payload decode at every boundary size up to 3 MiB", () => {
    const rng = new Rng(1);
    for (const size of BOUNDARY_SIZES) {
      for (const adversarial of [false, true]) {
        const body = randomPayload(rng, size, adversarial);
        const [maxRecords, maxBytes] = randomLimits(rng, body);
        for (const [r, b] of [[0xffffffff, 0xffffffff], [maxRecords, maxBytes]]) {
          check(calls.decodePayload(body, r, b), () => `decodePayload size ${size} limits ${r}/${b} ${show(body)}`);
        }
      }
    }
  });

  test("payload decode on random and mutated small bodies", () => {
    const rng = new Rng(2);
    for (let i = 0; i < 20000; i++) {
      let body = randomPayload(rng, rng.int(300), rng.bool());
      if (rng.bool(0.6)) body = mutate(rng, body);
      const [r, b] = rng.bool(0.5) ? [0xffffffff, 0xffffffff] : randomLimits(rng, body);
      const input = rng.bool(0.1) ? new Uint8Array(body) : body;
      check(calls.decodePayload(input, r, b), () => `decodePayload #${i} limits ${r}/${b} ${show(body)}`);
    }
  });

  test("base64 of every length 0..1100 (valid, unpadded, corrupted)", () => {
    const rng = new Rng(3);
    for (let n = 0; n <= 1100; n++) {
      const b64 = rng.bytes(n).toString("base64");
      for (const text of [b64, b64.replace(/=+$/, ""), b64 + "=", b64.slice(0, -1), b64 + "A", b64.replace(/.$/, "*")]) {
        const body = Buffer.from("b" + text, "latin1");
        check(calls.decodePayload(body, 1, 0xffffffff), () => `base64 len ${n}: ${text.slice(-8)}`);
      }
    }
  });

  test("UTF-8 edge sequences decode as Buffer#toString does", () => {
    // Every 1- and 2-byte sequence, and every 3/4-byte prefix of the multi-byte leads with
    // boundary continuation bytes, each as a record framed by ASCII.
    const seqs: number[][] = [];
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) seqs.push([a, b]);
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let a = 0xc0; a < 256; a++) {
      for (const b of edges) for (const c of edges) {
        seqs.push([a, b, c]);
        for (const d of [0x80, 0xbf, 0x41]) seqs.push([a, b, c, d]);
      }
    }
    for (const tail of [[], [0x41]]) {
      const body = Buffer.from(seqs.flatMap((q) => [0x34, ...q.filter((x) => x !== 0x1e), ...tail, 0x1e]).slice(0, -1));
      const expected = body.toString("latin1").split("\x1e").map((r) => Buffer.from(r, "latin1").toString("utf8"));
      for (const impl of [native, twinImpl]) {
        assert.deepEqual(impl.fns.decodePayload(body, 0xffffffff, 0xffffffff), expected, impl.name);
      }
    }
  });

  test("one non-ASCII byte at every offset of ASCII records (the block-wise ASCII scan)", () => {
    // The native decoder tests 64-byte blocks, then 8-byte words, then bytes: a stray high
    // byte in any lane of any of them, or in the last partial block, must be seen.
    for (const length of [1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200]) {
      for (let at = 0; at < length; at++) {
        for (const high of [[0x80], [0xc3, 0xa9], [0xff]]) {
          const record = Buffer.alloc(length, 0x61);
          Buffer.from(high).copy(record, at);
          const body = Buffer.concat([Buffer.from("4"), record.subarray(0, length)]);
          const expected = [body.toString("utf8")];
          assert.deepEqual(native.fns.decodePayload(body, 1, 0xffffffff), expected, `length ${length} at ${at}`);
        }
      }
    }
  });

  test("JSON string check on random strings at every boundary size", () => {
    const rng = new Rng(7);
    for (let i = 0; i < 4000; i++) {
      const n = i < BOUNDARY_SIZES.length * 4 ? BOUNDARY_SIZES[i >> 2] : rng.int(rng.pick([70, 300, 5000]));
      const s = randomJsonString(rng, n);
      check(calls.jsonStringIsPlain(s), () => `jsonStringIsPlain(${JSON.stringify(s.slice(0, 100))}… length ${s.length})`);
      assert.equal(native.fns.jsonStringIsPlain(s), JSON.stringify(s) === '"' + s + '"');
    }
  });

  test("strings with surrogates of every kind encode as Buffer.from does", () => {
    const rng = new Rng(6);
    const units = [0x41, 0xe9, 0x7ff, 0x800, 0xfffd, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00, 0xffff, 0];
    for (let i = 0; i < 5000; i++) {
      const s = String.fromCharCode(...Array.from({ length: rng.int(12) }, () => rng.pick(units)));
      const expected = Buffer.from("4" + s, "utf8");
      assert.deepEqual(native.fns.encodePayload(["4" + s]), expected, JSON.stringify(s));
      assert.deepEqual(twinImpl.fns.encodePayload(["4" + s]), expected, JSON.stringify(s));
    }
  });

  test("payload encode on random packet lists (sizes up to 70 KiB)", () => {
    const rng = new Rng(4);
    for (let i = 0; i < 3000; i++) {
      const packets = randomPackets(rng, rng.pick([0, 3, 64, 1100, 70000]), true);
      check(calls.encodePayload(packets), () => `encodePayload #${i}`);
    }
    for (const size of BOUNDARY_SIZES) {
      const packets = randomPackets(rng, 0, false).concat([rng.bytes(size), "4" + "é".repeat(size >> 1)]);
      check(calls.encodePayload(packets), () => `encodePayload size ${size}`);
    }
  });

  test("bad arguments give the same errors", () => {
    const detached = new ArrayBuffer(8);
    const detachedView = new Uint8Array(detached, 2, 4);
    structuredClone(detached, { transfer: [detached] });
    const bads: unknown[] = [detached, detachedView, undefined, null, 0, -1, 1.5, NaN, 2 ** 32, "x", [], {}, 1n, new Uint16Array(2), new ArrayBuffer(3), Buffer.from("4"), new Float64Array(6)];
    for (const a of bads) {
      for (const b of bads) {
        check((f) => f.decodePayload(a as never, b as never, 5), () => `decodePayload(${String(a)}, ${String(b)}, 5)`);
        check((f) => f.decodePayload(Buffer.from("4"), a as never, b as never), () => `decodePayload(4, ${String(a)}, ${String(b)})`);
        check((f) => f.encodePayload([a, b] as never), () => `encodePayload([${String(a)}, ${String(b)}])`);
      }
    }
  });
});
