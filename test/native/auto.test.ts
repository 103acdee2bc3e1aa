// The public entry point: the *Auto helpers pick by size and agree with the twin on both
// sides of each threshold; nativeInfo says what was loaded.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  NATIVE_MIN_BYTES_DECODE_PAYLOAD,
  NATIVE_MIN_BYTES_ENCODE_PAYLOAD,
  NativeErrorCode,
  decodePayloadAuto,
  encodePayloadAuto,
  nativeInfo,
  twin,
} from "../../src/native";

test("nativeInfo describes the choice", () => {
  assert.equal(typeof nativeInfo.native, "boolean");
  assert.equal(typeof nativeInfo.reason, "string");
  assert.ok(Object.isFrozen(nativeInfo));
});

test("decodePayloadAuto agrees with the twin below and above the threshold", () => {
  for (const size of [5, NATIVE_MIN_BYTES_DECODE_PAYLOAD - 1, NATIVE_MIN_BYTES_DECODE_PAYLOAD, 100_000]) {
    const body = Buffer.from(`4${"é".repeat(size)}\x1eb${Buffer.alloc(size, 3).toString("base64")}`);
    assert.deepEqual(decodePayloadAuto(body, 2, 1 << 30), twin.decodePayload(body, 2, 1 << 30));
    assert.deepEqual(decodePayloadAuto(new Uint8Array(body).buffer, 2, 1 << 30), twin.decodePayload(body, 2, 1 << 30));
  }
  assert.throws(() => decodePayloadAuto(Buffer.from("b" + "!".repeat(5000)), 1, 1 << 20), { code: NativeErrorCode.BAD_BASE64 });
  assert.throws(() => decodePayloadAuto("4x" as never, 1, 9), { code: NativeErrorCode.BAD_ARGUMENT });
});

test("encodePayloadAuto agrees with the twin below and above the threshold", () => {
  for (const size of [0, 10, NATIVE_MIN_BYTES_ENCODE_PAYLOAD - 1, NATIVE_MIN_BYTES_ENCODE_PAYLOAD]) {
    const packets = ["4héllo", Buffer.alloc(size, 7), "2"];
    assert.deepEqual(encodePayloadAuto(packets), twin.encodePayload(packets));
  }
  assert.throws(() => encodePayloadAuto("4x" as never), { code: NativeErrorCode.BAD_ARGUMENT });
});
