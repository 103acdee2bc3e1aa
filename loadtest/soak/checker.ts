// The per-client delivery check of the soak: every non-volatile message a client receives is
// checked against what it must receive, and every miss is either loss or has a named cause.
//
// Streams: broadcasts ("b") and the two per-socket streams ("d" without ack, "a" with ack),
// each keyed by the node that emitted it. A stream's `next` is the lowest sequence it still
// expects; a message above it skips `next..seq-1` (the broadcasts among them this client's
// rooms receive), a message below it is a duplicate, or out of order when it was skipped
// before. Invariants:
//   - a skip detected on the connection that delivered the stream's previous message, or on
//     a connection whose session was recovered, is LOSS (recovery promises exactly-once,
//     in-order replay of what was emitted while cut off), except packets with an ack ("a"),
//     which upstream never keeps for replay: a skip across a reconnect there is the cause
//     "emit with ack, not kept for recovery";
//   - on a connection that was not recovered, the server's hello says where each stream of
//     that node resumes: what lies between is counted by cause (why the client was cut off,
//     and why it was not recovered), never as loss;
//   - a skip whose messages were emitted inside a fault window the driver declared (a Redis
//     restart), or a duplicate emitted inside one, is counted under that fault, as is the
//     late arrival of a message a fault skip counted.
import { Expectation } from "../client/membership";
import { nowUs } from "../lib/clock";
import { BROADCASTS, roomsOf, type Hello } from "./wire";

export type StreamKind = "b" | "d" | "a";

export interface Tally {
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** A broadcast this client's rooms do not receive. */
  misdelivered: number;
  /** Messages missed while cut off and not recovered (or not recoverable), by cause. */
  unrecovered: Record<string, number>;
  /** Messages lost inside a declared fault window, by fault. */
  faults: Record<string, number>;
  /** Lost messages by stream kind. */
  lostBy: Record<string, number>;
  /**
   * Duplicates (outside faults) by where they came: the connection (recovered or not), the
   * copy's age against that connection (emitted before it: what a session restore reads
   * back), and how soon after the connect it arrived.
   */
  dupBy: Record<string, number>;
  /** The first few losses, as evidence: what was skipped and on which connection. */
  samples: LossSample[];
}

export interface LossSample {
  what: "lost" | "duplicated" | "out of order";
  idx: number;
  stream: string;
  from: number;
  to: number;
  /** Connections of this client so far (1: the first), and whether the current one was recovered. */
  epoch: number;
  recovered: boolean;
  /** The skip was seen on a later connection than the stream's previous message. */
  acrossReconnect: boolean;
  atUs: number;
}

/** Loss samples kept per tally. */
const SAMPLES_KEPT = 20;

export function emptyTally(): Tally {
  return { delivered: 0, lost: 0, duplicated: 0, outOfOrder: 0, misdelivered: 0, unrecovered: {}, faults: {}, lostBy: {}, dupBy: {}, samples: [] };
}

export function addTally(into: Tally, t: Tally): Tally {
  into.delivered += t.delivered;
  into.lost += t.lost;
  into.duplicated += t.duplicated;
  into.outOfOrder += t.outOfOrder;
  into.misdelivered += t.misdelivered;
  for (const [k, v] of Object.entries(t.unrecovered)) into.unrecovered[k] = (into.unrecovered[k] ?? 0) + v;
  for (const [k, v] of Object.entries(t.faults)) into.faults[k] = (into.faults[k] ?? 0) + v;
  for (const [k, v] of Object.entries(t.dupBy ?? {})) into.dupBy[k] = (into.dupBy[k] ?? 0) + v;
  for (const [k, v] of Object.entries(t.lostBy)) into.lostBy[k] = (into.lostBy[k] ?? 0) + v;
  for (const x of t.samples) if (into.samples.length < SAMPLES_KEPT) into.samples.push(x);
  return into;
}

export interface FaultWindow {
  cause: string;
  startUs: number;
  /** Still open when undefined. */
  endUs?: number;
}

/** Skipped sequences remembered per stream, to tell "out of order" from "duplicate". */
const SKIPPED_KEPT = 1024;

interface Stream {
  next: number;
  /** Connection epoch that delivered the last message (or set `next`). */
  epoch: number;
  lastStampUs: number;
  skipped?: Set<number>;
  /** Sequences skipped inside a declared fault (counted under it), with the fault's cause. */
  faultSkipped?: Map<number, string>;
}

function key(s: Stream, streams: Map<string, Stream>): string {
  for (const [k, v] of streams) if (v === s) return k.slice(1);
  return "?";
}

const expectations = new Map<string, Expectation>();
function expectationOf(idx: number): Expectation {
  const rooms = roomsOf(idx);
  const key = rooms.join("\x1f");
  let e = expectations.get(key);
  if (!e) expectations.set(key, (e = new Expectation(rooms, BROADCASTS)));
  return e;
}

export class ClientChecker {
  readonly tally = emptyTally();
  private streams = new Map<string, Stream>();
  private epoch = 0;
  private recovered = false;
  /** When the current connection was answered (client clock, µs; 0: not told). */
  private connectedAtUs = 0;
  /** Why the current connection is not a recovered one ("" while recovered or first connect). */
  private cause = "";
  private readonly expect: Expectation;

  constructor(
    readonly idx: number,
    private readonly faults: readonly FaultWindow[] = [],
  ) {
    this.expect = expectationOf(idx);
  }

  /** A Socket.IO CONNECT answered. `cause`: why the previous connection ended and was not resumed. */
  onConnect(recovered: boolean, cause: string, atUs = 0): void {
    this.connectedAtUs = atUs;
    this.epoch++;
    this.recovered = recovered;
    this.cause = recovered ? "" : cause;
  }

  /** The server's hello on a connection that was not recovered: where its node's streams resume. */
  onHello(h: Hello): void {
    this.resume("b", h.node, h.b);
    this.resume("d", h.node, h.d);
    this.resume("a", h.node, h.a);
  }

  private resume(kind: StreamKind, node: number, next: number): void {
    const key = kind + node;
    const s = this.streams.get(key);
    if (!s) {
      this.streams.set(key, { next, epoch: this.epoch, lastStampUs: 0 });
      return;
    }
    if (next > s.next) this.unrecovered(this.count(kind, s.next, next), this.cause || "resumed without recovery");
    if (next > s.next) s.next = next;
    s.epoch = this.epoch;
  }

  /** One message of a stream. */
  onMessage(kind: StreamKind, node: number, seq: number, stampUs: number): void {
    if (kind === "b" && !this.expect.expects(seq)) {
      this.tally.misdelivered++;
      return;
    }
    const key = kind + node;
    let s = this.streams.get(key);
    if (!s) {
      // First message of a node this client never had a hello from (another node's
      // broadcasts in a cluster): it starts the stream.
      s = { next: seq, epoch: this.epoch, lastStampUs: stampUs };
      this.streams.set(key, s);
    }
    if (seq < s.next) {
      // Counted lost under a fault when it was skipped, it arrives late: still that fault's.
      const skippedIn = s.faultSkipped?.get(seq);
      if (skippedIn !== undefined) {
        s.faultSkipped!.delete(seq);
        const k = `late (counted lost) during ${skippedIn}`;
        this.tally.faults[k] = (this.tally.faults[k] ?? 0) + 1;
        return;
      }
      const what = s.skipped?.delete(seq) ? "out of order" : "duplicated";
      const fault = this.faultAt(stampUs, stampUs);
      if (fault) {
        const k = `${what} during ${fault.cause}`;
        this.tally.faults[k] = (this.tally.faults[k] ?? 0) + 1;
        return;
      }
      if (what === "out of order") this.tally.outOfOrder++;
      else {
        this.tally.duplicated++;
        const at = this.connectedAtUs;
        const k = at === 0 ? "?" : `${this.recovered ? "recovered" : "fresh"} connection, emitted ${stampUs < at ? "before" : "after"} its connect, arrived ${nowUs() - at < 5e6 ? "within 5 s" : "later"}`;
        this.tally.dupBy[k] = (this.tally.dupBy[k] ?? 0) + 1;
      }
      if (this.tally.samples.length < 3) {
        this.tally.samples.push({ what, idx: this.idx, stream: key, from: seq, to: s.next, epoch: this.epoch, recovered: this.recovered, acrossReconnect: s.epoch !== this.epoch, atUs: stampUs });
      }
      return;
    }
    if (seq > s.next) this.skip(kind, s, seq, stampUs);
    s.next = seq + 1;
    s.epoch = this.epoch;
    s.lastStampUs = stampUs;
    this.tally.delivered++;
  }

  private skip(kind: StreamKind, s: Stream, seq: number, stampUs: number): void {
    const n = this.count(kind, s.next, seq);
    if (n === 0) return;
    const acrossReconnect = s.epoch !== this.epoch;
    if (acrossReconnect && !this.recovered) return this.unrecovered(n, this.cause || "reconnected without recovery");
    if (acrossReconnect && kind === "a") return this.unrecovered(n, "emit with ack, not kept for recovery");
    const fault = this.faultAt(s.lastStampUs, stampUs);
    if (fault) {
      const k = `lost during ${fault.cause}`;
      this.tally.faults[k] = (this.tally.faults[k] ?? 0) + n;
      const fs = (s.faultSkipped ??= new Map());
      for (let q = s.next; q < seq && fs.size < SKIPPED_KEPT; q++) if (kind !== "b" || this.expect.expects(q)) fs.set(q, fault.cause);
      return;
    }
    this.tally.lost += n;
    this.tally.lostBy[kind] = (this.tally.lostBy[kind] ?? 0) + n;
    if (this.tally.samples.length < 3) {
      this.tally.samples.push({ what: "lost", idx: this.idx, stream: `${kind}${key(s, this.streams)}`, from: s.next, to: seq, epoch: this.epoch, recovered: this.recovered, acrossReconnect, atUs: Date.now() * 1000 });
    }
    const skipped = (s.skipped ??= new Set());
    for (let q = s.next; q < seq && skipped.size < SKIPPED_KEPT; q++) if (kind !== "b" || this.expect.expects(q)) skipped.add(q);
  }

  /**
   * End of run: `ends` gives, per stream key, the sequence each stream would have reached
   * had every emitted message arrived. `connected`: the client is connected now (its
   * shortfall is loss or has a cause as any skip); otherwise the shortfall is counted
   * under "not connected at the end".
   */
  finish(ends: ReadonlyMap<string, number>, connected: boolean): void {
    for (const [key, end] of ends) {
      const kind = key[0] as StreamKind;
      const s = this.streams.get(key);
      if (!s || end <= s.next) continue;
      if (!connected) this.unrecovered(this.count(kind, s.next, end), "not connected at the end");
      else this.skip(kind, s, end, Number.MAX_SAFE_INTEGER);
      s.next = end;
    }
  }

  /** Keys of the streams this client has (for the end-of-run ends lookup). */
  streamKeys(): string[] {
    return [...this.streams.keys()];
  }

  /** A declared fault window overlapping [fromUs, toUs]. */
  private faultAt(fromUs: number, toUs: number): FaultWindow | undefined {
    return this.faults.find((f) => f.startUs <= toUs && (f.endUs === undefined || f.endUs >= fromUs));
  }

  private count(kind: StreamKind, from: number, to: number): number {
    return kind === "b" ? this.expect.countIn(from, to) : Math.max(0, to - from);
  }

  private unrecovered(n: number, cause: string): void {
    if (n > 0) this.tally.unrecovered[cause] = (this.tally.unrecovered[cause] ?? 0) + n;
  }
}
