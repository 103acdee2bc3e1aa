// The payloads a scenario sends, named so every server emits byte-identical frames.
//
// `small` is a typical small JSON event; `4KiB` is a 4096-character string (the size class of
// a chat message with metadata or a state snapshot). Socket.IO servers get the JS value and
// encode it themselves; the bare floor gets the JSON text and writes it as is.

export type PayloadName = "small" | "4KiB";

export const PAYLOAD_NAMES: readonly PayloadName[] = ["small", "4KiB"];

export function payloadValue(name: PayloadName): unknown {
  switch (name) {
    case "small":
      return { kind: "tick", v: 42, ok: true, tags: ["a", "b"] };
    case "4KiB":
      return "x".repeat(4096);
  }
}

export function payloadJson(name: PayloadName): string {
  return JSON.stringify(payloadValue(name));
}

export function isPayloadName(s: string): s is PayloadName {
  return (PAYLOAD_NAMES as readonly string[]).includes(s);
}
