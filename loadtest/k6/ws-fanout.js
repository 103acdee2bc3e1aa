// k6: Socket.IO broadcast fan-out over WebSocket (k6/websockets).
//
// Every VU opens one Socket.IO session, joins ROOM and stays for DURATION. VU 1 also drives
// the load: after WARMUP_MS it asks the server, every INTERVAL_MS, for COUNT broadcasts of
// the named PAYLOAD to the room. Each receiver records how long a message took from the
// server's emit to its arrival (fanout_delivery_delay; client and server share the loopback
// clock), checks the payload's size and that sequence numbers only go up.
//
// Events (the load-test convention, lib/convention.js; servers/sio-app.ts implements it):
//   join(rooms, ack)                                  join the rooms; ack()
//   broadcast({ rooms, count, payload }, ack)         `count` broadcasts m(seq, stampUs, payload)
//                                                     to the rooms; ack({ from, count })
//   m(seq, stampUs, payload)                          stampUs: Unix-epoch µs at the server's emit
//
// Run: k6 run -e TARGET=http://127.0.0.1:3000 -e VUS=50 -e DURATION=30s loadtest/k6/ws-fanout.js
// Settings (-e NAME=value): TARGET, VUS (20), DURATION (10s), ROOM (bench), PAYLOAD (small),
// COUNT (1), INTERVAL_MS (100), WARMUP_MS (1000), P95_MS (250).
// The run fails (exit 99) when p95 delay exceeds P95_MS, nothing was delivered, a session
// failed to connect, a payload or the order was wrong, or the protocol broke.
import { check } from "k6";
import { Counter, Rate, Trend } from "k6/metrics";
import { clearInterval, setInterval, setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import { envInt, envNumber, envPayload, envString, logError, parseDurationMs } from "./lib/config.js";
import { BROADCAST_EVENT, BROADCAST_REQUEST_EVENT, JOIN_EVENT, payloadSize, payloadValue } from "./lib/convention.js";
import { SocketIOClient } from "./lib/socketio-client.js";
import { handshakeUrl } from "./lib/socketio-protocol.js";

const TARGET = envString(__ENV, "TARGET", "http://127.0.0.1:3000");
const VUS = envInt(__ENV, "VUS", 20, 1);
const DURATION = envString(__ENV, "DURATION", "10s");
const ROOM = envString(__ENV, "ROOM", "bench");
const PAYLOAD = envPayload(__ENV, "PAYLOAD", "small");
const COUNT = envInt(__ENV, "COUNT", 1, 1);
const INTERVAL_MS = envInt(__ENV, "INTERVAL_MS", 100, 1);
const WARMUP_MS = envInt(__ENV, "WARMUP_MS", 1000);
const P95_MS = envNumber(__ENV, "P95_MS", 250);
const SESSION_MS = parseDurationMs(DURATION);
const PAYLOAD_SIZE = payloadSize(payloadValue(PAYLOAD));
/** VU 1 stops asking for broadcasts this long before the sessions close, so none is cut off. */
const DRAIN_MS = 500;

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    fanout: {
      executor: "per-vu-iterations",
      vus: VUS,
      iterations: 1,
      maxDuration: Math.ceil(SESSION_MS / 1000) + 30 + "s",
    },
  },
  thresholds: {
    fanout_delivery_delay: ["p(95)<" + P95_MS],
    fanout_deliveries: ["count>0"],
    socketio_connected: ["rate==1"],
    socketio_errors: ["count==0"],
    checks: ["rate==1"],
  },
};

const deliveryDelay = new Trend("fanout_delivery_delay", true);
const broadcastAck = new Trend("fanout_broadcast_ack", true);
const deliveries = new Counter("fanout_deliveries");
const requested = new Counter("fanout_messages_requested");
const connectedRate = new Rate("socketio_connected");
const errors = new Counter("socketio_errors");

export default function () {
  errors.add(0); // a sample even in a clean run, so "count==0" is judged on data
  const ws = new WebSocket(handshakeUrl(TARGET, { transport: "websocket" }));
  ws.binaryType = "arraybuffer";
  const client = new SocketIOClient({ send: (frame) => ws.send(frame) });
  let connected = false;
  let reported = false;
  /** @type {ReturnType<typeof setInterval> | null} */
  let driver = null;
  let stopped = false; // no broadcast requests from here on (drain period, or closed)
  let lastSeq = -1;
  const stopDriver = () => {
    stopped = true;
    if (driver !== null) clearInterval(driver);
    driver = null;
  };
  // One sample per session, whether it closes or fails to open.
  const report = () => {
    if (reported) return;
    reported = true;
    connectedRate.add(connected);
  };

  const fail = (/** @type {string} */ what, /** @type {unknown} */ detail) => {
    errors.add(1);
    logError("VU " + __VU + " " + what + ": " + String(detail));
  };
  ws.onmessage = (event) => {
    if (event) client.receive(/** @type {string | ArrayBuffer} */ (event.data));
  };
  ws.onerror = (event) => {
    fail("websocket error", event && event.error);
    report();
  };
  ws.onclose = () => {
    stopDriver();
    report();
  };
  client.on("error", (err) => fail("protocol error", err));
  client.on("connect_error", (data) => fail("connect_error", JSON.stringify(data)));
  client.on(BROADCAST_EVENT, (/** @type {number} */ seq, /** @type {number} */ stampUs, /** @type {unknown} */ payload) => {
    deliveryDelay.add(Date.now() - stampUs / 1000);
    deliveries.add(1);
    check(payload, { "m carries the PAYLOAD": (p) => payloadSize(p) === PAYLOAD_SIZE });
    check(seq, { "m sequence numbers go up": (n) => n > lastSeq });
    lastSeq = seq;
  });
  client.on("connect", () => {
    connected = true;
    client.emit(JOIN_EVENT, [ROOM], () => {
      if (__VU !== 1) return;
      setTimeout(() => {
        if (stopped) return;
        driver = setInterval(() => {
          const sentAt = Date.now();
          requested.add(COUNT);
          client.emit(BROADCAST_REQUEST_EVENT, { rooms: [ROOM], count: COUNT, payload: PAYLOAD }, (/** @type {{ error?: string }} */ reply) => {
            broadcastAck.add(Date.now() - sentAt);
            if (reply && reply.error) fail("broadcast refused", reply.error);
          });
        }, INTERVAL_MS);
      }, WARMUP_MS);
    });
  });

  setTimeout(stopDriver, Math.max(0, SESSION_MS - DRAIN_MS));
  setTimeout(() => {
    client.close();
    ws.close();
  }, SESSION_MS);
}
