// A cluster of three Socket.IO servers sharing one Redis adapter, for either upstream
// socket.io 4.8 or hyperio, with official socket.io-client peers on every node.
//
// Topology: nodes A, B, C. hyperio runs A and C on uWS (`new Server(opts).listen(0)`) and B
// on node:http (`io.attach(httpServer)`); upstream runs all three on node:http (its uWS mode
// needs the official uWebSockets.js build). A gets its adapter through the `adapter` option,
// B through `io.adapter(...)` after attaching, C through `io.adapter(...)` before listening.
//
// Delivery checks rely on one ordering invariant of both Redis adapters: packets one node
// publishes reach every other node in publish order (one publishing connection per node, one
// subscribing connection or one stream per node), and each transport keeps order per client.
// So a marker emitted by node N after some broadcasts arrives after them: once every peer
// has seen the marker of every emitting node, nothing else is still on its way.
import { createServer, globalAgent, type Server as HttpServer } from "node:http";
import { Server as UpstreamServer } from "socket.io";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { Server as HyperioServer, type AdapterConstructor, type ServerOptions } from "../../src/index";

export type Impl = "upstream" | "hyperio";
export type Transport = "websocket" | "polling";
type Backend = "uws" | "node";

export const NODE_NAMES = ["A", "B", "C"] as const;
const BACKENDS: Record<Impl, Backend[]> = { upstream: ["node", "node", "node"], hyperio: ["uws", "node", "uws"] };
/** Failure guard for anything awaited in these tests; never reached when things work. */
export const GUARD_MS = 8000;
const FLUSH_EVENT = "__flush__";

/** What one adapter package needs per node, and how to know it is listening. */
export interface AdapterKit {
  name: string;
  /**
   * Builds one node's adapter over fresh Redis clients. Typed as hyperio's public
   * AdapterConstructor: the kits assign the packages' `createAdapter(...)` results to it
   * unchanged, so the type check proves the drop-in claim for TypeScript users too.
   */
  createNode(clusterId: string, node: number): Promise<{ adapter: AdapterConstructor; close(): Promise<void> }>;
  /**
   * Resolves once exactly `nodeCount` nodes have an adapter for each of `nsps` receiving
   * what is published.
   */
  waitReady(clusterId: string, nsps: string[], nodeCount: number): Promise<void>;
  /** Resolves once the closed adapters of `nsp` no longer receive anything. */
  waitUnsubscribed(clusterId: string, nsp: string): Promise<void>;
}

export interface ClusterNode {
  name: string;
  index: number;
  backend: Backend;
  io: any;
  port: number;
}

/** An official client connected to one node, with what it received. */
export interface Peer {
  label: string;
  node: ClusterNode;
  nsp: string;
  client: ClientSocket;
  /** The server-side socket on its node (as it was when the client connected). */
  socket: any;
  /** Every event received, in order, except flush markers: [event, ...args]. */
  received: unknown[][];
  /** Flush marker tokens received (see flush()). */
  flushed: Set<string>;
}

export interface PeerOptions {
  auth?: Record<string, unknown>;
  /** A custom parser (must match the servers' `parser` option). */
  parser?: unknown;
}

let clusterCounter = 0;

/** Polls `cond` every 10 ms; rejects naming `what` after the failure guard. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = GUARD_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the next `event`'s arguments; rejects after the failure guard. */
export function nextEvent<T extends unknown[] = any[]>(emitter: any, event: string, ms = GUARD_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), ms);
    emitter.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    });
  });
}

export class Cluster {
  readonly id: string;
  readonly nodes: ClusterNode[] = [];
  readonly peers: Peer[] = [];
  /** Per node, what closes it: its server (and with it its adapters), then its Redis clients. */
  private readonly closers: Array<Array<() => Promise<void>>> = [];
  private flushCounter = 0;

  private constructor(
    readonly impl: Impl,
    private readonly kit: AdapterKit,
  ) {
    this.id = `t${process.pid}-${++clusterCounter}`;
  }

  /**
   * Starts three nodes sharing `kit`'s adapter, creates the namespaces in `nsps` on each and
   * waits until every adapter hears the others.
   */
  static async start(impl: Impl, kit: AdapterKit, nsps: string[] = ["/"], opts: Partial<ServerOptions> = {}): Promise<Cluster> {
    const cluster = new Cluster(impl, kit);
    try {
      for (let i = 0; i < NODE_NAMES.length; i++) await cluster.startNode(i, opts);
      for (const node of cluster.nodes) for (const nsp of nsps) node.io.of(nsp);
      await kit.waitReady(cluster.id, nsps, cluster.nodes.length);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  private async startNode(index: number, opts: Partial<ServerOptions>): Promise<void> {
    const backend = BACKENDS[this.impl][index];
    const redis = await this.kit.createNode(this.id, index);
    // A: the `adapter` option; B: io.adapter() after attach(); C: io.adapter() before listen()
    const setterAfterAttach = index === 1;
    const setterBeforeListen = index === 2;
    const serverOpts = index === 0 ? { ...opts, adapter: redis.adapter } : { ...opts };
    let io: any;
    let port: number;
    let httpServer: HttpServer | undefined;
    if (backend === "uws") {
      io = new HyperioServer(serverOpts);
      // node C sets its adapter before listening (B, below, after attaching)
      if (setterBeforeListen) io.adapter(redis.adapter);
      io.listen(0);
      port = io.port;
    } else {
      httpServer = createServer();
      // upstream's own option types name its own Adapter class; the object is the same
      io = this.impl === "upstream" ? new UpstreamServer(serverOpts as any) : new HyperioServer(serverOpts);
      if (setterBeforeListen) io.adapter(redis.adapter);
      io.attach(httpServer);
      await new Promise<void>((r) => httpServer!.listen(0, "127.0.0.1", r));
      port = (httpServer.address() as { port: number }).port;
    }
    if (setterAfterAttach) io.adapter(redis.adapter);
    this.closers[index] = [() => io.close(), redis.close];
    this.nodes.push({ name: NODE_NAMES[index], index, backend, io, port });
  }

  /**
   * Connects an official client to `node` and waits until both ends see the connection.
   * The client sends `auth: { label }` and `query: { label }`; the server socket gets
   * `data = { label }` so fetchSockets results can be named.
   */
  async connect(node: number, transport: Transport, nsp = "/", label?: string, opts: PeerOptions = {}): Promise<Peer> {
    const n = this.nodes[node];
    const name = label ?? `${nsp === "/" ? "" : nsp.slice(1) + ":"}${n.name}.${transport === "websocket" ? "ws" : "poll"}`;
    const client = ioc(`http://127.0.0.1:${n.port}${nsp}`, {
      forceNew: true,
      // reconnections are driven by the tests themselves (connection state recovery)
      reconnection: false,
      transports: [transport],
      auth: opts.auth ?? { label: name },
      query: { label: name },
      ...(opts.parser ? { parser: opts.parser as any } : {}),
    });
    const peer: Peer = { label: name, node: n, nsp, client, socket: undefined, received: [], flushed: new Set() };
    this.peers.push(peer);
    client.onAny((event: string, ...args: unknown[]) => {
      if (event === FLUSH_EVENT) {
        peer.flushed.add(args[0] as string);
        return;
      }
      peer.received.push([event, ...args]);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: timed out connecting`)), GUARD_MS);
      client.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      client.once("connect_error", (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    // Since Socket.IO v3 the client's id is the server socket's id; the server adds the
    // socket to `sockets` before sending CONNECT, so it is there now.
    peer.socket = n.io.of(nsp).sockets.get(client.id);
    if (!peer.socket) throw new Error(`${name}: no server socket ${client.id} on node ${n.name}`);
    if (!opts.auth) peer.socket.data = { label: name };
    return peer;
  }

  /** A WebSocket and a polling peer on every node, labelled like "B.poll" ("chat:B.poll"). */
  async standardPeers(nsp = "/", opts: PeerOptions = {}): Promise<Peer[]> {
    const out: Peer[] = [];
    for (const node of this.nodes) {
      out.push(await this.connect(node.index, "websocket", nsp, undefined, opts));
      out.push(await this.connect(node.index, "polling", nsp, undefined, opts));
    }
    return out;
  }

  /** The peer labelled `label`. */
  peer(label: string): Peer {
    const p = this.peers.find((x) => x.label === label);
    if (!p) throw new Error(`no peer ${label}`);
    return p;
  }

  /** Replaces socket ids by peer labels (ids differ between runs; labels do not). */
  label(id: string): string {
    return this.peers.find((p) => p.socket?.id === id || p.client.id === id)?.label ?? id;
  }

  /**
   * Waits until everything `fromNodes` broadcast before this call on `nsp` has reached
   * `peers` (see the ordering invariant at the top of this file).
   */
  async flush(peers: Peer[], fromNodes: number[] = [0, 1, 2], nsp = "/"): Promise<void> {
    const tokens = fromNodes.map((n) => `${n}:${++this.flushCounter}`);
    fromNodes.forEach((n, i) => this.nodes[n].io.of(nsp).emit(FLUSH_EVENT, tokens[i]));
    await Promise.all(
      peers.map((peer) =>
        until(() => tokens.every((t) => peer.flushed.has(t)), `${peer.label} to receive flush markers ${tokens.join(",")}`),
      ),
    );
  }

  /**
   * Resolves once exactly `nodeCount` nodes (default: all) have a listening adapter for each
   * of `nsps` (for namespaces created after start-up).
   */
  ready(nsps: string[], nodeCount = this.nodes.length): Promise<void> {
    return this.kit.waitReady(this.id, nsps, nodeCount);
  }

  /** Resolves once every closed adapter of `nsp` stopped listening. */
  unsubscribed(nsp: string): Promise<void> {
    return this.kit.waitUnsubscribed(this.id, nsp);
  }

  /** Closes one node (its server, then its Redis clients), as when a node leaves the cluster. */
  async closeNode(index: number): Promise<void> {
    const closers = this.closers[index] ?? [];
    this.closers[index] = [];
    const errors: unknown[] = [];
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  }

  /** Closes every client, server and Redis client this cluster made. */
  async close(): Promise<void> {
    for (const p of this.peers) p.client.disconnect();
    // let the disconnect packets go out before the servers close
    await new Promise((r) => setTimeout(r, 10));
    const results = await Promise.allSettled(this.closers.map((_, i) => this.closeNode(i)));
    // polling clients leave keep-alive sockets in node's global agent
    globalAgent.destroy();
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
    if (failed) throw failed.reason;
  }
}
