// The few Socket.IO v5 / Engine.IO v4 text frames the scenarios use, built and parsed by hand.
//
// The load client and the bare floor server both speak through this file so the wire format
// of a scenario is defined once; the event names are the load-test convention's
// (loadtest/k6/lib/convention.js, shared with the k6 scripts and the autocannon chains).
// Frames (Engine.IO type digit, then Socket.IO type digit):
//   broadcast   server → client  42["m",<seq>,<stampUs>,<payload>]
//   join        client → server  42<ack>["join",[<room>...]]      answered by 43<ack>[]
//   echo        client → server  42<ack>["echo",<seq>,<payload>]  answered by 43<ack>[<seq>,<payload>]
//   binary echo client → server  451-<ack>["echo",<seq>,<placeholder>] + attachment
//                                answered by 461-<ack>[<seq>,<placeholder>] + attachment
// Parsing reads digits straight out of the received bytes: at 10,000 clients the load client's
// CPU is the scarcest resource of the run, and a JSON.parse of a 4 KiB frame per delivery
// would make the client, not the server, the thing being measured.

import { BROADCAST_EVENT, ECHO_EVENT, JOIN_EVENT } from "../k6/lib/convention.js";

export { BROADCAST_EVENT, ECHO_EVENT, JOIN_EVENT };

const BROADCAST_PREFIX = Buffer.from(`42["${BROADCAST_EVENT}",`);
const BROADCAST_PREFIX_STR = `42["${BROADCAST_EVENT}",`;

/** Reused result of a parse: the hot path allocates nothing per delivery. */
export interface SeqStamp {
  seq: number;
  stampUs: number;
}

export function broadcastFrame(seq: number, stampUs: number, payloadJson: string): string {
  return `${BROADCAST_PREFIX_STR}${seq},${stampUs},${payloadJson}]`;
}

export function joinFrame(ackId: number, rooms: readonly string[]): string {
  return `42${ackId}["${JOIN_EVENT}",${JSON.stringify(rooms)}]`;
}

export function echoFrame(ackId: number, seq: number, payloadJson: string): string {
  return `42${ackId}["${ECHO_EVENT}",${seq},${payloadJson}]`;
}

const PLACEHOLDER = '{"_placeholder":true,"num":0}';

/** The event record of a binary echo; its one attachment follows as its own record or frame. */
export function binaryEchoFrame(ackId: number, seq: number): string {
  return `451-${ackId}["${ECHO_EVENT}",${seq},${PLACEHOLDER}]`;
}

/** Reads `<digits>,<digits>` at `pos` into out; false if the bytes do not have that shape. */
function readTwoInts(buf: Buffer, pos: number, out: SeqStamp): boolean {
  let seq = 0;
  let c = buf[pos];
  if (c === undefined || c < 48 || c > 57) return false;
  while (c >= 48 && c <= 57) {
    seq = seq * 10 + (c - 48);
    c = buf[++pos];
  }
  if (c !== 44) return false; // ','
  c = buf[++pos];
  let stamp = 0;
  if (c === undefined || c < 48 || c > 57) return false;
  while (c >= 48 && c <= 57) {
    stamp = stamp * 10 + (c - 48);
    c = buf[++pos];
  }
  out.seq = seq;
  out.stampUs = stamp;
  return true;
}

/** Parses a broadcast frame received as bytes; false if it is some other frame. */
export function parseBroadcast(buf: Buffer, out: SeqStamp): boolean {
  const n = BROADCAST_PREFIX.length;
  if (buf.length <= n) return false;
  for (let i = 0; i < n; i++) if (buf[i] !== BROADCAST_PREFIX[i]) return false;
  return readTwoInts(buf, n, out);
}

/** Same as parseBroadcast for a frame received as a string (the polling transport). */
export function parseBroadcastStr(s: string, out: SeqStamp): boolean {
  if (!s.startsWith(BROADCAST_PREFIX_STR)) return false;
  const a = BROADCAST_PREFIX_STR.length;
  const b = s.indexOf(",", a);
  if (b < 0) return false;
  let c = b + 1;
  while (c < s.length && s.charCodeAt(c) >= 48 && s.charCodeAt(c) <= 57) c++;
  out.seq = Number(s.slice(a, b));
  out.stampUs = Number(s.slice(b + 1, c));
  return Number.isFinite(out.seq) && Number.isFinite(out.stampUs);
}

/**
 * An ack frame, `43<id>[...]` or a binary ack `46<n>-<id>[...]` (its n attachments follow):
 * the ack id, the start of its argument array and the attachment count, or null.
 */
export function parseAck(s: string): { id: number; args: string; attachments: number } | null {
  if (s.charCodeAt(0) !== 52) return null; // "4" message
  const type = s.charCodeAt(1);
  let start = 2;
  let attachments = 0;
  if (type === 54) {
    // "6" binary ack
    const dash = s.indexOf("-", 2);
    if (dash < 3) return null;
    attachments = Number(s.slice(2, dash));
    if (!Number.isInteger(attachments)) return null;
    start = dash + 1;
  } else if (type !== 51) {
    return null; // not "3" ack
  }
  const open = s.indexOf("[", start);
  if (open <= start) return null;
  const id = Number(s.slice(start, open));
  return Number.isInteger(id) ? { id, args: s.slice(open), attachments } : null;
}

/** Leading integer of an ack argument array such as `[12,{...}]`, or NaN. */
export function firstIntArg(args: string): number {
  let i = 1;
  let v = 0;
  let any = false;
  for (; i < args.length; i++) {
    const c = args.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    any = true;
  }
  return any ? v : NaN;
}
