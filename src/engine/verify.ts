// Request verification and session id generation, with upstream engine.io's error codes
// and contexts. Pure functions of the options and the session registry, so the order of
// checks (which decides which error a client sees) is in one place.
import createDebug from "debug";
import { EngineErrorCode } from "./errors";
import { protocolOf } from "./protocol";
import { randomId } from "./random-id";
import type { ResolvedOptions, TransportName } from "./options";
import { requestHeader } from "./request";
import type { EngineRequest } from "./request";
import type { Socket } from "./socket";

const debug = createDebug("hyperio:engine:verify");

export interface VerifyError {
  code: EngineErrorCode;
  context: Record<string, unknown>;
}

export type VerifyCallback = (error?: VerifyError) => void;
export type HandshakeCallback = (err: VerifyError | null, id?: string) => void;

/** Default session ids: 120 random bits, URL-safe. */
export function defaultId(): string {
  return randomId();
}

// Field-value characters allowed by RFC 9110 (what node's http accepts in a header).
function hasInvalidHeaderChar(v: string): boolean {
  return /[^\t\x20-\x7e\x80-\xff]/.test(v);
}

/**
 * Checks transport, origin header, session and handshake rules, then `allowRequest` for a
 * handshake. Calls back once: without argument when the request may proceed.
 */
export function verifyRequest(
  opts: ResolvedOptions,
  clients: ReadonlyMap<string, Socket>,
  req: EngineRequest,
  upgrade: boolean,
  cb: VerifyCallback,
): void {
  const transport = req._query.transport;
  if (!opts.transports.includes(transport as TransportName)) {
    return cb({ code: EngineErrorCode.UNKNOWN_TRANSPORT, context: { transport } });
  }
  // requestHeader: a uWS snapshot builds its headers record only when someone reads it.
  const origin = requestHeader(req, "origin");
  if (origin !== undefined && hasInvalidHeaderChar(origin)) {
    return cb({ code: EngineErrorCode.BAD_REQUEST, context: { name: "INVALID_ORIGIN", origin } });
  }
  const sid = req._query.sid;
  if (sid !== undefined) {
    const client = clients.get(sid);
    if (!client) return cb({ code: EngineErrorCode.UNKNOWN_SID, context: { sid } });
    if (!upgrade && client.transport.name !== transport) {
      return cb({
        code: EngineErrorCode.BAD_REQUEST,
        context: { name: "TRANSPORT_MISMATCH", transport, previousTransport: client.transport.name },
      });
    }
    // Every request of a session speaks the revision of its handshake (its codec is fixed).
    const protocol = protocolOf(req);
    if (protocol !== client.protocol) {
      return cb({
        code: EngineErrorCode.BAD_REQUEST,
        context: { name: "PROTOCOL_MISMATCH", protocol, previousProtocol: client.protocol },
      });
    }
    return cb();
  }
  if (req.method !== "GET") {
    return cb({ code: EngineErrorCode.BAD_HANDSHAKE_METHOD, context: { method: req.method } });
  }
  if (transport === "websocket" && !upgrade) {
    return cb({ code: EngineErrorCode.BAD_REQUEST, context: { name: "TRANSPORT_HANDSHAKE_ERROR" } });
  }
  const allow = opts.allowRequest;
  if (!allow) return cb();
  // A user callback may answer twice or throw: only the first answer counts.
  let answered = false;
  const answer = (message: string | null | undefined, success: boolean): void => {
    if (answered) return;
    answered = true;
    if (success) cb();
    else cb({ code: EngineErrorCode.FORBIDDEN, context: { message } });
  };
  try {
    allow(req, answer);
  } catch (err) {
    debug("allowRequest threw: %s", (err as Error).message);
    answer(undefined, false);
  }
}

/**
 * Protocol check and id generation for a new session (`generateId` may be async).
 * Calls back once with an error or the id. Revision 3 (anything but `EIO=4`, as upstream)
 * is served only with `allowEIO3`.
 */
export function prepareHandshake(
  gen: (req: EngineRequest) => string | Promise<string>,
  allowEIO3: boolean,
  clients: ReadonlyMap<string, Socket>,
  req: EngineRequest,
  cb: HandshakeCallback,
): void {
  const protocol = protocolOf(req);
  if (protocol === 3 && !allowEIO3) {
    return cb({ code: EngineErrorCode.UNSUPPORTED_PROTOCOL_VERSION, context: { protocol } });
  }
  const fail = (error: unknown): void =>
    cb({ code: EngineErrorCode.BAD_REQUEST, context: { name: "ID_GENERATION_ERROR", error } });
  const check = (id: unknown): void => {
    // The id travels in query strings and cookies: printable ASCII only, bounded.
    if (typeof id !== "string" || !/^[\x21-\x7e]{1,256}$/.test(id) || /[;,"\\]/.test(id)) {
      return fail(new Error('generateId must return 1-256 printable ASCII characters without ; , " or \\'));
    }
    if (clients.has(id)) return fail(new Error(`generateId returned an id already in use: ${id}`));
    cb(null, id);
  };
  let out: string | Promise<string>;
  try {
    out = gen(req);
  } catch (err) {
    return fail(err);
  }
  if (out && typeof (out as Promise<string>).then === "function") (out as Promise<string>).then(check, fail);
  else check(out);
}
