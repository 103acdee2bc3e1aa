// hyperio's public API: the same names as socket.io 4.8 exports, so that
// `import { Server } from "hyperio"` replaces `import { Server } from "socket.io"`.
import { Server, type ServerOptions } from "./server";

export { Server };
export type { ServerOptions, ParentNspNameMatchFn, TServerInstance } from "./server";
export { Namespace } from "./namespace";
export type { NamespaceReservedEventsMap, ServerReservedEventsMap } from "./namespace";
export { ParentNamespace } from "./parent-namespace";
export { Socket } from "./socket";
export type { Event } from "./socket";
export { Client } from "./client";
export { BroadcastOperator, RemoteSocket } from "./broadcast-operator";
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

/**
 * Creates a Server, like `require("socket.io")(port, opts)`.
 *
 * @example
 * const io = createServer(3000);
 */
export function createServer(srv?: ConstructorParameters<typeof Server>[0], opts?: Partial<ServerOptions>): Server {
  return new Server(srv, opts);
}

/** Loads the native uWebSockets.js binary (refusing its slow JS shim), to build your own App for attachApp. */
export { loadUws } from "./engine/uws-loader";
