// ParentNamespace: the namespace returned by `io.of(regex)` or `io.of(fn)`. It holds no
// sockets itself; matching names become child namespaces on first connection, inheriting
// the parent's middleware and connection listeners. Broadcasting on the parent reaches every
// child (through ParentBroadcastAdapter).
import createDebug from "debug";
import { Adapter } from "./adapter/in-memory-adapter";
import type { BroadcastOptions } from "./adapter/types";
import type { RemoteSocket } from "./broadcast-operator";
import { notSupported } from "./errors";
import { Namespace } from "./namespace";
import type { Server } from "./server";
import type { DefaultEventsMap, EventNamesWithoutAck, EventParams, EventsMap } from "./typed-events";

const debug = createDebug("hyperio:parent-namespace");

let parentCount = 0;

/**
 * Parent of dynamically created namespaces.
 *
 * @example
 * const workspaces = io.of(/^\/workspace-\d+$/);
 * workspaces.on("connection", (socket) => console.log(socket.nsp.name)); // "/workspace-42"
 * workspaces.emit("maintenance"); // reaches every child namespace
 */
export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  private readonly children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();

  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) {
    super(server, "/_" + parentCount++);
  }

  /** @internal */
  override _initAdapter(): void {
    this.adapter = new ParentBroadcastAdapter(this);
  }

  override emit<Ev extends EventNamesWithoutAck<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    for (const nsp of this.children) (nsp.emit as (...a: unknown[]) => boolean)(ev, ...args);
    return true;
  }

  /** @internal Creates (and registers with the server) the child namespace `name`. */
  createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    debug("creating child namespace %s", name);
    const child = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this.server, name);
    for (const fn of this._fns) child.use(fn);
    for (const listener of this.listeners("connect")) child.on("connect", listener);
    for (const listener of this.listeners("connection")) child.on("connection", listener);
    this.children.add(child);
    if (this.server.opts.cleanupEmptyChildNamespaces) {
      // Dynamic names are client-chosen: without cleanup, each distinct name stays in memory.
      const remove = child._remove.bind(child);
      child._remove = (socket) => {
        remove(socket);
        if (child.sockets.size === 0 && child._preConnectSockets.size === 0) {
          debug("closing empty child namespace %s", name);
          Promise.resolve(child.adapter.close()).catch(() => {});
          this.server._nsps.delete(child.name);
          this.children.delete(child);
        }
      };
    }
    this.server._nsps.set(name, child);
    this.server.sockets._emitNewNamespace(child);
    return child;
  }

  override fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    throw notSupported("fetchSockets() is not supported on parent namespaces");
  }

  /** @internal the children, for the broadcast adapter. */
  get _children(): ReadonlySet<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    return this.children;
  }
}

/** Forwards broadcasts on a parent namespace to each child's adapter. */
class ParentBroadcastAdapter extends Adapter {
  override broadcast(packet: any, opts: BroadcastOptions): void {
    for (const nsp of (this.nsp as ParentNamespace)._children) {
      // each child encodes with its own namespace name
      nsp.adapter.broadcast({ ...packet, data: [...packet.data] }, opts);
    }
  }
}
