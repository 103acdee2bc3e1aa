// Standard base64 (RFC 4648, with padding) over raw bytes, written out by hand because k6's
// goja runtime has neither Buffer nor atob/btoa. Engine.IO long-polling carries binary
// packets as "b" + base64 of the bytes, so both directions are needed.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** @type {Int16Array} char code -> 6-bit value, -1 for characters outside the alphabet */
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as base64 text.
 * @param {Uint8Array} bytes
 * @returns {string}
 * @example base64Encode(new Uint8Array([1, 2, 3])) // "AQID"
 */
export function base64Encode(bytes) {
  let out = "";
  const full = bytes.length - (bytes.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - full;
  if (rest === 1) {
    const n = bytes[full] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + "==";
  } else if (rest === 2) {
    const n = (bytes[full] << 16) | (bytes[full + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + "=";
  }
  return out;
}

/**
 * Decodes base64 text (padding optional) into bytes. Throws on characters outside the
 * alphabet, so a corrupted polling payload fails loudly instead of yielding garbage.
 * @param {string} text
 * @returns {Uint8Array}
 * @example base64Decode("AQID") // Uint8Array [1, 2, 3]
 */
export function base64Decode(text) {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* "=" */) end--;
  if (end % 4 === 1) throw new Error("base64: invalid length " + text.length);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c] : -1;
    if (v < 0) throw new Error("base64: invalid character at " + i);
    acc = ((acc << 6) | v) & 0xffff; // at most 14 live bits are ever read
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}
