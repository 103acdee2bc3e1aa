// Who joins which room, and which broadcasts each client must therefore receive.
//
// A layout is a pure function of the client's global index, so the driver, every client
// process and the report agree on the expected deliveries without shipping per-client lists.
import type { BroadcastSpec } from "../protocol/control";

export type Layout = "none" | "single" | "rooms-except" | "union-except";

export const FANOUT_ROOM = "r0";

/** Rooms client `index` joins right after connecting. */
export function roomsFor(layout: Layout, index: number): string[] {
  switch (layout) {
    case "none":
      return [];
    case "single":
      return [FANOUT_ROOM];
    case "rooms-except": {
      // Four rooms; a third of the clients sit in two of them (so multi-room broadcasts must
      // dedupe), and a fifth also sit in the excluded room "x".
      const rooms = [`r${index % 4}`];
      if (index % 3 === 0) rooms.push(`r${(index + 1) % 4}`);
      if (index % 5 === 0) rooms.push("x");
      return rooms;
    }
    case "union-except": {
      // Issue 11's shape: one of r0..r3 each; a third of the r0 and r2 members also in r1
      // (r0+r1, r2+r1: a socket in two target rooms must get one copy); one in eight of
      // every room also in "x" (excluded). The broadcast goes to r0 ∪ r1 ∪ r2 minus x.
      const rooms = [`r${index % 4}`];
      if (index % 3 === 0 && index % 2 === 0) rooms.push("r1");
      if (Math.floor(index / 4) % 8 === 3) rooms.push("x");
      return rooms;
    }
  }
}

/** The repeating broadcast pattern: broadcast with sequence s targets pattern[s % length]. */
export function patternFor(layout: Layout): BroadcastSpec[] {
  switch (layout) {
    case "none":
    case "single":
      return [{ rooms: [FANOUT_ROOM] }];
    case "rooms-except":
      return [
        { rooms: ["r0", "r1"], except: ["x"] }, // several rooms and except
        { rooms: ["r2", "r3", "r0"] }, // several rooms, overlapping members
        { rooms: ["r1"], except: ["x"] }, // one room and except
        { rooms: ["r3"] }, // one room: the fast path, for contrast
      ];
    case "union-except":
      return [{ rooms: ["r0", "r1", "r2"], except: ["x"] }];
  }
}

/**
 * The broadcasts a set of rooms receives. Shared by every client with the same rooms; answers
 * "which is the next sequence I must see" and "how many in [from, to)" in O(pattern length).
 */
export class Expectation {
  readonly hits: boolean[];
  private readonly perCycle: number;

  constructor(rooms: readonly string[], pattern: readonly BroadcastSpec[]) {
    const mine = new Set(rooms);
    this.hits = pattern.map(
      (spec) => spec.rooms.some((r) => mine.has(r)) && !(spec.except ?? []).some((r) => mine.has(r)),
    );
    this.perCycle = this.hits.filter(Boolean).length;
  }

  expects(seq: number): boolean {
    return this.hits[seq % this.hits.length];
  }

  /** Number of expected sequences in [from, to). */
  countIn(from: number, to: number): number {
    if (to <= from) return 0;
    const p = this.hits.length;
    const cycles = Math.floor((to - from) / p);
    let n = cycles * this.perCycle;
    for (let s = from + cycles * p; s < to; s++) if (this.hits[s % p]) n++;
    return n;
  }
}

/** One shared Expectation per distinct room set. */
export class ExpectationCache {
  private byKey = new Map<string, Expectation>();
  constructor(private readonly pattern: readonly BroadcastSpec[]) {}

  get(rooms: readonly string[]): Expectation {
    const key = rooms.join("\x1f");
    let e = this.byKey.get(key);
    if (!e) this.byKey.set(key, (e = new Expectation(rooms, this.pattern)));
    return e;
  }
}
