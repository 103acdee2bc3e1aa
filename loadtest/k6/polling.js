// k6: Socket.IO over HTTP long-polling (k6/http), event + ack round trips.
//
// Each iteration is one Engine.IO session: handshake GET (?EIO=4&transport=polling), POST
// the namespace CONNECT, GET its answer, then ROUNDS times POST an "echo" (round, PAYLOAD)
// event with an ack and GET until the ack arrives (polling_ack_rtt: POST start to ack read),
// then POST the DISCONNECT + CLOSE. The session id read from the handshake rides on every
// later request, and the server only acks what reached the session, so acks prove the chain held.
//
// Events (the load-test convention, lib/convention.js; servers/sio-app.ts implements it):
//   echo(...args, ack)   ack(...args), unchanged
//
// Run: k6 run -e TARGET=http://127.0.0.1:3000 -e VUS=20 -e DURATION=30s loadtest/k6/polling.js
// Settings (-e NAME=value): TARGET, VUS (10), DURATION (10s), ROUNDS (20), PAYLOAD (small),
// P95_MS (100).
// The run fails (exit 99) when p95 round trip exceeds P95_MS, no ack came back, more than
// 1% of HTTP requests failed, an echo came back altered, or the protocol broke.
import { check } from "k6";
import http from "k6/http";
import { Counter, Trend } from "k6/metrics";
import { envInt, envNumber, envPayload, envString, logError, parseDurationMs } from "./lib/config.js";
import { ECHO_EVENT, payloadSize, payloadValue } from "./lib/convention.js";
import { SocketIOClient } from "./lib/socketio-client.js";
import { decodePollingPayload, encodePollingPayload, handshakeUrl } from "./lib/socketio-protocol.js";

const TARGET = envString(__ENV, "TARGET", "http://127.0.0.1:3000");
const VUS = envInt(__ENV, "VUS", 10, 1);
const DURATION = envString(__ENV, "DURATION", "10s");
const ROUNDS = envInt(__ENV, "ROUNDS", 20, 1);
const PAYLOAD = envPayload(__ENV, "PAYLOAD", "small");
const P95_MS = envNumber(__ENV, "P95_MS", 100);
const VALUE = payloadValue(PAYLOAD);
const PAYLOAD_SIZE = payloadSize(VALUE);
/** A GET that returns no ack this many times in a row means the session is lost. */
const MAX_EMPTY_POLLS = 3;

parseDurationMs(DURATION); // fail fast on a malformed DURATION

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    polling: { executor: "constant-vus", vus: VUS, duration: DURATION, gracefulStop: "10s" },
  },
  thresholds: {
    polling_ack_rtt: ["p(95)<" + P95_MS],
    polling_acks: ["count>0"],
    http_req_failed: ["rate<0.01"],
    socketio_errors: ["count==0"],
    checks: ["rate==1"],
  },
};

const ackRtt = new Trend("polling_ack_rtt", true);
const acks = new Counter("polling_acks");
const sessions = new Counter("polling_sessions");
const errors = new Counter("socketio_errors");

// Requests are tagged by role: the sid in the URL would otherwise make one metric series
// per session.
const POST_PARAMS = { headers: { "Content-Type": "text/plain;charset=UTF-8" }, tags: { name: "post" } };
const POLL_PARAMS = { tags: { name: "poll" } };

export default function () {
  errors.add(0); // a sample even in a clean run, so "count==0" is judged on data
  /** @type {import("./lib/socketio-protocol.js").EngineFrame[]} */
  const outbox = [];
  const client = new SocketIOClient({ send: (frame) => outbox.push(frame) });
  let broken = false;
  const fail = (/** @type {string} */ what, /** @type {unknown} */ detail) => {
    errors.add(1);
    broken = true;
    logError("VU " + __VU + " " + what + ": " + String(detail));
  };
  client.on("error", (err) => fail("protocol error", err));
  client.on("connect_error", (data) => fail("connect_error", JSON.stringify(data)));

  /** @param {string} body */
  const feed = (body) => {
    for (const frame of decodePollingPayload(body)) client.receive(frame);
  };

  const hs = http.get(handshakeUrl(TARGET), { tags: { name: "handshake" } });
  if (hs.status !== 200 || typeof hs.body !== "string") return fail("handshake", "HTTP " + hs.status);
  feed(hs.body);
  if (!client.engine) return fail("handshake", "no OPEN packet");
  sessions.add(1);
  const url = handshakeUrl(TARGET, { sid: client.engine.sid });

  const flush = () => {
    if (outbox.length === 0) return true;
    const res = http.post(url, encodePollingPayload(outbox.splice(0)), POST_PARAMS);
    if (res.status !== 200) fail("POST", "HTTP " + res.status);
    return res.status === 200;
  };
  const poll = () => {
    const res = http.get(url, POLL_PARAMS);
    if (res.status !== 200 || typeof res.body !== "string") {
      fail("GET", "HTTP " + res.status);
      return false;
    }
    feed(res.body);
    return !broken;
  };

  if (!flush() || !poll()) return; // CONNECT and its answer
  if (!client.connected) return fail("connect", "no CONNECT answer");

  for (let round = 0; round < ROUNDS && !broken; round++) {
    const sentAt = Date.now();
    let acked = false;
    client.emit(ECHO_EVENT, round, VALUE, (/** @type {unknown} */ replyRound, /** @type {unknown} */ reply) => {
      ackRtt.add(Date.now() - sentAt);
      acks.add(1);
      acked = true;
      check(reply, { "echo returns the payload": (r) => replyRound === round && payloadSize(r) === PAYLOAD_SIZE });
    });
    if (!flush()) return;
    // A GET may carry only a ping; its pong goes out with the next flush.
    for (let empty = 0; !acked; empty++) {
      if (empty === MAX_EMPTY_POLLS) return fail("ack", "none after " + MAX_EMPTY_POLLS + " polls");
      if (!poll() || !flush()) return;
    }
  }
  client.close("polling");
  flush();
}
