// The payloads a scenario sends, named so every server emits byte-identical frames. Their
// names and values are part of the event convention (loadtest/k6/lib/convention.js, shared
// with the k6 scripts); this file gives the harness their Node forms.
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
import { isPayloadName as isConventionPayload, PAYLOAD_NAMES as CONVENTION_PAYLOADS, payloadValue as conventionValue } from "../k6/lib/convention.js";
import type { PayloadName } from "../k6/lib/convention.js";

export type { PayloadName };

export const PAYLOAD_NAMES: readonly PayloadName[] = CONVENTION_PAYLOADS;

/** Payloads that travel as a binary attachment. */
export function isBinaryPayload(name: PayloadName): boolean {
  return name === "64KiB-bin";
}

/** The value a Socket.IO server emits: the convention's, with binary as a Buffer (as Node code sends it). */
export function payloadValue(name: PayloadName): unknown {
  return isBinaryPayload(name) ? payloadBytes(name) : conventionValue(name);
}

/** The bytes of a binary payload. */
export function payloadBytes(name: PayloadName): Buffer {
  if (!isBinaryPayload(name)) throw new Error(`payload ${name} is not binary`);
  const bytes = conventionValue(name) as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The JSON text of a text payload (a binary one has none: it is an attachment). */
export function payloadJson(name: PayloadName): string {
  if (isBinaryPayload(name)) throw new Error(`payload ${name} is binary: it has no JSON form`);
  return JSON.stringify(payloadValue(name));
}

export function isPayloadName(s: string): s is PayloadName {
  return isConventionPayload(s);
}
