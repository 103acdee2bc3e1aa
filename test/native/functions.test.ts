// One suite, run against the addon and the twin: behaviour, limits and error codes of
// every function exported by src/native.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as eioParser from "engine.io-parser";
import { Decoder as SioDecoder } from "socket.io-parser";
import { NativeCodecError, NativeErrorCode } from "../../src/native/errors";
import { impls } from "./impls";

const SEP = "\x1e";
const MAX = 0xffffffff;

function expectCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NativeCodecError, `expected NativeCodecError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

function upstreamEncode(packets: Array<{ type: "message"; data: string | Buffer }>): string {
  let out = "";
  eioParser.encodePayload(packets as never, (s: string) => (out = s));
  return out;
}

for (const impl of impls) {
  const { decodePayload, encodePayload, jsonStringIsPlain } = impl.fns;

  describe(`${impl.name}: decodePayload records and limits`, { skip: impl.skip }, () => {
    test("one record per separator", () => {
      assert.deepEqual(decodePayload(Buffer.from(`4a${SEP}4bc${SEP}`), 10, 100), ["4a", "4bc", ""]);
      assert.deepEqual(decodePayload(Buffer.alloc(0), 1, 0), [""]);
      assert.deepEqual(decodePayload(Buffer.from(SEP + SEP), 3, 0), ["", "", ""]);
    });
    test("accepts Uint8Array and ArrayBuffer", () => {
      const b = Buffer.from(`xx4a${SEP}4`);
      assert.deepEqual(decodePayload(new Uint8Array(b.buffer, b.byteOffset + 2, b.length - 2), 9, 9), ["4a", "4"]);
      assert.deepEqual(decodePayload(new Uint8Array([0x34, 0x1e]).buffer, 9, 9), ["4", ""]);
    });
    test("limits: count then size, left to right", () => {
      expectCode(() => decodePayload(Buffer.from(`1${SEP}2${SEP}3`), 2, 10), NativeErrorCode.TOO_MANY_RECORDS);
      expectCode(() => decodePayload(Buffer.from(`1${SEP}22${SEP}3`), 3, 1), NativeErrorCode.RECORD_TOO_LARGE);
      expectCode(() => decodePayload(Buffer.from("12"), 1, 1), NativeErrorCode.RECORD_TOO_LARGE);
      expectCode(() => decodePayload(Buffer.from("1"), 0, 1), NativeErrorCode.TOO_MANY_RECORDS);
      // the big record comes first: size breaks before the count does
      expectCode(() => decodePayload(Buffer.from(`1234${SEP}1${SEP}1`), 2, 3), NativeErrorCode.RECORD_TOO_LARGE);
      assert.deepEqual(decodePayload(Buffer.from(`123${SEP}1`), 2, 3), ["123", "1"]);
    });
    test("huge body with no separator is refused without scanning it all", () => {
      expectCode(() => decodePayload(Buffer.alloc(4 << 20, 0x41), 16, 1024), NativeErrorCode.RECORD_TOO_LARGE);
    });
    test("bad arguments", () => {
      for (const bad of [undefined, null, "4a", [1], new Uint16Array(2), new DataView(new ArrayBuffer(2))]) {
        expectCode(() => decodePayload(bad as never, 1, 1), NativeErrorCode.BAD_ARGUMENT);
      }
      for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 32, "1", undefined, 1n]) {
        expectCode(() => decodePayload(Buffer.from("4"), bad as never, 1), NativeErrorCode.BAD_ARGUMENT);
        expectCode(() => decodePayload(Buffer.from("4"), 1, bad as never), NativeErrorCode.BAD_ARGUMENT);
      }
    });
  });

  describe(`${impl.name}: decodePayload`, { skip: impl.skip }, () => {
    test("text and binary records", () => {
      const body = Buffer.from(`4hello${SEP}bAQID${SEP}2${SEP}4é😀${SEP}b${SEP}`);
      const out = decodePayload(body, 10, 100);
      assert.deepEqual(out, ["4hello", Buffer.from([1, 2, 3]), "2", "4é😀", Buffer.alloc(0), ""]);
      assert.ok(Buffer.isBuffer(out[1]));
    });
    test("matches engine.io-parser on valid payloads", () => {
      const packets = [
        { type: "message" as const, data: "héllo" },
        { type: "message" as const, data: Buffer.from([0, 255, 3, 4]) },
        { type: "message" as const, data: "x".repeat(5000) },
      ];
      const wire = upstreamEncode(packets);
      const ours = decodePayload(Buffer.from(wire, "utf8"), 10, MAX);
      const theirs = eioParser.decodePayload(wire, "nodebuffer");
      assert.equal(ours.length, theirs.length);
      ours.forEach((record, i) => {
        if (typeof record === "string") assert.equal("4" + String(theirs[i].data), record);
        else assert.deepEqual(record, theirs[i].data);
      });
    });
    test("invalid UTF-8 becomes U+FFFD as in Buffer#toString", () => {
      const body = Buffer.from([0x34, 0xff, 0xc3, 0x1e, 0x34, 0xe2, 0x82]);
      assert.deepEqual(decodePayload(body, 4, 10), [body.subarray(0, 3).toString(), body.subarray(4).toString()]);
    });
    test("base64: padded, unpadded, strict", () => {
      assert.deepEqual(decodePayload(Buffer.from("bQQ=="), 1, 9), [Buffer.from("A")]);
      assert.deepEqual(decodePayload(Buffer.from("bQQ"), 1, 9), [Buffer.from("A")]);
      assert.deepEqual(decodePayload(Buffer.from("bQUI="), 1, 9), [Buffer.from("AB")]);
      assert.deepEqual(decodePayload(Buffer.from("bQUI"), 1, 9), [Buffer.from("AB")]);
      assert.deepEqual(decodePayload(Buffer.from("b+/+/"), 1, 9), [Buffer.from("+/+/", "base64")]);
      for (const bad of ["bQ", "bQQ=", "bQ===", "b=QQ=", "bQ=Q=", "bQUJD===", "bQU I", "bQU-_", "bQUJDR", "b====", "bQUJDRA=a"]) {
        expectCode(() => decodePayload(Buffer.from(bad), 1, 99), NativeErrorCode.BAD_BASE64);
      }
    });
    test("limits are checked before decoding", () => {
      expectCode(() => decodePayload(Buffer.from(`b!!${SEP}4${SEP}4`), 2, 99), NativeErrorCode.TOO_MANY_RECORDS);
      expectCode(() => decodePayload(Buffer.from(`b!!${SEP}4444`), 2, 3), NativeErrorCode.RECORD_TOO_LARGE);
      expectCode(() => decodePayload(Buffer.from(`b!!${SEP}444`), 2, 3), NativeErrorCode.BAD_BASE64);
    });
  });

  describe(`${impl.name}: encodePayload`, { skip: impl.skip }, () => {
    test("joins strings and base64 binary like engine.io-parser", () => {
      const bin = Buffer.from([1, 2, 3, 250]);
      const out = encodePayload(["4hello", bin, "2", "4é😀"]);
      assert.ok(Buffer.isBuffer(out));
      const expected = upstreamEncode([
        { type: "message", data: "hello" },
        { type: "message", data: bin },
      ]) + SEP + "2" + SEP + "4é😀";
      assert.equal(out.toString("utf8"), expected);
    });
    test("every binary view kind, empty list, empty parts", () => {
      const u8 = new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 4);
      const f64 = new Float64Array([1.5]);
      const ab = new Uint8Array([1, 2]).buffer;
      const dv = new DataView(new Uint8Array([0, 1, 2, 3]).buffer, 1, 2);
      const out = encodePayload([u8, f64, ab, dv, "", Buffer.alloc(0)]).toString();
      const b64 = (x: Uint8Array) => "b" + Buffer.from(x).toString("base64");
      assert.equal(out, [b64(new Uint8Array([8, 7, 6])), b64(new Uint8Array(f64.buffer)), b64(new Uint8Array([1, 2])), b64(new Uint8Array([1, 2])), "", "b"].join(SEP));
      assert.deepEqual(encodePayload([]), Buffer.alloc(0));
      assert.deepEqual(encodePayload([""]), Buffer.alloc(0));
    });
    test("lone surrogates and NULs encode as Buffer.from does", () => {
      for (const s of ["\ud800", "a\udc00b", "\0x\0", "😀".repeat(600), "x".repeat(1023), "é".repeat(700)]) {
        assert.deepEqual(encodePayload([s]), Buffer.from(s, "utf8"));
        assert.deepEqual(encodePayload([s, s]), Buffer.from(s + SEP + s, "utf8"));
      }
    });
    test("round trip through decodePayload", () => {
      const packets = ["4a", Buffer.from("zz"), "4" + "é".repeat(3000), Buffer.alloc(70000, 7)];
      assert.deepEqual(decodePayload(encodePayload(packets), 10, MAX), packets);
    });
    test("hostile index getters (re-entry, detaching a buffer) cannot break it", () => {
      const ab = new ArrayBuffer(3000);
      const packets: unknown[] = [new Uint8Array(ab), "4x".repeat(600)];
      Object.defineProperty(packets, 2, {
        enumerable: true,
        get() {
          encodePayload(["4" + "y".repeat(5000), Buffer.alloc(9000)]); // nested call on the same thread
          structuredClone(ab, { transfer: [ab] }); // detaches packets[0]
          return "4z";
        },
      });
      const out = encodePayload(packets as never);
      assert.ok(Buffer.isBuffer(out));
      assert.ok(out.toString().endsWith("\x1e4z"));
    });
    test("bad arguments", () => {
      for (const bad of [undefined, "4a", Buffer.from("x"), { length: 1, 0: "4" }]) {
        expectCode(() => encodePayload(bad as never), NativeErrorCode.BAD_ARGUMENT);
      }
      for (const bad of [null, undefined, 1, {}, [], Symbol("s"), 1n]) {
        expectCode(() => encodePayload(["4", bad] as never), NativeErrorCode.BAD_ARGUMENT);
      }
      // eslint-disable-next-line no-sparse-arrays
      expectCode(() => encodePayload(["4", , "4"] as never), NativeErrorCode.BAD_ARGUMENT);
      const huge: unknown[] = ["4"];
      huge.length = 2 ** 32 - 1; // sparse: fails at the first hole, sizes nothing by length
      expectCode(() => encodePayload(huge as never), NativeErrorCode.BAD_ARGUMENT);
    });
  });

  describe(`${impl.name}: jsonStringIsPlain`, { skip: impl.skip }, () => {
    const plain = (s: string) => JSON.stringify(s) === '"' + s + '"';
    test("agrees with JSON.stringify on every unit that matters, at every position of a long string", () => {
      const special = [0x00, 0x08, 0x0a, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0xe9, 0x2028, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xffff];
      for (const length of [1, 63, 64, 65, 130]) {
        for (const u of special) {
          for (const at of [0, length >> 1, length - 1]) {
            const chars = Array.from({ length }, () => "a");
            chars[at] = String.fromCharCode(u);
            const s = chars.join("");
            assert.equal(jsonStringIsPlain(s), plain(s), `unit ${u.toString(16)} at ${at} of ${length}`);
          }
        }
      }
    });
    test("surrogate pairs are plain, lone or reversed halves are not", () => {
      for (const s of ["😀", "a😀b", "😀".repeat(100), "x".repeat(63) + "😀", "\ud83d", "\ude00", "\ude00\ud83d", "a\ud83da", "x".repeat(64) + "\ud83d", ""]) {
        assert.equal(jsonStringIsPlain(s), plain(s), JSON.stringify(s));
      }
    });
    test("bad arguments", () => {
      for (const bad of [undefined, 4, null, ["a"], Buffer.from("a"), new String("a")]) {
        expectCode(() => jsonStringIsPlain(bad as never), NativeErrorCode.BAD_ARGUMENT);
      }
    });
  });
}
