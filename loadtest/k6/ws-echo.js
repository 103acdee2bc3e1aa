// k6: Socket.IO event + ack round trip over WebSocket (k6/websockets).
//
// Every VU opens one Socket.IO session for DURATION and keeps INFLIGHT echo requests going:
// it emits "echo" (seq, PAYLOAD) with an ack and, when the ack arrives, records the round trip
// (echo_ack_rtt) and emits the next one after PAUSE_MS. This measures per-message server
// work on the request/response path, the opposite of the fan-out script.
//
// Events (the load-test convention, lib/convention.js; servers/sio-app.ts implements it):
//   echo(...args, ack)   ack(...args), unchanged
//
// Run: k6 run -e TARGET=http://127.0.0.1:3000 -e VUS=20 -e DURATION=30s loadtest/k6/ws-echo.js
// Settings (-e NAME=value): TARGET, VUS (10), DURATION (10s), PAYLOAD (small), INFLIGHT (1),
// PAUSE_MS (0), P95_MS (100).
// The run fails (exit 99) when p95 round trip exceeds P95_MS, no ack came back, a session
// failed to connect, an echo came back altered, or the protocol broke.
import { check } from "k6";
import { Counter, Rate, Trend } from "k6/metrics";
import { setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import { envInt, envNumber, envPayload, envString, logError, parseDurationMs } from "./lib/config.js";
import { ECHO_EVENT, payloadSize, payloadValue } from "./lib/convention.js";
import { SocketIOClient } from "./lib/socketio-client.js";
import { handshakeUrl } from "./lib/socketio-protocol.js";

const TARGET = envString(__ENV, "TARGET", "http://127.0.0.1:3000");
const VUS = envInt(__ENV, "VUS", 10, 1);
const DURATION = envString(__ENV, "DURATION", "10s");
const PAYLOAD = envPayload(__ENV, "PAYLOAD", "small");
const INFLIGHT = envInt(__ENV, "INFLIGHT", 1, 1);
const PAUSE_MS = envInt(__ENV, "PAUSE_MS", 0);
const P95_MS = envNumber(__ENV, "P95_MS", 100);
const SESSION_MS = parseDurationMs(DURATION);
const VALUE = payloadValue(PAYLOAD);
const PAYLOAD_SIZE = payloadSize(VALUE);

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    echo: {
      executor: "per-vu-iterations",
      vus: VUS,
      iterations: 1,
      maxDuration: Math.ceil(SESSION_MS / 1000) + 30 + "s",
    },
  },
  thresholds: {
    echo_ack_rtt: ["p(95)<" + P95_MS],
    echo_acks: ["count>0"],
    socketio_connected: ["rate==1"],
    socketio_errors: ["count==0"],
    checks: ["rate==1"],
  },
};

const ackRtt = new Trend("echo_ack_rtt", true);
const acks = new Counter("echo_acks");
const connectedRate = new Rate("socketio_connected");
const errors = new Counter("socketio_errors");

export default function () {
  errors.add(0); // a sample even in a clean run, so "count==0" is judged on data
  const ws = new WebSocket(handshakeUrl(TARGET, { transport: "websocket" }));
  ws.binaryType = "arraybuffer";
  const client = new SocketIOClient({ send: (frame) => ws.send(frame) });
  let connected = false;
  let reported = false;
  let stopping = false;
  let seq = 0;
  const report = () => {
    if (reported) return;
    reported = true;
    connectedRate.add(connected);
  };
  const fail = (/** @type {string} */ what, /** @type {unknown} */ detail) => {
    errors.add(1);
    logError("VU " + __VU + " " + what + ": " + String(detail));
  };

  const sendOne = () => {
    if (stopping) return;
    const sent = seq++;
    const sentAt = Date.now();
    client.emit(ECHO_EVENT, sent, VALUE, (/** @type {unknown} */ replySeq, /** @type {unknown} */ reply) => {
      ackRtt.add(Date.now() - sentAt);
      acks.add(1);
      check(reply, { "echo returns the payload": (r) => replySeq === sent && payloadSize(r) === PAYLOAD_SIZE });
      if (PAUSE_MS > 0) setTimeout(sendOne, PAUSE_MS);
      else sendOne();
    });
  };

  ws.onmessage = (event) => {
    if (event) client.receive(/** @type {string | ArrayBuffer} */ (event.data));
  };
  ws.onerror = (event) => {
    fail("websocket error", event && event.error);
    report();
  };
  ws.onclose = report;
  client.on("error", (err) => fail("protocol error", err));
  client.on("connect_error", (data) => fail("connect_error", JSON.stringify(data)));
  client.on("connect", () => {
    connected = true;
    for (let i = 0; i < INFLIGHT; i++) sendOne();
  });

  setTimeout(() => {
    stopping = true;
    client.close();
    ws.close();
  }, SESSION_MS);
}
