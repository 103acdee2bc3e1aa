// Decoder: agrees with upstream on valid input (fixed and random), rebuilds binary packets,
// and refuses every malformed input with a stable code.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as upstream from "socket.io-parser";
import { Decoder, Encoder, PacketType, SocketIOParseError, encodeOnce } from "../../src/parser/socketio";
import type { Packet, DecoderOptions } from "../../src/parser/socketio";
import { RandomData, rng } from "./socketio-random";

/** Feeds chunks to a decoder, returning the packets it emitted. Errors propagate. */
function decodeAll(decoder: { add(c: unknown): void; on(e: string, f: (p: unknown) => void): unknown }, chunks: unknown[]): unknown[] {
  const out: unknown[] = [];
  decoder.on("decoded", (p: unknown) => out.push(p));
  for (const c of chunks) decoder.add(c);
  return out;
}

function ours(chunks: unknown[], opts?: DecoderOptions): unknown[] {
  return decodeAll(new Decoder(opts), chunks);
}

function theirs(chunks: unknown[]): unknown[] {
  return decodeAll(new upstream.Decoder() as never, chunks);
}

/** Asserts that decoding `chunks` throws a SocketIOParseError with `code`. */
function rejects(chunks: unknown[], code: string, opts?: DecoderOptions): void {
  assert.throws(
    () => ours(chunks, opts),
    (err: unknown) => {
      assert.ok(err instanceof SocketIOParseError, `expected SocketIOParseError for ${JSON.stringify(chunks[0])}, got ${String(err)}`);
      assert.equal(err.code, code, `code for ${JSON.stringify(chunks[0])}: ${err.message}`);
      assert.ok(err.message.length > 0);
      return true;
    },
  );
}

test("valid text packets decode exactly as upstream", () => {
  const texts = [
    "0", "0/admin,", '0{"token":"x"}', '0/admin,{"token":"x"}', "1", "1/admin,",
    '2["chat","hi"]', '2/chat,["chat","hi"]', '21["a"]', '2/chat,42["a",{"b":[1,2]}]', "2[1]",
    "3/x,0[]", '31["ok"]', "39007199254740991[]", '4{"message":"no"}', '4/admin,"Invalid namespace"', "4",
    '2["a"]  ', '2["é😀\\u0000"]', '2/ünï,["x"]',
    // python-socketio leaves the comma out when nothing follows the namespace
    "0/admin", "1/admin",
  ];
  for (const text of texts) {
    assert.deepEqual(ours([text]), theirs([text]), text);
  }
  assert.deepEqual(ours(['2/chat,7["msg","hi"]']), [{ type: PacketType.EVENT, nsp: "/chat", id: 7, data: ["msg", "hi"] }]);
  assert.deepEqual(ours(["0"]), [{ type: PacketType.CONNECT, nsp: "/" }]);
});

test("binary packets wait for their attachments and come out as EVENT / ACK", () => {
  const a = Buffer.from("first");
  const b = Buffer.from("second");
  const chunks = ['52-/n,9["f",{"_placeholder":true,"num":1},{"x":[{"_placeholder":true,"num":0}]}]', a, b];
  const decoder = new Decoder();
  const got: Packet[] = [];
  decoder.on("decoded", (p: Packet) => got.push(p));
  decoder.add(chunks[0]);
  decoder.add(a);
  assert.equal(got.length, 0, "nothing before the last attachment");
  decoder.add(b);
  assert.deepEqual(got, [{ type: PacketType.EVENT, nsp: "/n", id: 9, data: ["f", b, { x: [a] }] }]);
  assert.equal(got[0]!.data[1], b, "the attachment object itself, not a copy");
  assert.deepEqual(ours(chunks), theirs(chunks));

  const ack = ['61-4[{"_placeholder":true,"num":0}]', new ArrayBuffer(3)];
  assert.deepEqual(ours(ack), theirs(ack));
  assert.equal((ours(ack)[0] as Packet).type, PacketType.ACK);
});

test("random packets round-trip and decode as upstream does (1500 seeds)", () => {
  const encoder = new Encoder();
  let refusedByBoth = 0;
  for (let seed = 30_001; seed <= 31_500; seed++) {
    const r = new RandomData(rng(seed));
    const packet: Packet = { type: r.next() < 0.7 ? PacketType.EVENT : PacketType.ACK, nsp: r.namespace() || "/", data: r.eventArgs() };
    if (packet.type === PacketType.ACK || r.next() < 0.5) packet.id = r.int(1e9);
    const { text, attachments } = encodeOnce(packet);
    const chunks = [text, ...attachments];
    let expected: unknown[];
    try {
      expected = theirs(chunks);
    } catch {
      // User data that itself looks like a bad placeholder: both sides must refuse it.
      assert.throws(() => ours(chunks), SocketIOParseError, `seed ${seed}`);
      refusedByBoth++;
      continue;
    }
    const mine = ours(chunks);
    assert.deepEqual(mine, expected, `seed ${seed}`);
    assert.equal(mine.length, 1);
    // Encoding what we decoded gives the same bytes back, unless a toJSON quirk left an
    // attachment that no placeholder names (upstream sends it anyway; it cannot come back).
    const again = encoder.encode(mine[0] as Packet);
    const named = text.split('"_placeholder":true').length - 1;
    if (named === attachments.length) assert.equal(again[0], text, `seed ${seed} re-encode`);
    else assert.deepEqual(ours(again), mine, `seed ${seed} re-decode`);
  }
  assert.ok(refusedByBoth < 50, `${refusedByBoth} seeds refused: the generator drifted`);
});

test("a reviver is applied, given as a function or as an option", () => {
  const reviver = (key: string, value: unknown) => (key === "n" ? (value as number) * 2 : value);
  const text = '2["r",{"n":21}]';
  assert.deepEqual((ours([text], { reviver })[0] as Packet).data, ["r", { n: 42 }]);
  assert.deepEqual((decodeAll(new Decoder(reviver), [text])[0] as Packet).data, ["r", { n: 42 }]);
  const throwing = () => {
    throw new Error("boom");
  };
  rejects([text], "ERR_HYPERIO_SIO_INVALID_PAYLOAD", { reviver: throwing });
});

test("malformed headers are refused with stable codes", () => {
  const cases: Array<[string, string]> = [
    ["", "ERR_HYPERIO_SIO_EMPTY_PACKET"],
    ["7", "ERR_HYPERIO_SIO_UNKNOWN_TYPE"],
    ["a", "ERR_HYPERIO_SIO_UNKNOWN_TYPE"],
    [" 2", "ERR_HYPERIO_SIO_UNKNOWN_TYPE"],
    ["/2", "ERR_HYPERIO_SIO_UNKNOWN_TYPE"],
    // binary attachment counts
    ["5", "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ["5-", "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ['50-["a"]', "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ['5a-["a"]', "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ['51["a"]', "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ["51", "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ['5 1-["a"]', "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ['51e0-["a"]', "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ['6-1-0["a"]', "ERR_HYPERIO_SIO_ILLEGAL_ATTACHMENTS"],
    ['511-["a"]', "ERR_HYPERIO_SIO_TOO_MANY_ATTACHMENTS"],
    ["5" + "9".repeat(5000) + '-["a"]', "ERR_HYPERIO_SIO_TOO_MANY_ATTACHMENTS"],
    // ack ids
    ["3", "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ["3[]", "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ["3/x,[]", "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ['61-[{"_placeholder":true,"num":0}]', "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ['29007199254740992["a"]', "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ["2" + "9".repeat(5000) + '["a"]', "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ["0/admin,5{}", "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ["15", "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ['42{}', "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
    ['42["a"]', "ERR_HYPERIO_SIO_INVALID_ACK_ID"],
  ];
  for (const [text, code] of cases) rejects([text], code);
});

test("malformed or misshapen payloads are refused", () => {
  const cases = [
    "4abc", "2{}", "2abc[\"a\"]", '2["a"]xyz', '2["a"]]', "2[", "2", "2/chat,", "2/chat", '2/chat["a"]',
    "2[]", "2[{}]", "2[null]", "2[true]", '2"chat"', "2null", '2["connect"]', '2["disconnect"]',
    '2["newListener"]', '2["removeListener",1]', '2["connect_error"]', '2["disconnecting"]',
    "31", "31{}", '31"x"', "3/x,1", "0[]", '0"x"', "0null", "01", "0/admin,[]", "1{}", '1/admin,"x"',
    "4[]", "41", "4null", "4true", "2\u0000", '2["a"',
    '51-{"_placeholder":true,"num":0}', '51-[{"_placeholder":true,"num":0}]',
  ];
  for (const text of cases) {
    assert.throws(() => ours([text]), (err: SocketIOParseError) => {
      assert.ok(err instanceof SocketIOParseError, text);
      assert.ok(["ERR_HYPERIO_SIO_INVALID_PAYLOAD", "ERR_HYPERIO_SIO_INVALID_ACK_ID"].includes(err.code), `${text}: ${err.code}`);
      return true;
    });
  }
  // Upstream refuses the payload-shape ones too (a sample).
  for (const text of ["4abc", "2{}", '2["a"]xyz', "2[]", '2["connect"]', "0[]", "1{}", "4[]"]) {
    assert.throws(() => theirs([text]), Error, text);
  }
});

test("placeholders must name one of the announced attachments", () => {
  const bad = [
    '51-["f",{"_placeholder":true,"num":1}]',
    '51-["f",{"_placeholder":true,"num":-1}]',
    '51-["f",{"_placeholder":true,"num":0.5}]',
    '51-["f",{"_placeholder":true,"num":"0"}]',
    '51-["f",{"_placeholder":true}]',
    '51-["f",{"_placeholder":true,"num":1e300}]',
    '51-["f",{"_placeholder":true,"num":null}]',
    '52-["f",{"a":[[{"_placeholder":true,"num":2}]]}]',
  ];
  for (const text of bad) {
    // Refused on the text, before a single attachment is accepted.
    rejects([text], "ERR_HYPERIO_SIO_ILLEGAL_PLACEHOLDER");
  }
  // `_placeholder` not strictly true is ordinary data.
  const plain = ['51-["f",{"_placeholder":"true","num":9},{"_placeholder":true,"num":0}]', Buffer.of(1)];
  assert.deepEqual(ours(plain), theirs(plain));
});

test("maxAttachments refuses large counts before any attachment arrives", () => {
  const decoder = new Decoder({ maxAttachments: 2 });
  assert.throws(() => decoder.add('53-["a"]'), { code: "ERR_HYPERIO_SIO_TOO_MANY_ATTACHMENTS" });
  // the decoder stays usable and holds nothing
  assert.throws(() => decoder.add(Buffer.of(1)), { code: "ERR_HYPERIO_SIO_UNEXPECTED_BINARY" });
  const got = decodeAll(decoder, ['52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', Buffer.of(1), Buffer.of(2)]);
  assert.equal(got.length, 1);
  rejects(['51-["a",{"_placeholder":true,"num":0}]'], "ERR_HYPERIO_SIO_TOO_MANY_ATTACHMENTS", { maxAttachments: 0 });
  // default is 10, as upstream
  rejects(["511-" + JSON.stringify(["a"])], "ERR_HYPERIO_SIO_TOO_MANY_ATTACHMENTS");
  const ten = ["510-" + JSON.stringify(["a", ...Array.from({ length: 10 }, (_, num) => ({ _placeholder: true, num }))])];
  for (let i = 0; i < 10; i++) ten.push(Buffer.of(i) as never);
  assert.equal(ours(ten).length, 1);
});

test("chunks out of sequence are refused and leave the decoder clean", () => {
  rejects([Buffer.of(1)], "ERR_HYPERIO_SIO_UNEXPECTED_BINARY");
  rejects([new ArrayBuffer(1)], "ERR_HYPERIO_SIO_UNEXPECTED_BINARY");
  rejects(['51-["a",{"_placeholder":true,"num":0}]', '2["b"]'], "ERR_HYPERIO_SIO_UNEXPECTED_TEXT");
  for (const bad of [42, null, undefined, {}, { base64: true, data: "AQ==" }, [1], true]) {
    rejects([bad], "ERR_HYPERIO_SIO_INVALID_INPUT");
  }
  // After an UNEXPECTED_TEXT error the pending packet is gone: a binary chunk is unexpected.
  const decoder = new Decoder();
  const got: Packet[] = [];
  decoder.on("decoded", (p: Packet) => got.push(p));
  decoder.add('51-["a",{"_placeholder":true,"num":0}]');
  assert.throws(() => decoder.add('2["b"]'), { code: "ERR_HYPERIO_SIO_UNEXPECTED_TEXT" });
  assert.throws(() => decoder.add(Buffer.of(1)), { code: "ERR_HYPERIO_SIO_UNEXPECTED_BINARY" });
  decoder.add('2["c"]');
  assert.deepEqual(got, [{ type: PacketType.EVENT, nsp: "/", data: ["c"] }]);
});

test("destroy() drops a partly received packet", () => {
  const decoder = new Decoder();
  const got: Packet[] = [];
  decoder.on("decoded", (p: Packet) => got.push(p));
  decoder.add('52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
  decoder.add(Buffer.of(1));
  decoder.destroy();
  assert.throws(() => decoder.add(Buffer.of(2)), { code: "ERR_HYPERIO_SIO_UNEXPECTED_BINARY" });
  decoder.add('2["after"]');
  assert.deepEqual(got, [{ type: PacketType.EVENT, nsp: "/", data: ["after"] }]);
  decoder.destroy(); // idempotent
});

test("every decode error is a SocketIOParseError (random garbage, 3000 inputs)", () => {
  const next = rng(77);
  const alphabet = '0123456789-/,[]{}":_ptlnaceholdrum\\u\u0000é';
  for (let n = 0; n < 3000; n++) {
    let s = String(Math.floor(next() * 7));
    const len = Math.floor(next() * 30);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    const decoder = new Decoder();
    decoder.on("decoded", () => {});
    try {
      decoder.add(s);
      if (next() < 0.5) decoder.add(Buffer.of(1));
    } catch (err) {
      assert.ok(err instanceof SocketIOParseError, `${JSON.stringify(s)} threw ${String(err)}`);
    }
  }
});

test("deeply nested input does not overflow the stack", () => {
  const depth = 200_000;
  const text = '51-["d",' + "[".repeat(depth) + '{"_placeholder":true,"num":0}' + "]".repeat(depth) + "]";
  let got: Packet | undefined;
  try {
    const d = new Decoder();
    d.on("decoded", (p: Packet) => (got = p));
    d.add(text);
    d.add(Buffer.of(1));
  } catch (err) {
    // V8's JSON.parse may refuse this depth itself; what matters is a clean error.
    assert.ok(err instanceof SocketIOParseError, String(err));
    return;
  }
  let node: unknown = got!.data[1];
  for (let i = 0; i < depth - 1; i++) node = (node as unknown[])[0];
  assert.ok(Buffer.isBuffer((node as unknown[])[0]));
});

test("stricter, never different: whatever we accept, upstream decodes identically (mutation fuzz)", () => {
  const next = rng(4242);
  const r = new RandomData(next, false);
  const seeds = [
    '2["chat","hi"]', '2/chat,7["msg",{"a":[1,2]}]', "31[]", '0/admin,{"t":"x"}', "1/admin,", '4{"message":"x"}',
    '51-["f",{"_placeholder":true,"num":0}]', '62-/n,3[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]',
  ];
  const alphabet = '0123456789-/,[]{}":_ pnu\\e';
  let accepted = 0;
  for (let n = 0; n < 8000; n++) {
    let text = n % 4 === 0 ? "2" + JSON.stringify(r.eventArgs()) : seeds[Math.floor(next() * seeds.length)]!;
    const edits = next() < 0.7 ? 1 : 2;
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(next() * (text.length + 1));
      const ch = alphabet[Math.floor(next() * alphabet.length)]!;
      const op = next();
      text = op < 0.4 ? text.slice(0, at) + ch + text.slice(at) : op < 0.7 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + ch + text.slice(at + 1);
    }
    // A binary packet gets as many attachments as its first count digit says (0 to 2 here).
    const isBinaryType = text[0] === "5" || text[0] === "6";
    const chunks: unknown[] = [text, Buffer.of(1), Buffer.of(2)].slice(0, 1 + (isBinaryType ? Math.min(2, Number(text[1]) || 0) : 0));
    let mine: unknown[];
    try {
      mine = ours(chunks);
    } catch (err) {
      assert.ok(err instanceof SocketIOParseError, `${JSON.stringify(text)}: ${String(err)}`);
      continue;
    }
    if (mine.length === 0) continue; // still waiting for attachments
    accepted++;
    const expected = theirs(chunks);
    assert.deepEqual(mine, expected, JSON.stringify(text));
  }
  assert.ok(accepted > 500, `only ${accepted} mutated inputs were accepted`);
});
