// The module shape the Server relies on: the same as upstream socket.io-parser, and
// interchangeable with socket.io-msgpack-parser through the same calls.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as upstream from "socket.io-parser";
import * as ours from "../../src/parser/socketio";
import { Decoder } from "../../src/parser/socketio";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const msgpack = require("socket.io-msgpack-parser");

interface ParserModule {
  protocol: number;
  PacketType: Record<string, unknown>;
  Encoder: new () => { encode(p: unknown): unknown[] };
  Decoder: new () => {
    add(c: unknown): void;
    destroy(): void;
    on(e: string, f: (p: unknown) => void): unknown;
    removeListener(e: string, f: (p: unknown) => void): unknown;
  };
}

/** What the Server does with any parser: encode, feed each item to a fresh Decoder, collect. */
function serverStyleRoundTrip(parser: ParserModule, packet: unknown): unknown[] {
  const encoded = new parser.Encoder().encode(packet);
  const decoder = new parser.Decoder();
  const got: unknown[] = [];
  const onDecoded = (p: unknown) => got.push(p);
  decoder.on("decoded", onDecoded);
  for (const item of encoded) decoder.add(item);
  decoder.removeListener("decoded", onDecoded);
  decoder.add(encoded[0]); // after removeListener nothing more is collected
  decoder.destroy();
  return got;
}

test("exports match upstream socket.io-parser", () => {
  assert.equal(ours.protocol, upstream.protocol);
  for (const [name, value] of Object.entries(upstream.PacketType)) {
    assert.equal((ours.PacketType as unknown as Record<string, unknown>)[name], value, name);
  }
  for (const name of ["Encoder", "Decoder", "isPacketValid"]) {
    assert.equal(typeof (ours as Record<string, unknown>)[name], "function", name);
  }
  assert.equal(typeof new ours.Encoder().encode, "function");
  for (const m of ["add", "destroy", "on", "off", "once", "emit", "removeListener", "removeAllListeners"]) {
    assert.equal(typeof (new Decoder() as unknown as Record<string, unknown>)[m], "function", m);
  }
});

test("msgpack parser and ours are driven by the same calls and yield the same packets", () => {
  const packets = [
    { type: 0, nsp: "/", data: { token: "x" } },
    { type: 0, nsp: "/admin" },
    { type: 1, nsp: "/admin" },
    { type: 2, nsp: "/", data: ["chat", "hi", { n: 1, list: [1, 2, 3] }] },
    { type: 2, nsp: "/chat", data: ["ack me", true], id: 12 },
    { type: 3, nsp: "/", data: ["ok"], id: 12 },
    { type: 4, nsp: "/", data: { message: "nope" } },
    { type: 2, nsp: "/", data: ["bin", Buffer.from([1, 2, 3])] },
  ];
  for (const packet of packets) {
    const viaMsgpack = serverStyleRoundTrip(msgpack as ParserModule, packet);
    const viaOurs = serverStyleRoundTrip(ours as unknown as ParserModule, packet);
    assert.equal(viaOurs.length, 1);
    assert.equal(viaMsgpack.length, 1);
    const a = viaOurs[0] as Record<string, unknown>;
    const b = viaMsgpack[0] as Record<string, unknown>;
    // msgpack carries "/" and absent fields as they were given; the fields the server reads agree.
    for (const key of ["type", "nsp", "id"] as const) assert.deepEqual(a[key], b[key], `${key} of ${JSON.stringify(packet)}`);
    assert.deepEqual(a.data, b.data);
  }
});

test("isPacketValid agrees with upstream", () => {
  const cases: unknown[] = [
    { type: 0, nsp: "/" }, { type: 0, nsp: "/", data: { a: 1 } }, { type: 0, nsp: "/", data: [] },
    { type: 1, nsp: "/" }, { type: 1, nsp: "/", data: 1 }, { type: 2, nsp: "/", data: ["a"] },
    { type: 2, nsp: "/", data: [1] }, { type: 2, nsp: "/", data: ["connect"] }, { type: 2, nsp: "/", data: [] },
    { type: 2, nsp: "/", data: ["a"], id: 1.5 }, { type: 2, nsp: 1, data: ["a"] }, { type: 3, nsp: "/", data: [], id: 1 },
    { type: 3, nsp: "/", data: {} }, { type: 4, nsp: "/", data: "x" }, { type: 4, nsp: "/", data: 1 },
    { type: 5, nsp: "/", data: ["a"] }, { type: 9, nsp: "/", data: ["a"] }, { type: "2", nsp: "/", data: ["a"] },
  ];
  for (const c of cases) {
    assert.equal(ours.isPacketValid(c as never), upstream.isPacketValid(c as never), JSON.stringify(c));
  }
});

test("options are validated with messages naming the option", () => {
  assert.throws(() => new Decoder({ maxAttachments: -1 }), /maxAttachments/);
  assert.throws(() => new Decoder({ maxAttachments: 1.5 }), /maxAttachments/);
  assert.throws(() => new Decoder({ maxAttachments: "10" as never }), /maxAttachments/);
  assert.throws(() => new Decoder({ maxAttachments: NaN }), /maxAttachments/);
  assert.throws(() => new Decoder({ reviver: "x" as never }), /reviver/);
  assert.throws(() => new Decoder({ rejectProtoKeys: "yes" as never }), /rejectProtoKeys/);
  assert.throws(() => new Decoder(42 as never), /options/);
  assert.doesNotThrow(() => new Decoder({ maxAttachments: 0 }));
  assert.doesNotThrow(() => new Decoder(undefined));
});

test("Decoder.isPayloadValid is exposed like upstream's static", () => {
  // private in upstream's typings, public at runtime
  const upstreamCheck = (upstream.Decoder as unknown as { isPayloadValid(t: number, p: unknown): boolean }).isPayloadValid;
  assert.equal(Decoder.isPayloadValid(2, ["a"]), upstreamCheck(2, ["a"]));
  assert.equal(Decoder.isPayloadValid(2, {}), false);
});
