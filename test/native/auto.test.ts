// The public entry point: encodePayloadAuto picks by size and agrees with the twin on both
// sides of its threshold; nativeInfo says what was loaded.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  NATIVE_MIN_BYTES_ENCODE_PAYLOAD,
  NativeErrorCode,
  encodePayloadAuto,
  nativeInfo,
  twin,
} from "../../src/native";

test("nativeInfo describes the choice", () => {
  assert.equal(typeof nativeInfo.native, "boolean");
  assert.equal(typeof nativeInfo.reason, "string");
  assert.equal(nativeInfo.source === "twin", !nativeInfo.native);
  assert.ok(Object.isFrozen(nativeInfo));
});

test("encodePayloadAuto agrees with the twin below and above the threshold", () => {
  for (const size of [0, 10, NATIVE_MIN_BYTES_ENCODE_PAYLOAD - 1, NATIVE_MIN_BYTES_ENCODE_PAYLOAD]) {
    const packets = ["4héllo", Buffer.alloc(size, 7), "2"];
    assert.deepEqual(encodePayloadAuto(packets), twin.encodePayload(packets));
  }
  assert.throws(() => encodePayloadAuto("4x" as never), { code: NativeErrorCode.BAD_ARGUMENT });
});
