/**
 * Encodes bytes as base64 text.
 * @param {Uint8Array} bytes
 * @returns {string}
 * @example base64Encode(new Uint8Array([1, 2, 3])) // "AQID"
 */
export function base64Encode(bytes: Uint8Array): string;
/**
 * Decodes base64 text (padding optional) into bytes. Throws on characters outside the
 * alphabet, so a corrupted polling payload fails loudly instead of yielding garbage.
 * @param {string} text
 * @returns {Uint8Array}
 * @example base64Decode("AQID") // Uint8Array [1, 2, 3]
 */
export function base64Decode(text: string): Uint8Array;
