// The floor: a bare uWebSockets.js server that speaks only as much Engine.IO v4 / Socket.IO v5
// as the scenarios need, over WebSocket only (no polling, no upgrade, no namespaces, no
// parser). No Socket.IO server can do less work per message, so its figures bound what any
// optimisation of hyperio can reach.
//
// Invariants kept so the client cannot tell it from a real server: the open packet, `40`
// connect reply with a sid, a heartbeat `2` every PING_INTERVAL_MS, join and echo acks, and
// exactly-once in-order delivery of broadcasts (multi-room or `except` broadcasts walk a
// JS set so that a socket in two rooms receives one copy).
import { randomBytes } from "node:crypto";
import { loadUws } from "../../src/engine/uws-loader";
import type { BroadcastSpec } from "../protocol/control";
import { PING_INTERVAL_MS, PING_TIMEOUT_MS, SOCKET_PATH } from "../protocol/control";
import { broadcastFrame, ECHO_EVENT, JOIN_EVENT } from "../protocol/frames";
import { payloadJson, type PayloadName } from "../protocol/payloads";
import { announce, serveControl } from "./control-loop";

const { uws, isShim } = loadUws();
type Ws = import("uWebSockets.js").WebSocket<SocketState>;

interface SocketState {
  sid: string;
  rooms: Set<string>;
  connected: boolean;
}

const ALL_TOPIC = "\x00all";
const roomTopic = (room: string) => `r\x1f${room}`;
/** Members of each room, for the broadcasts uWS topics cannot express exactly once. */
const members = new Map<string, Set<Ws>>();
let open = 0;
let dropped = 0;

const JOIN_PREFIX = `["${JOIN_EVENT}",`;
const ECHO_PREFIX = `["${ECHO_EVENT}",`;

function newSid(): string {
  return randomBytes(15).toString("base64url");
}

function onMessage(ws: Ws, text: string): void {
  const st = ws.getUserData();
  if (text === "3") return; // pong
  if (text.startsWith("40")) {
    st.connected = true;
    ws.send(`40{"sid":"${newSid()}"}`);
    return;
  }
  if (!text.startsWith("42")) return;
  const open = text.indexOf("[", 2);
  if (open < 3) return; // events without ack are not used by the scenarios
  const ackId = text.slice(2, open);
  if (text.startsWith(ECHO_PREFIX, open)) {
    // The ack repeats the event's arguments verbatim: `[<args>]` minus the event name.
    ws.send(`43${ackId}[${text.slice(open + ECHO_PREFIX.length)}`);
  } else if (text.startsWith(JOIN_PREFIX, open)) {
    const rooms = (JSON.parse(text.slice(open)) as [string, string[]])[1];
    for (const room of rooms) {
      if (st.rooms.has(room)) continue;
      st.rooms.add(room);
      ws.subscribe(roomTopic(room));
      let set = members.get(room);
      if (!set) members.set(room, (set = new Set()));
      set.add(ws);
    }
    ws.send(`43${ackId}[]`);
  }
}

const app = uws.App();
app.ws<SocketState>(`${SOCKET_PATH}*`, {
  maxPayloadLength: 1e6,
  maxBackpressure: 16 * 1024 * 1024,
  idleTimeout: 0,
  sendPingsAutomatically: false,
  upgrade: (res, req, context) => {
    // WebSocket-only: the handshake happens on the upgrade request itself.
    const query = req.getQuery() ?? "";
    if (!query.includes("EIO=4") || !query.includes("transport=websocket")) {
      res.writeStatus("400 Bad Request").end("bare-uws serves EIO=4&transport=websocket only");
      return;
    }
    res.upgrade<SocketState>(
      { sid: newSid(), rooms: new Set(), connected: false },
      req.getHeader("sec-websocket-key"),
      req.getHeader("sec-websocket-protocol"),
      req.getHeader("sec-websocket-extensions"),
      context,
    );
  },
  open: (ws) => {
    open++;
    ws.subscribe(ALL_TOPIC);
    const st = ws.getUserData();
    ws.send(
      `0{"sid":"${st.sid}","upgrades":[],"pingInterval":${PING_INTERVAL_MS},"pingTimeout":${PING_TIMEOUT_MS},"maxPayload":1000000}`,
    );
  },
  message: (ws, message, isBinary) => {
    if (isBinary) return;
    onMessage(ws, Buffer.from(message).toString("utf8"));
  },
  close: (ws) => {
    open--;
    pending.delete(ws);
    for (const room of ws.getUserData().rooms) members.get(room)?.delete(ws);
  },
});
app.any("/*", (res) => {
  res.writeStatus("404 Not Found").end();
});

// Heartbeat: one publish reaches every socket; clients answer `3`, which the floor ignores.
setInterval(() => app.publish(ALL_TOPIC, "2", false), PING_INTERVAL_MS).unref();

const frames = new Map<PayloadName, string>();
/**
 * Frames for multi-room / except broadcasts, held per socket until the end of the command's
 * burst so each socket gets one corked write (one syscall) instead of one per broadcast.
 * Invariant: nothing is published while frames are pending, because uWS drains a socket's
 * pending topic messages ahead of its next send: a publish queued after a pending frame would
 * overtake it. So pending frames are flushed before every publish and at the end of a burst.
 */
const pending = new Map<Ws, string[]>();

function flushPending(): void {
  for (const [ws, list] of pending) {
    ws.cork(() => {
      for (const f of list) if (ws.send(f, false) === 2) dropped++;
    });
  }
  pending.clear();
}

serveControl({
  broadcast(seq: number, stamp: number, spec: BroadcastSpec, payload: PayloadName) {
    let json = frames.get(payload);
    if (json === undefined) frames.set(payload, (json = payloadJson(payload)));
    // Encoded once per broadcast; the Engine.IO "4" and Socket.IO "2" are already in the text.
    const frame = broadcastFrame(seq, stamp, json);
    if (spec.rooms.length === 1 && !(spec.except && spec.except.length)) {
      if (pending.size > 0) flushPending();
      app.publish(roomTopic(spec.rooms[0]), frame, false);
      return;
    }
    const excluded = new Set<Ws>();
    for (const room of spec.except ?? []) for (const ws of members.get(room) ?? []) excluded.add(ws);
    const seen = new Set<Ws>();
    for (const room of spec.rooms) {
      for (const ws of members.get(room) ?? []) {
        if (excluded.has(ws) || seen.has(ws)) continue;
        seen.add(ws);
        const list = pending.get(ws);
        if (list) list.push(frame);
        else pending.set(ws, [frame]);
      }
    }
  },
  endBurst: flushPending,
  connections: () => open,
});

app.listen("127.0.0.1", Number(process.env.LOADTEST_PORT ?? 0), (token) => {
  if (!token) throw new Error("bare-uws: listen failed");
  const port = uws.us_socket_local_port(token);
  announce({ kind: "bare-uws", port, uwsNative: !isShim, transports: ["websocket"] });
});

process.on("exit", () => {
  if (dropped > 0) process.stderr.write(`bare-uws: ${dropped} sends dropped by backpressure\n`);
});
