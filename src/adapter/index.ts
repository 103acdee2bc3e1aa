// The adapters: in-memory (upstream contract), session-aware (connection state recovery),
// and the uWS topic adapter used on the uWS backend.
export { Adapter } from "./in-memory-adapter";
export type { WriteOptions } from "./in-memory-adapter";
export { SessionAwareAdapter } from "./session-aware-adapter";
export { UwsAdapter, SessionAwareUwsAdapter } from "./uws-adapter";
export { SessionStore } from "./session-store";
export type {
  AdapterConstructor,
  AdapterLike,
  BroadcastFlags,
  BroadcastOptions,
  PrivateSessionId,
  Room,
  Session,
  SessionToPersist,
  SocketId,
} from "./types";
