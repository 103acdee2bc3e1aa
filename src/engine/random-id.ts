// Random ids for sessions and sockets: 15 crypto-random bytes as 20 URL-safe base64
// characters, the format of upstream's base64id ids.
//
// Why a pool: randomBytes(15) per id was 11% of a connect storm's CPU (two ids per
// connection: the engine session and the Socket.IO socket; docs/PERFORMANCE.md). One
// randomFillSync fills ids for ID_BATCH connections at once, as crypto.randomUUID does.
//
// Invariant: every pool byte goes into at most one id (the offset only moves forward and the
// pool is refilled, never rewound), so ids stay as unpredictable as randomBytes' own.
import { randomFillSync } from "node:crypto";

const ID_BYTES = 15;
/** Ids per refill: large enough to amortise the call, small enough to stay in cache. */
const ID_BATCH = 128;

const pool = Buffer.allocUnsafe(ID_BYTES * ID_BATCH);
let offset = pool.length; // empty: filled on first use

/** A new random id (120 bits, URL-safe base64, 20 characters). */
export function randomId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += ID_BYTES;
  return pool.toString("base64url", start, offset);
}
