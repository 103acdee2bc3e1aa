// Strict standard base64 over bytes, the twin of native/src/base64.cc: alphabet
// A-Z a-z 0-9 + /, padding optional but only at the end and then to a multiple of 4,
// never 4k+1 characters; unused trailing bits are ignored (as Node's decoder does).
import { createNativeError, NativeErrorCode } from "../errors";

const OUTSIDE_ALPHABET = /[^A-Za-z0-9+/]/;
const EQUALS = 0x3d;

/** Decodes buf[start, end) into a new Buffer; throws ERR_HYPERIO_BAD_BASE64. */
export function decodeBase64Bytes(buf: Buffer, start: number, end: number): Buffer {
  let body = end;
  if (body > start && buf[body - 1] === EQUALS) {
    body--;
    if (body > start && buf[body - 1] === EQUALS) body--;
  }
  // Shape first, alphabet second: the order native/src/base64.cc checks them in.
  if ((body !== end && (end - start) % 4 !== 0) || (body - start) % 4 === 1) {
    throw createNativeError(NativeErrorCode.BAD_BASE64);
  }
  const text = buf.toString("latin1", start, body);
  if (OUTSIDE_ALPHABET.test(text)) throw createNativeError(NativeErrorCode.BAD_BASE64);
  return Buffer.from(text, "base64");
}

/** Length of the padded base64 text of n bytes. */
export function encodedLength(n: number): number {
  return Math.ceil(n / 3) * 4;
}
