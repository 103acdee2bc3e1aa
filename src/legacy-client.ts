// The Client of a Socket.IO v2 client's session (Engine.IO v3, served with `allowEIO3`).
// Socket.IO v2 speaks protocol 4 of the Socket.IO packet format, which differs from v5 in
// what the Client sees:
// - the main namespace is joined implicitly: the client never sends CONNECT for "/", the
//   server connects it as soon as the session opens;
// - a CONNECT names its namespace with the client's query string ("/admin?token=abc"), which
//   becomes the socket's `handshake.auth` (as upstream: every value a string);
// - namespace names are read as URL paths (upstream parses them with `new URL`).
// Chosen once per session (server.ts), so Socket.IO v5 sessions pay nothing for it. The
// socket-level differences (bare CONNECT reply, `nsp#sid` ids, CONNECT_ERROR payload) are
// in socket.ts and namespace.ts, keyed on `conn.protocol`.
import { Client } from "./client";
import type { EngineSocket } from "./engine-types";
import { PacketType, type Packet } from "./parser-types";
import type { Server } from "./server";
import type { DefaultEventsMap, EventsMap } from "./typed-events";

/** Base for resolving a namespace as a URL path; only its path and query are read. */
const URL_BASE = "https://socket.io";

export class LegacyClient<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends Client<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, conn: EngineSocket) {
    super(server, conn);
    this.connect("/", {});
  }

  /** @internal Rewrites the namespace (and a CONNECT's auth) from its v2 form first. */
  override onDecodedPacket(packet: Packet): void {
    const raw = typeof packet.nsp === "string" ? packet.nsp : "/";
    if (raw !== "/" || packet.type === PacketType.CONNECT) {
      const url = new URL(raw, URL_BASE);
      packet.nsp = url.pathname;
      if (packet.type === PacketType.CONNECT) packet.data = queryObject(url.searchParams);
    }
    super.onDecodedPacket(packet);
  }
}

/** Query parameters as a prototype-less object (a `__proto__` key stays a plain key). */
function queryObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of params) out[key] = value;
  return out;
}
