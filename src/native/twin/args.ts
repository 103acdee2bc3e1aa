// Argument checks of the twin, in the same order and with the same codes as native/src/args.cc.
import { createNativeError, NativeErrorCode } from "../errors";
import type { ByteInput } from "../types";

// Empty covers detached buffers too, which Buffer.from refuses and the addon reads as empty.
const EMPTY = Buffer.alloc(0);

/** Views a Uint8Array (Buffer included) or ArrayBuffer as a Buffer without copying. */
export function bytesArg(value: ByteInput | unknown, name: string): Buffer {
  if ((value instanceof Uint8Array || value instanceof ArrayBuffer) && value.byteLength === 0) return EMPTY;
  if (value instanceof Uint8Array) {
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  throw createNativeError(NativeErrorCode.BAD_ARGUMENT, name);
}

/** Views any ArrayBufferView or ArrayBuffer as a Buffer, or returns undefined. */
export function anyBytes(value: unknown): Buffer | undefined {
  if ((ArrayBuffer.isView(value) || value instanceof ArrayBuffer) && value.byteLength === 0) return EMPTY;
  if (ArrayBuffer.isView(value)) {
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return undefined;
}

/** An integer in [0, 2^32 - 1]. */
export function uint32Arg(value: unknown, name: string): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
    return value;
  }
  throw createNativeError(NativeErrorCode.BAD_ARGUMENT, name);
}
