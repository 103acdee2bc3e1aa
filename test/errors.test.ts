// Error codes: src/errors.ts lists every code hyperio throws or reports, each unique and in
// the ERR_HYPERIO_* scheme; a sample of throwing paths (options, arguments, both codecs, the
// native twin, the API and a real ack timeout) carries exactly the codes the module lists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ERROR_CODE_PATTERN,
  ERROR_CODES,
  EngineErrorCode,
  EngineErrorMessage,
  EngineParseErrorCode,
  InvalidOptionError,
  NativeErrorCode,
  NODE_ERROR_CODES,
  SocketIOParseErrorCode,
  WARNING_CODES,
} from "../src/errors";
import { Server } from "../src/index";
import { Server as EngineServer } from "../src/engine";
import { checkTimeout } from "../src/broadcast-operator";
import { decodePacket, decodePayload, EngineParseError } from "../src/parser/engine-io";
import { Decoder, SocketIOParseError } from "../src/parser/socketio";
import { NativeCodecError } from "../src/native/errors";
import { twin } from "../src/native/twin";
import { connected, once, start } from "./socketio/helpers";

/** Asserts that `fn` throws an error whose code is `code`, a code the module lists. */
function throwsCode(fn: () => unknown, code: string, extra?: (err: any) => void): void {
  assert.ok(code in ERROR_CODES, `${code} is listed in src/errors.ts`);
  assert.throws(fn, (err: any) => {
    assert.equal(err.code, code);
    extra?.(err);
    return true;
  });
}

test("every code is unique, follows ERR_HYPERIO_<NAME> and has a meaning", () => {
  const codes = Object.keys(ERROR_CODES);
  assert.ok(codes.length > 30);
  for (const code of codes) {
    assert.match(code, ERROR_CODE_PATTERN, code);
    assert.ok((ERROR_CODES as Record<string, string>)[code].length > 10, `${code} has a meaning`);
  }
  // The families are slices of the one list, and no two family entries share a code.
  const familyValues = [EngineParseErrorCode, SocketIOParseErrorCode, NativeErrorCode].flatMap((f) => Object.values(f));
  assert.equal(new Set(familyValues).size, familyValues.length);
  for (const code of familyValues) assert.ok(code in ERROR_CODES, code);
  // Codes outside the scheme do not collide with it or with each other.
  const others = [...Object.keys(NODE_ERROR_CODES), ...Object.keys(WARNING_CODES)];
  assert.equal(new Set([...codes, ...others]).size, codes.length + others.length);
  for (const code of others) assert.doesNotMatch(code, ERROR_CODE_PATTERN, code);
});

test("the Engine.IO protocol codes and messages are upstream engine.io's, unchanged", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const upstream = require("engine.io").Server as { errors: Record<string, number>; errorMessages: Record<string, string> };
  assert.deepEqual({ ...EngineErrorCode }, upstream.errors);
  assert.deepEqual({ ...EngineErrorMessage }, upstream.errorMessages);
});

test("the native codes equal the strings compiled into the addon", () => {
  const cc = readFileSync(join(__dirname, "..", "native", "src", "errors.cc"), "utf8");
  const compiled = [...cc.matchAll(/"(ERR_HYPERIO_[A-Z0-9_]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(compiled, Object.values(NativeErrorCode).sort());
});

test("a bad Server option throws InvalidOptionError naming it", () => {
  const cases: Array<[string, object]> = [
    ["connectTimeout", { connectTimeout: -1 }],
    ["path", { path: "nope" }],
    ["serveClient", { serveClient: "yes" }],
    ["adapter", { adapter: 3 }],
    ["parser", { parser: {} }],
    ["connectionStateRecovery.maxDisconnectionDuration", { connectionStateRecovery: { maxDisconnectionDuration: -5 } }],
    ["cleanupEmptyChildNamespaces", { cleanupEmptyChildNamespaces: "no" }],
  ];
  for (const [option, opts] of cases) {
    throwsCode(() => new Server(opts as never), "ERR_HYPERIO_INVALID_OPTION", (err) => {
      assert.ok(err instanceof InvalidOptionError && err instanceof TypeError, option);
      assert.equal(err.option, option);
      assert.ok(err.message.startsWith(`hyperio: invalid option "${option}": must be `), err.message);
    });
  }
  // A cyclic value is described, not a crash of the check itself.
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  throwsCode(() => new Server({ parser: cyclic }), "ERR_HYPERIO_INVALID_OPTION");

  // The chainable setters validate the same way.
  const io = new Server();
  try {
    throwsCode(() => io.path("nope"), "ERR_HYPERIO_INVALID_OPTION", (err) => assert.equal(err.option, "path"));
    throwsCode(() => io.serveClient("yes" as never), "ERR_HYPERIO_INVALID_OPTION", (err) => assert.equal(err.option, "serveClient"));
    throwsCode(() => io.connectTimeout(0), "ERR_HYPERIO_INVALID_OPTION", (err) => assert.equal(err.option, "connectTimeout"));
    throwsCode(() => io.adapter(3 as never), "ERR_HYPERIO_INVALID_OPTION", (err) => assert.equal(err.option, "adapter"));
  } finally {
    void io.close();
  }
});

test("a bad engine option throws the same class, scoped to the engine", () => {
  throwsCode(() => new EngineServer({ pingInterval: -1 }), "ERR_HYPERIO_INVALID_OPTION", (err) => {
    assert.ok(err instanceof InvalidOptionError);
    assert.equal(err.option, "pingInterval");
    assert.ok(err.message.startsWith('hyperio/engine: invalid option "pingInterval": '), err.message);
  });
});

test("codec errors carry their family's codes", () => {
  throwsCode(() => decodePacket(""), EngineParseErrorCode.EMPTY_PACKET, (err) => assert.ok(err instanceof EngineParseError));
  throwsCode(() => decodePayload("9oops"), EngineParseErrorCode.UNKNOWN_TYPE);
  const decoder = new Decoder();
  throwsCode(() => decoder.add("9"), SocketIOParseErrorCode.UNKNOWN_TYPE, (err) => assert.ok(err instanceof SocketIOParseError));
  throwsCode(() => new Decoder().add('2["a"'), SocketIOParseErrorCode.INVALID_PAYLOAD);
  throwsCode(() => twin.jsonStringIsPlain(5 as never), NativeErrorCode.BAD_ARGUMENT, (err) => assert.ok(err instanceof NativeCodecError));
});

test("API misuse: of(), checkTimeout, listen(port), reserved events, parent fetchSockets", () => {
  const io = new Server();
  try {
    throwsCode(() => io.of(/x/g), "ERR_HYPERIO_INVALID_ARGUMENT", (err) => assert.match(err.message, /of\(\).*stateful/));
    throwsCode(() => io.of(5 as never), "ERR_HYPERIO_INVALID_ARGUMENT", (err) => assert.ok(err instanceof TypeError));
    throwsCode(() => checkTimeout(-1), "ERR_HYPERIO_INVALID_ARGUMENT", (err) => assert.match(err.message, /timeout/));
    throwsCode(() => io.timeout(NaN), "ERR_HYPERIO_INVALID_ARGUMENT");
    throwsCode(() => io.listen(70000), "ERR_HYPERIO_OUT_OF_RANGE", (err) => assert.ok(err instanceof RangeError));
    throwsCode(() => io.attach((() => {}) as never), "ERR_HYPERIO_INVALID_ARGUMENT", (err) => assert.match(err.message, /request handler/));
    // The message stays upstream's; only the code is added.
    throwsCode(() => io.emit("connect" as never), "ERR_HYPERIO_RESERVED_EVENT", (err) => assert.equal(err.message, '"connect" is a reserved event name'));
    throwsCode(() => io.of(/^\/dyn-\d+$/).fetchSockets(), "ERR_HYPERIO_NOT_SUPPORTED");
  } finally {
    void io.close();
  }
});

test("listen() twice and an ack timeout, on a real server and client", async () => {
  const h = await start("uws");
  try {
    throwsCode(() => h.io.listen(0), "ERR_HYPERIO_ALREADY_ATTACHED", (err) => assert.match(err.message, /already attached/));
    const conn = once<[any]>(h.io, "connection");
    const client = h.client("/");
    await connected(client);
    const [socket] = await conn;
    // The client has no listener for "ask", so it never acknowledges.
    const [fromSocket] = await new Promise<[any]>((resolve) => socket.timeout(20).emit("ask", (...a: [any]) => resolve(a)));
    assert.equal(fromSocket.code, "ERR_HYPERIO_ACK_TIMEOUT");
    assert.equal(fromSocket.message, "operation has timed out");
    // Serialized as upstream's plain Error: the code is not an enumerable property.
    assert.equal(JSON.stringify(fromSocket), "{}");
    const [fromBroadcast] = await new Promise<[any]>((resolve) => h.io.timeout(20).emit("ask", (...a: [any]) => resolve(a)));
    assert.equal(fromBroadcast.code, "ERR_HYPERIO_ACK_TIMEOUT");
    assert.equal(fromBroadcast.message, "operation has timed out");
  } finally {
    await h.cleanup();
  }
});

test("the package entry exports the registry and the option error class", async () => {
  const entry = await import("../src/index");
  const { ERROR_CODES, InvalidOptionError } = await import("../src/errors");
  assert.equal(entry.ERROR_CODES, ERROR_CODES);
  assert.equal(entry.InvalidOptionError, InvalidOptionError);
  assert.throws(() => new entry.Server({ connectTimeout: -1 } as never), (err: unknown) => err instanceof entry.InvalidOptionError);
});
