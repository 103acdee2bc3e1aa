// What a backend (uws-backend.ts, node-backend.ts) needs from the engine it serves: the
// options it sizes its sockets with, the middlewares it runs before the engine sees a
// request, and the four entry points it hands requests to. Kept to exactly what the
// backends call, so a backend cannot come to depend on the engine's session registry, its
// timers or its public API, and the backends import no engine class (no import cycle with
// server.ts, which imports them).
//
// EngineServer satisfies it structurally: it passes `this` to attachUws / listenUws /
// attachNode / new NodeHandler, which is where the compiler checks it. The class does not
// declare `implements EngineHost` because several of these members are tagged internal and
// stripped from the published .d.ts (stripInternal in tsconfig.build.json), where the
// clause would then name members the class no longer shows. (This comment must not spell
// the tag itself: stripInternal would drop the import below it.)
import type { EngineErrorCode } from "./errors";
import type { HttpExchange, ResponseHeaders } from "./http-exchange";
import type { Middleware } from "./middleware";
import type { ResolvedOptions } from "./options";
import type { EngineRequest } from "./request";
import type { Transport } from "./transport";

/** The options a backend reads (socket sizing, compression, which transports to route). */
export type EngineHostOptions = Pick<
  ResolvedOptions,
  "path" | "transports" | "maxHttpBufferSize" | "maxBufferedBytes" | "perMessageDeflate" | "allowEIO3"
>;

/** The engine's answer to an upgrade request (`verifyUpgrade`). */
export type UpgradeVerdict =
  | { ok: false; code: EngineErrorCode; context: Record<string, unknown> }
  /** `id` is set for a new session (handshake straight on WebSocket). */
  | { ok: true; id: string | undefined; headers: ResponseHeaders };

export interface EngineHost {
  readonly opts: EngineHostOptions;
  /** Connect-style middlewares (`engine.use`), run by the backend before the engine's handling. */
  readonly middlewares: readonly Middleware[];
  /** An HTTP request on the engine path (polling, CORS preflight or an error answer). */
  handleHttp(ex: HttpExchange): void;
  /** A middleware failed on an HTTP request: the engine answers it and reports it. */
  rejectMiddleware(ex: HttpExchange, error: unknown): void;
  /** A middleware failed on an upgrade: the engine reports it, the backend refuses the upgrade. */
  middlewareUpgradeError(req: EngineRequest, error: unknown): void;
  /**
   * True while a new WebSocket-only session's upgrade depends on nothing but the request
   * itself (no allowRequest, engine middleware, headers/initial_headers listener, cookie or
   * custom generateId, server not closed): a backend may then send the 101 before
   * verifyUpgrade, which still runs, synchronously, when the socket opens.
   */
  upgradeIsStatic(): boolean;
  /** Called when what upgradeIsStatic reads changed (a listener, a middleware); set by a backend. */
  onUpgradeRulesChange: (() => void) | undefined;
  /** Checks an upgrade request before the 101 (possibly async). */
  verifyUpgrade(req: EngineRequest, cb: (verdict: UpgradeVerdict) => void): void;
  /** A WebSocket opened; false when refused and still open (the backend closes it). */
  onWebSocketOpen(req: EngineRequest, transport: Transport, id: string | undefined): boolean;
  /** Ends every session (node:http backend: when the attached http.Server closes). */
  close(): unknown;
}
