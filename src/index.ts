// hyperio's public API: the same names as socket.io 4.8 exports, so that
// `import { Server } from "hyperio"` replaces `import { Server } from "socket.io"`.
import { BroadcastOperator, RemoteSocket } from "./broadcast-operator";
import { Namespace } from "./namespace";
import { Server, type ServerOptions } from "./server";
import { Socket } from "./socket";

export { Server };
export type { ServerOptions, ParentNspNameMatchFn, TServerInstance } from "./server";
export { Namespace };
export type { NamespaceReservedEventsMap, ServerReservedEventsMap } from "./namespace";
export { ParentNamespace } from "./parent-namespace";
export { Socket };
export type { Event } from "./socket";
export { Client } from "./client";
export { BroadcastOperator, RemoteSocket };
export type { SocketDetails } from "./broadcast-operator";
export type { DisconnectReason, ExtendedError, Handshake, SocketReservedEventsMap } from "./socket-types";
export type {
  DefaultEventsMap,
  EventsMap,
  EventNames,
  EventParams,
  EventNamesWithAck,
  EventNamesWithoutAck,
  EventNamesWithError,
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  RemoveAcknowledgements,
  TypedEventBroadcaster,
} from "./typed-events";
export { StrictEventEmitter } from "./typed-events";
export { Adapter, SessionAwareAdapter, UwsAdapter, SessionAwareUwsAdapter } from "./adapter";
export type {
  AdapterConstructor,
  BroadcastFlags,
  BroadcastOptions,
  PrivateSessionId,
  Room,
  Session,
  SocketId,
} from "./adapter";

export { UwsHttpServer } from "./uws-http-server";
export type { ServerMetrics } from "./metrics/server-metrics";
export type { EngineMetrics } from "./engine/metrics";
export type { MetricsOptions } from "./server-options";

/**
 * Creates a Server, like `require("socket.io")(port, opts)`.
 *
 * @example
 * const io = createServer(3000);
 */
export function createServer(srv?: ConstructorParameters<typeof Server>[0], opts?: Partial<ServerOptions>): Server {
  return new Server(srv, opts);
}

/**
 * Every error code hyperio throws (`err.code`), with its meaning, and the error class of an
 * invalid option (`err.option` names it).
 *
 * @example
 * try { io.connectTimeout(-1); } catch (err) { if (err instanceof InvalidOptionError) console.log(err.option); }
 */
export { ERROR_CODES, InvalidOptionError } from "./errors";
export type { HyperioErrorCode } from "./errors";

/** Loads the native uWebSockets.js binary (refusing its slow JS shim), to build your own App for attachApp. */
export { loadUws } from "./engine/uws-loader";

/**
 * Which implementation of hyperio's C++ codec helpers runs: `source` is `"prebuilt"` (the
 * binary shipped in the package), `"built from source"` (`npm run build:native`) or
 * `"twin"` (the TypeScript fallback), with the file's `path` and a `reason`.
 *
 * @example
 * console.log(require("hyperio").nativeInfo.source); // "prebuilt" on linux-x64
 */
export { nativeInfo } from "./native";
export type { NativeInfo, NativeSource } from "./native";

/**
 * The module itself, callable as socket.io's is: `require("hyperio")(3000, opts)` returns
 * `new Server(3000, opts)`, and every export of this file is a property of it
 * (`require("hyperio").Server`; see cjs-entry.ts). Also the default export:
 * `import io from "hyperio"`.
 *
 * @example
 * const io = require("hyperio")(3000, { cors: { origin: "*" } });
 */
function hyperio(srv?: ConstructorParameters<typeof Server>[0], opts?: Partial<ServerOptions>): Server {
  return new Server(srv, opts);
}
// The classes upstream's callable module carries, typed here; cjs-entry.ts adds every other
// export at run time.
const callable = Object.assign(hyperio, { Server, Namespace, Socket, BroadcastOperator, RemoteSocket });
export default callable;
