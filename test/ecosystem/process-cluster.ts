// The test side of cluster-fixture.ts: starts the primary process, waits for its workers'
// ports, sends calls to a worker and connects official socket.io-client peers to workers.
//
// Delivery checks use the ordering invariant of the cluster adapter: a worker's messages
// reach the primary in order on one IPC channel and the primary forwards them in that order
// on each worker's channel. So a flush marker broadcast by worker N after some broadcasts
// (each call is awaited before the next is sent) reaches every client after them.
import { fork, type ChildProcess } from "node:child_process";
import { globalAgent } from "node:http";
import { join } from "node:path";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { GUARD_MS, until } from "../adapter/cluster";
import { NSPS, WORKER_NAMES, type CallReply, type Impl, type Root, type Step } from "./cluster-protocol";

export type Transport = "websocket" | "polling";
const FLUSH_EVENT = "__flush__";
const FIXTURE = join(__dirname, "cluster-fixture.ts");
/** Start-up of four tsx processes on a loaded 2-core machine: a guard, not an expectation. */
const START_GUARD_MS = 30_000;

/** An official client connected to one worker, with what it received. */
export interface Peer {
  label: string;
  worker: number;
  nsp: string;
  client: ClientSocket;
  /** Every event received, in order, except flush markers: [event, ...args]. */
  received: unknown[][];
  flushed: Set<string>;
}

export class ProcessCluster {
  readonly peers: Peer[] = [];
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private callCounter = 0;
  private flushCounter = 0;
  private exitError?: Error;

  private constructor(
    readonly impl: Impl,
    private readonly primary: ChildProcess,
    readonly ports: number[],
  ) {
    primary.on("message", (msg: any) => {
      if (msg?.rpc === "reply") this.settle(msg as CallReply);
      else if (msg?.rpc === "worker-exit") this.fail(new Error(`worker ${WORKER_NAMES[msg.worker]} exited (${msg.code ?? msg.signal})`));
    });
    primary.on("exit", (code, signal) => this.fail(new Error(`primary exited (${code ?? signal})`)));
  }

  /** Forks the primary, which forks one worker per WORKER_NAMES entry, and waits for their ports and adapters. */
  static async start(impl: Impl): Promise<ProcessCluster> {
    const primary = fork(FIXTURE, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, HYPERIO_ECOSYSTEM_IMPL: impl },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    // a test process that dies must not leave the cluster behind (workers exit with their primary)
    const killOnExit = () => primary.kill("SIGKILL");
    process.once("exit", killOnExit);
    primary.once("exit", () => process.removeListener("exit", killOnExit));
    const ports = await new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${impl} cluster did not start`)), START_GUARD_MS);
      primary.on("message", (msg: any) => {
        if (msg?.rpc === "ready") {
          clearTimeout(timer);
          resolve(msg.ports);
        }
      });
      primary.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${impl} cluster primary exited during start-up (${code})`));
      });
    });
    const cluster = new ProcessCluster(impl, primary, ports);
    try {
      await cluster.adaptersReady();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Every worker's adapter of every namespace counts all workers (heartbeats exchanged). */
  private async adaptersReady(): Promise<void> {
    for (const nsp of NSPS) {
      for (let w = 0; w < this.ports.length; w++) {
        await until(async () => (await this.call(w, { nsp }, ["adapter"], ["serverCount"])) === this.ports.length, `${nsp} adapter of worker ${WORKER_NAMES[w]} to see every worker`, START_GUARD_MS);
      }
    }
  }

  private settle(reply: CallReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(String(reply.value)));
  }

  private fail(err: Error): void {
    this.exitError ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /**
   * Runs `root.step0(...).step1(...)...` on `worker` and resolves with the awaited result
   * (plain JSON, see the fixture's toWire).
   *
   * @example
   * await c.call(1, "io", ["to", "r1"], ["emit", "m", "hi"]);
   */
  call(worker: number, root: Root, ...steps: Step[]): Promise<any> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = ++this.callCounter;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`call ${JSON.stringify(steps)} on worker ${WORKER_NAMES[worker]} timed out`));
      }, GUARD_MS * 2);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.primary.send({ rpc: "call", id, worker, root, steps });
    });
  }

  /** Connects an official client to `worker`, labelled like "B.poll" ("chat:B.poll"), and waits for `connect`. */
  async connect(worker: number, transport: Transport, nsp = "/"): Promise<Peer> {
    const label = `${nsp === "/" ? "" : nsp.slice(1) + ":"}${WORKER_NAMES[worker]}.${transport === "websocket" ? "ws" : "poll"}`;
    const client = ioc(`http://127.0.0.1:${this.ports[worker]}${nsp}`, {
      forceNew: true,
      reconnection: false,
      transports: [transport],
      auth: { label },
    });
    const peer: Peer = { label, worker, nsp, client, received: [], flushed: new Set() };
    this.peers.push(peer);
    client.onAny((event: string, ...args: unknown[]) => {
      if (event === FLUSH_EVENT) peer.flushed.add(args[0] as string);
      else peer.received.push([event, ...args]);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label}: timed out connecting`)), GUARD_MS);
      client.once("connect", () => (clearTimeout(timer), resolve()));
      client.once("connect_error", (err: Error) => (clearTimeout(timer), reject(err)));
    });
    return peer;
  }

  /** A WebSocket and a polling peer on every worker of `nsp`. */
  async standardPeers(nsp = "/"): Promise<Peer[]> {
    const out: Peer[] = [];
    for (let w = 0; w < this.ports.length; w++) {
      out.push(await this.connect(w, "websocket", nsp));
      out.push(await this.connect(w, "polling", nsp));
    }
    return out;
  }

  peer(label: string): Peer {
    const p = this.peers.find((x) => x.label === label);
    if (!p) throw new Error(`no peer ${label}`);
    return p;
  }

  /** Replaces every string that is a peer's socket id by its label, deeply. */
  relabel(v: unknown): unknown {
    if (typeof v === "string") return this.peers.find((p) => p.client.id === v)?.label ?? v;
    if (Array.isArray(v)) return v.map((x) => this.relabel(x));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.relabel(k), this.relabel(x)]));
    return v;
  }

  /** Waits until everything `fromWorkers` broadcast on `nsp` before this call reached `peers`. */
  async flush(peers: Peer[], fromWorkers: number[] = [0, 1, 2], nsp = "/"): Promise<void> {
    const tokens = fromWorkers.map((w) => `${w}:${++this.flushCounter}`);
    await Promise.all(fromWorkers.map((w, i) => this.call(w, { nsp }, ["emit", FLUSH_EVENT, tokens[i]])));
    await Promise.all(
      peers.map((peer) => until(() => tokens.every((t) => peer.flushed.has(t)), `${peer.label} to receive flush markers ${tokens.join(",")}`)),
    );
  }

  /**
   * Disconnects every peer and waits until no worker holds a socket, so the next scenario
   * starts from empty rooms on a cluster that keeps running.
   */
  async resetPeers(): Promise<void> {
    for (const p of this.peers.splice(0)) p.client.disconnect();
    for (let w = 0; w < this.ports.length; w++) {
      for (const nsp of NSPS) {
        await until(async () => (await this.call(w, { nsp }, ["sockets"], ["size"])) === 0, `worker ${WORKER_NAMES[w]} ${nsp} to drop its sockets`);
      }
      await this.call(w, "io", ["$heard"]);
    }
  }

  /** Stops every worker and the primary; resolves once the primary exited. */
  async close(): Promise<void> {
    for (const p of this.peers.splice(0)) p.client.disconnect();
    if (this.primary.exitCode === null && this.primary.signalCode === null) {
      const exited = new Promise<void>((r) => this.primary.once("exit", () => r()));
      const guard = setTimeout(() => this.primary.kill("SIGKILL"), GUARD_MS);
      this.exitError ??= new Error("cluster closed");
      try {
        this.primary.send({ rpc: "shutdown" });
      } catch {
        // its IPC channel is already gone: the guard above kills it
      }
      await exited;
      clearTimeout(guard);
    }
    // polling clients leave keep-alive sockets in node's global agent
    globalAgent.destroy();
  }
}
