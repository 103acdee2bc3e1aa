// Seeded fuzz of hyperio's whole inbound path: Engine.IO decode (WebSocket frames and
// polling payloads) → Socket.IO decode → dispatch to a catch-all handler that echoes every
// event back. Not only the codec: inputs travel through real connections to real servers
// on both backends (uWS `new Server(0)` and node:http + ws).
//
// Inputs are mutations of valid traffic: wrong packet types, huge/negative/garbage
// attachment counts, bad namespaces, bad ack ids, deep and odd JSON, placeholders out of
// range, stray and missing attachments, truncated and malformed polling payloads (records,
// base64), invalid UTF-8, wrong or foreign session ids, overlapping polls, and damaged
// WebSocket frames written straight on TCP (uWS parses frames in native code).
//
// Oracle, per case: after the fuzzed input the client sends a probe event. Either the
// connection was closed / the request refused (the input was bad), or the probe is echoed
// (the server is still consistent). A connection left open that no longer answers is a
// failure, and so is any crash (uncaught exception, unhandled "error") of this process.
// After the run: every session is gone once its client is, and a fresh official client
// connects and echoes over both transports.
//
//   npx tsx scripts/fuzz-inbound.ts [--seed N] [--seconds S] [--cases N] [--backend uws|node|both]
//
// The seed is printed; the same seed draws the same inputs for each case number, so a
// failure ("seed S, node, case 812") replays with --seed S --backend node --cases 813.
import assert from "node:assert/strict";
import { rng } from "../test/parser/socketio-random";
import {
  assertServes,
  http,
  rawWs,
  tcpWebSocket,
  wsFrame,
  startEcho,
  waitFor,
  type Backend,
  type EchoServer,
} from "../test/security/helpers";

export interface FuzzOptions {
  seed: number;
  /** Stop starting new cases after this many milliseconds (per backend). */
  durationMs: number;
  /** Upper bound on cases per backend (whichever limit comes first). */
  maxCases?: number;
  backends: Backend[];
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  /** Cases whose input the server refused (closed connection, 4xx). */
  refused: number;
  /** Cases after which the probe came back. */
  echoed: number;
}

type Rand = () => number;

const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, items: readonly T[]): T => items[int(r, items.length)]!;

/** Valid Socket.IO texts (after CONNECT to "/"), the seeds every mutation starts from. */
const VALID: string[] = [
  '2["ev",1,"two",{"three":[3]}]',
  '27["ack",{"a":null}]',
  '35["late"]',
  '0/admin,{"token":"t"}',
  '2["ü😀\\u0000",[true,false,null,1.5e300]]',
  '2[42,"numeric event"]',
  '2["error","boom"]',
  "2[\"ev\"]",
];
const BINARY_TEXT = '51-["bin",{"_placeholder":true,"num":0}]';

const JUNK = ["", "-", ",", "/", "[", "]", "{", "}", '"', "\\", "\u0000", "\ud800", "9", "99999999999999999999", "-1", "1e9", "NaN", " ", "\n", "\x1e", "é"];

function deepJson(r: Rand): string {
  const depth = 1 + int(r, 20_000);
  const open = r() < 0.5 ? "[" : '{"a":';
  const close = open === "[" ? "]" : "}";
  const inner = r() < 0.3 ? '{"_placeholder":true,"num":0}' : "1";
  return open.repeat(depth) + inner + close.repeat(depth);
}

function oddJson(r: Rand): string {
  return pick(r, [
    "1e999", '"\\ud800"', '{"__proto__":{"x":1}}', '{"\\u005f_proto__":1}', '{"_placeholder":true,"num":0}',
    '{"_placeholder":true,"num":"splice"}', '{"_placeholder":true,"num":-1}', '{"_placeholder":true,"num":1e9}',
    "[" + "1,".repeat(5000) + "1]", '"' + "x".repeat(int(r, 100_000)) + '"', "{}", "[]", "null", "true", deepJson(r),
  ]);
}

/** One mutated Socket.IO text. */
function mutateText(r: Rand): string {
  let s = r() < 0.15 ? BINARY_TEXT : pick(r, VALID);
  // A quarter stay valid, so the dispatch and echo paths see traffic too.
  const rounds = r() < 0.25 ? 0 : 1 + int(r, 3);
  for (let k = 0; k < rounds; k++) {
    const i = int(r, s.length + 1);
    switch (int(r, 11)) {
      case 0: s = s.slice(0, i) + pick(r, JUNK) + s.slice(i); break; // insert
      case 1: s = s.slice(0, i) + s.slice(i + 1 + int(r, 4)); break; // delete
      case 2: s = s.slice(0, i); break; // truncate
      case 3: s = String(int(r, 12)) + s.slice(1); break; // packet type (0-11)
      case 4: s = s[0] + pick(r, ["", "0", "1", "11", "-1", "99999999999", "9".repeat(400), "1.5", "a"]) + "-" + s.slice(1); break; // attachments
      case 5: s = s[0] + pick(r, ["/", "/x", "/admin", "/a/b", "//", "/\u0000", "/" + "n".repeat(2000), "admin"]) + "," + s.slice(1); break; // namespace
      case 6: s = s[0] + pick(r, ["0", "-1", "9007199254740993", "99999999999999999999999", "1e3", "007"]) + s.slice(1); break; // ack id
      case 7: s = s.replace(/\[.*$/s, "[" + JSON.stringify(pick(r, ["ev", "error", "connect", "disconnect", "newListener", "__proto__", ""])) + "," + oddJson(r) + "]"); break;
      case 8: s = s.replace(/\[.*$/s, oddJson(r)); break; // payload of the wrong shape
      case 9: s = s.replace(/"num":\d+/, `"num":${pick(r, ["1", "-1", "0.5", '"0"', "null", "999"])}`); break; // placeholder
      default: s = s + s; break; // duplicate
    }
  }
  return s;
}

/**
 * Well-formed events carrying odd payloads (deep, long, odd unicode, numbers JSON cannot
 * hold, placeholders, acks): these must be dispatched and echoed, never refused.
 */
function wellFormedMessages(r: Rand): Array<string | Buffer> {
  const out: Array<string | Buffer> = [];
  const n = 1 + int(r, 3);
  for (let i = 0; i < n; i++) {
    const arg = pick(r, [deepJson(r).replace('{"_placeholder":true,"num":0}', "0"), '"' + "x".repeat(int(r, 100_000)) + '"', '"\\ud800\\udc00\\u2028"', "1e308", "-0", "[" + "1,".repeat(int(r, 5000)) + "1]", '{"a":{"b":[null,true]}}']);
    const ack = r() < 0.3 ? String(int(r, 1e9)) : "";
    if (r() < 0.2) {
      out.push(`451-${ack}["bin",${arg},{"_placeholder":true,"num":0}]`);
      out.push(Buffer.from(Array.from({ length: int(r, 300) }, () => int(r, 256))));
    } else {
      out.push(`42${ack}[${JSON.stringify(pick(r, ["ev", "error", "ü", "", "message"]))},${arg}]`);
    }
  }
  return out;
}

/** Mutated traffic: anything goes, the server may refuse it. */
function mutatedMessages(r: Rand): Array<string | Buffer> {
  const out: Array<string | Buffer> = [];
  const n = 1 + int(r, 3);
  for (let i = 0; i < n; i++) {
    const roll = r();
    const last = out[out.length - 1];
    if (typeof last === "string" && last.startsWith("45") && roll < 0.5) {
      out.push(Buffer.from("attachment")); // the attachment a binary packet announced
      continue;
    }
    if (roll < 0.8) out.push("4" + mutateText(r));
    else if (roll < 0.85) out.push(pick(r, ["2", "3", "2probe", "5", "6", "1", "0", "7", "", "4", "9x", "3probe"]));
    else if (roll < 0.95) out.push(Buffer.from(Array.from({ length: int(r, 64) }, () => int(r, 256)))); // stray/extra attachment
    else out.push(INVALID_UTF8_TEXT);
  }
  return out;
}

/** Sent as a *text* frame / polling record: "42" then bytes that are not UTF-8. */
const INVALID_UTF8_TEXT = Buffer.from([0x34, 0x32, 0xff, 0xfe, 0xc3, 0x28]);

/** One fuzz case, drawn before anything is sent so a seed replays it exactly. */
interface FuzzCase {
  /** Well-formed traffic: must be echoed, never refused (upstream accepts it). */
  wellFormed: boolean;
  messages: Array<string | Buffer>;
  sendConnect: boolean;
  /** WebSocket: a handshake query other than the valid one; polling: a wrong sid. */
  badSession: string | undefined;
  /** Polling only: send the body as application/octet-stream. */
  binaryBody: boolean;
  /** Polling only: how the payload is damaged (0 = not at all). */
  bodyDamage: number;
  /** Polling only: two GETs at once (a client must never overlap its polls). */
  overlappingPolls: boolean;
  /** Polling only: base64 records replaced by garbage. */
  badBase64: boolean;
}

function drawCase(r: Rand, transport: "websocket" | "polling"): FuzzCase {
  const wellFormed = r() < 0.35;
  const messages = wellFormed ? wellFormedMessages(r) : mutatedMessages(r);
  const wsQueries = ["EIO=4&transport=websocket&sid=nope", "EIO=3&transport=websocket", "EIO=4&transport=polling", "EIO=x&transport=websocket"];
  const sids = ["nope", "", "__proto__", "x".repeat(20)];
  const badSession = !wellFormed && r() < 0.05 ? pick(r, transport === "websocket" ? wsQueries : sids) : undefined;
  return {
    wellFormed,
    messages,
    sendConnect: wellFormed || r() < 0.9,
    badSession,
    binaryBody: !wellFormed && r() < 0.05,
    bodyDamage: wellFormed ? 0 : r() < 0.2 ? 1 + int(r, 3) : 0,
    badBase64: !wellFormed && r() < 0.2,
    overlappingPolls: transport === "polling" && !wellFormed && r() < 0.05,
  };
}

function describe(c: FuzzCase): string {
  const shown = c.messages.map((m) => (typeof m === "string" ? (m.length > 200 ? m.slice(0, 200) + `…(${m.length})` : m) : `<${m.length} bytes>`));
  return JSON.stringify({ ...c, messages: shown });
}

const PROBE = '42["probe",1]';
const PROBE_ECHO = '42["probe",1]';

type Outcome = "refused" | "echoed";

/** One WebSocket case: CONNECT, the case's messages, then the probe. */
async function wsCase(server: EchoServer, c: FuzzCase): Promise<Outcome> {
  let peer;
  try {
    peer = await rawWs(server.port, c.badSession ?? "EIO=4&transport=websocket");
  } catch {
    return "refused";
  }
  try {
    await peer.next((f) => typeof f === "string" && f.startsWith("0"), 3000).catch(() => undefined);
    if (c.sendConnect) {
      peer.send("40");
      // Official clients wait for the CONNECT answer; events sent before it close the connection.
      await peer.next((f) => typeof f === "string" && f.startsWith("40"), 3000);
    }
    for (const m of c.messages) {
      if (m === INVALID_UTF8_TEXT) peer.ws.send(m, { binary: false });
      else peer.send(m);
    }
    peer.send(PROBE);
    const outcome = await Promise.race([
      peer.next((f) => f === PROBE_ECHO, 4000).then(
        () => "echoed" as const,
        () => (peer!.isClosed() ? ("refused" as const) : ("hung" as const)),
      ),
      peer.closed.then(() => "refused" as const),
    ]);
    if (outcome === "hung") throw new Error("WebSocket left open without answering the probe");
    return outcome;
  } finally {
    peer.ws.terminate();
  }
}

/** The case's messages as a polling payload: records, binary as base64, maybe damaged. */
function pollingBody(c: FuzzCase): string {
  const records = c.messages.map((m) =>
    m === INVALID_UTF8_TEXT ? m.toString("latin1") : Buffer.isBuffer(m) ? "b" + (c.badBase64 ? "!!%%=" : m.toString("base64")) : m,
  );
  const body = records.join("\x1e");
  switch (c.bodyDamage) {
    case 1: return body.slice(0, Math.floor(body.length / 2)); // truncated payload
    case 2: return body + "\x1e"; // trailing separator
    case 3: return "\x1e" + body;
    default: return body;
  }
}

/** Runs one polling case, then ends its session as a leaving client does (a CLOSE packet). */
async function pollingCase(server: EchoServer, c: FuzzCase): Promise<Outcome> {
  let own: string | undefined;
  try {
    return await pollingCaseBody(server, c, (path) => (own = path));
  } finally {
    if (own !== undefined) await http(server.port, "POST", own, "1", { "content-type": "text/plain;charset=UTF-8" }).catch(() => undefined);
  }
}

async function pollingCaseBody(server: EchoServer, c: FuzzCase, opened: (path: string) => void): Promise<Outcome> {
  const open = await http(server.port, "GET", "/socket.io/?EIO=4&transport=polling");
  assert.equal(open.status, 200, `handshake: ${open.status} ${open.body}`);
  const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
  const own = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  opened(own);
  const path = c.badSession === undefined ? own : `/socket.io/?EIO=4&transport=polling&sid=${c.badSession}`;
  const text = { "content-type": "text/plain;charset=UTF-8" };
  if (c.sendConnect) await http(server.port, "POST", own, "40", text);
  if (c.overlappingPolls) return overlappingPolls(server, own);
  const body = pollingBody(c);
  const fuzz = await http(server.port, "POST", path, c.binaryBody ? Buffer.from(body, "latin1") : body, c.binaryBody ? { "content-type": "application/octet-stream" } : text);
  if (fuzz.status >= 400) return "refused";
  const probe = await http(server.port, "POST", path, PROBE, text);
  if (probe.status >= 400) return "refused";
  // Read until the probe's echo, a CLOSE, or a refusal; anything else is more output.
  for (let i = 0; i < 6; i++) {
    const got = await http(server.port, "GET", path);
    if (got.status >= 400) return "refused";
    const records = got.body.split("\x1e");
    if (records.includes(PROBE_ECHO)) return "echoed";
    if (records.includes("1")) return "refused";
  }
  throw new Error("polling session open without answering the probe");
}

/** A frame-level case: one valid or damaged WebSocket frame (header bits, lengths, bytes). */
function rawFrame(r: Rand): Buffer {
  const payload = r() < 0.7 ? Buffer.from("4" + mutateText(r)) : Buffer.from(Array.from({ length: int(r, 300) }, () => int(r, 256)));
  const opcode = r() < 0.8 ? pick(r, [1, 2, 0, 9, 10, 8]) : int(r, 16);
  const frame = wsFrame(opcode, payload, { fin: r() < 0.8, rsv: r() < 0.1 ? int(r, 8) : 0, mask: r() < 0.95 });
  switch (int(r, 6)) {
    case 0: frame[int(r, Math.min(frame.length, 14))] ^= 1 << int(r, 8); return frame; // one bit flipped in the header area
    case 1: return frame.subarray(0, int(r, frame.length)); // cut short
    case 2: return Buffer.concat([frame, Buffer.from(Array.from({ length: int(r, 20) }, () => int(r, 256)))]); // trailing junk
    default: return frame;
  }
}

/**
 * Frame-level traffic straight on TCP after a real upgrade: CONNECT, then damaged frames.
 * There is no probe (the framing may be desynchronised on purpose): what must hold is no
 * crash, the connection ending once the client goes, and the final health check.
 */
async function frameCase(server: EchoServer, r: Rand): Promise<Outcome> {
  const conn = await tcpWebSocket(server.port);
  try {
    conn.sock.write(wsFrame(1, "40"));
    const n = 1 + int(r, 4);
    for (let i = 0; i < n; i++) conn.sock.write(rawFrame(r));
    await new Promise((res) => setTimeout(res, 5));
    return "refused";
  } finally {
    conn.sock.destroy();
  }
}

/**
 * Two GETs pending at once on one session, then the probe. Refusing the overlap (400 and
 * the session closed, as upstream) or tolerating it (the probe still comes back) are both
 * consistent; a session that answers neither is not.
 */
async function overlappingPolls(server: EchoServer, path: string): Promise<Outcome> {
  const text = { "content-type": "text/plain;charset=UTF-8" };
  await http(server.port, "GET", path, undefined, {}, 3000); // drains the CONNECT answer
  const a = http(server.port, "GET", path, undefined, {}, 4000);
  const b = http(server.port, "GET", path, undefined, {}, 4000);
  await new Promise((r) => setTimeout(r, 20));
  const probe = await http(server.port, "POST", path, PROBE, text);
  const replies = await Promise.all([a, b]);
  if (probe.status >= 400 || replies.some((x) => x.status >= 400 || x.body.split("\x1e").includes("1"))) return "refused";
  if (replies.some((x) => x.body.split("\x1e").includes(PROBE_ECHO))) return "echoed";
  throw new Error(`overlapping polls: neither refused nor answered (${JSON.stringify(replies)})`);
}

/** Runs the fuzz; throws on the first failing case (message names seed and case). */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {});
  const report: FuzzReport = { seed: opts.seed, cases: 0, refused: 0, echoed: 0 };
  log(`fuzz-inbound: seed ${opts.seed}`);
  for (const backend of opts.backends) {
    // A short heartbeat bounds how long a stuck session could survive; limits as default.
    const server = await startEcho(backend, { pingInterval: 10_000, pingTimeout: 5000 });
    try {
      const r = rng(opts.seed ^ (backend === "uws" ? 0x5eed : 0xbeef));
      const end = Date.now() + opts.durationMs;
      let n = 0;
      while (Date.now() < end && (opts.maxCases === undefined || n < opts.maxCases)) {
        const roll = r();
        const transport = roll < 0.6 ? "websocket" : "polling";
        const frames = roll >= 0.9;
        const fuzzCase = drawCase(r, transport);
        const label = `seed ${opts.seed}, ${backend}, case ${n} (${frames ? "frames" : transport}) ${frames ? "" : describe(fuzzCase)}`;
        let outcome: Outcome;
        try {
          if (frames) {
            outcome = await frameCase(server, r);
            fuzzCase.wellFormed = false;
          } else {
            outcome = transport === "websocket" ? await wsCase(server, fuzzCase) : await pollingCase(server, fuzzCase);
          }
        } catch (err) {
          throw new Error(`${label}: ${(err as Error).message}`);
        }
        if (fuzzCase.wellFormed && outcome !== "echoed") throw new Error(`${label}: well-formed traffic was refused`);
        if (process.env.FUZZ_TRACE) log(`${outcome}: ${label}`);
        if (outcome === "refused") report.refused++;
        else report.echoed++;
        n++;
        report.cases++;
      }
      // Sessions of finished cases close (WebSockets at once, polling at the heartbeat).
      await waitFor(() => server.io.engine.clientsCount === 0, `${backend}: every fuzzed session to close`, 15_000);
      await assertServes(server, "websocket");
      await assertServes(server, "polling");
      log(`fuzz-inbound: ${backend}: ${n} cases, server healthy`);
    } finally {
      await server.close();
    }
  }
  log(`fuzz-inbound: seed ${opts.seed}: ${report.cases} cases, ${report.refused} refused, ${report.echoed} echoed`);
  return report;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

if (require.main === module) {
  const seed = Number(arg("seed") ?? Math.floor(Math.random() * 2 ** 31));
  const seconds = Number(arg("seconds") ?? 60);
  const which = arg("backend") ?? "both";
  const backends: Backend[] = which === "both" ? ["uws", "node"] : [which as Backend];
  process.on("uncaughtException", (err) => {
    console.error(`fuzz-inbound: CRASH with seed ${seed}:`, err);
    process.exit(1);
  });
  const cases = arg("cases") === undefined ? undefined : Number(arg("cases"));
  runFuzz({ seed, durationMs: seconds * 1000, maxCases: cases, backends, log: (l) => console.log(l) }).then(
    () => process.exit(0),
    (err) => {
      console.error(`fuzz-inbound: FAILED: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}

