// The soak's events on the wire, and which clients get which treatment. One file so the
// server, the lean client and the checker agree on names and on who is who.
//
// Every non-volatile message names its origin node and carries a sequence number of its
// stream, so the client can check it (lost, duplicated, out of order):
//   hello  server → client  ["hello", {node, b, d, a}]         next sequence of each stream at `node`
//   b      server → room    ["b", node, seq, stampUs, payload]  broadcasts, seq per node (global)
//   d      server → socket  ["d", node, seq, stampUs]           per-socket emit, seq per (node, client)
//   a      server → socket  ["a", node, seq, stampUs] + ack     per-socket emit with an ack
//   c      client → server  ["c", seq, retry] + ack             client emits, seq per client
//   v      server → room    ["v", stampUs]                      volatile: counted, never checked
//   s      server → "slow"  ["s", payload]                      bulk for the readers that stop reading
// With connection state recovery the server appends a string offset to b, d and hello (not
// to packets with an ack id, and not to volatile ones: upstream keeps neither for replay).
import type { BroadcastSpec } from "../protocol/control";

export const EV = { hello: "hello", b: "b", d: "d", a: "a", c: "c", v: "v", s: "s" } as const;

export interface Hello {
  node: number;
  b: number;
  d: number;
  a: number;
}

/** Rooms a client's server-side socket joins on a fresh (not recovered) connection. */
export function roomsOf(idx: number): string[] {
  // Four rooms; a third of the clients sit in two of them (multi-room broadcasts must dedupe)
  // and a fifth also in the excluded room "x", as the harness's rooms-except layout.
  const rooms = [`r${idx % 4}`];
  if (idx % 3 === 0) rooms.push(`r${(idx + 1) % 4}`);
  if (idx % 5 === 0) rooms.push("x");
  // The readers that stop reading stay out of the kick rooms: a server-side disconnect would
  // end them before the cap or the heartbeat does, which is what they are there to show.
  if (isSlowReader(idx)) rooms.push(SLOW_ROOM);
  else rooms.push(kickRoom(idx));
  return rooms;
}

/** Rooms server-side disconnectSockets() picks from, one at a time (2% of the clients each). */
export const KICK_ROOMS = 50;
export function kickRoom(idx: number): string {
  return `k${idx % KICK_ROOMS}`;
}

export const SLOW_ROOM = "slow";
/** 1% of the clients stop reading once connected (they are never checked). */
export function isSlowReader(idx: number): boolean {
  return idx % 100 === 99;
}

/** 10% of the clients use long-polling only. */
export function isPolling(idx: number): boolean {
  return idx % 10 === 5;
}

/** The repeating broadcast pattern: broadcast seq s goes to BROADCASTS[s % length]. */
export const BROADCASTS: BroadcastSpec[] = [
  { rooms: ["r0", "r1"], except: ["x"] },
  { rooms: ["r2", "r3", "r0"] },
  { rooms: ["r1"], except: ["x"] },
  { rooms: ["r3"] },
];

/** Namespaces clients join and leave (dynamic, removed when empty: namespace churn). */
export const CHURN_NSP_COUNT = 20;
export const CHURN_NSP = /^\/churn-\d+$/;
