// The payloads a scenario sends, named so every server emits byte-identical frames.
//
// `small` is a typical small JSON event; `4KiB` is a 4096-character string (the size class of
// a chat message with metadata or a state snapshot). Socket.IO servers get the JS value and
// encode it themselves; the bare floor gets the JSON text and writes it as is.
//
// The 64 KiB payloads are for the polling echo, where a client POSTs them and gets them back
// in a GET: the size at which the Engine.IO polling codec's work (UTF-8 decoding, base64)
// shows end to end. `64KiB` is ASCII, `64KiB-utf8` 65,536 bytes of two-byte characters (text
// in most non-English scripts), `64KiB-bin` a Buffer: a binary event with one attachment,
// which polling carries as a `b` + base64 record.

export type PayloadName = "small" | "4KiB" | "64KiB" | "64KiB-utf8" | "64KiB-bin";

export const PAYLOAD_NAMES: readonly PayloadName[] = ["small", "4KiB", "64KiB", "64KiB-utf8", "64KiB-bin"];

/** Payloads that travel as a binary attachment, which only the polling echo sends. */
export function isBinaryPayload(name: PayloadName): boolean {
  return name === "64KiB-bin";
}

export function payloadValue(name: PayloadName): unknown {
  switch (name) {
    case "small":
      return { kind: "tick", v: 42, ok: true, tags: ["a", "b"] };
    case "4KiB":
      return "x".repeat(4096);
    case "64KiB":
      return "x".repeat(65536);
    case "64KiB-utf8":
      return "é".repeat(32768);
    case "64KiB-bin":
      return payloadBytes(name);
  }
}

/** The bytes of a binary payload: every byte value, so base64 output covers its whole alphabet. */
export function payloadBytes(name: PayloadName): Buffer {
  if (!isBinaryPayload(name)) throw new Error(`payload ${name} is not binary`);
  const b = Buffer.allocUnsafe(65536);
  for (let i = 0; i < b.length; i++) b[i] = (i * 131 + 7) & 0xff;
  return b;
}

/** The JSON text of a text payload (a binary one has none: it is an attachment). */
export function payloadJson(name: PayloadName): string {
  if (isBinaryPayload(name)) throw new Error(`payload ${name} is binary: it has no JSON form`);
  return JSON.stringify(payloadValue(name));
}

export function isPayloadName(s: string): s is PayloadName {
  return (PAYLOAD_NAMES as readonly string[]).includes(s);
}
