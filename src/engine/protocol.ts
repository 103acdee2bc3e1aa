// Which Engine.IO revision a request speaks. Decided once per session (at the handshake) and
// per transport (when it is created), never per packet: the session, its polling transport
// and its WebSocket each pick their codec from it at construction.
import type { EngineRequest } from "./request";

/** Engine.IO protocol revisions served: 4, and 3 (Socket.IO v2 clients) with `allowEIO3`. */
export type EngineProtocol = 3 | 4;

/**
 * The revision of a request, as upstream engine.io decides it: `EIO=4` is 4, anything else
 * (a missing `EIO` included) is 3.
 */
export function protocolOf(req: EngineRequest): EngineProtocol {
  return req._query.EIO === "4" ? 4 : 3;
}

/**
 * Whether a v3 peer takes binary (binary frames, binary-framed polling payloads): not when
 * its request carries a non-empty `b64` (clients without binary support), as upstream.
 */
export function v3SupportsBinary(req: EngineRequest): boolean {
  return !req._query.b64;
}
