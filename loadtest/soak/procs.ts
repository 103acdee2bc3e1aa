// The soak's processes seen from the driver: server nodes, fault proxies and client shards,
// each forked under tsx (lib/child.ts ties them to the driver's life) and spoken to over IPC.
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { forkTs, stderrTail, stopChild } from "../lib/child";
import { buildEnv } from "../lib/hyperio-build";
import type { FromProxy, FromWorker, ProxyStats, ToProxy, ToWorker } from "./messages";
import type { FromServer, ServerConfig, ToServer } from "./server";
import type { MemoryBreakdown } from "./memory";
import type { ServerSample } from "./server-app";

export interface ServerRunOptions {
  nodeFlags?: string[];
  env?: Record<string, string>;
}

function waitFor<T>(child: ChildProcess, pick: (m: unknown) => T | undefined, what: string, stderr: () => string, ms = 60000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms: ${stderr()}`)), ms);
    const onMsg = (m: unknown) => {
      const v = pick(m);
      if (v === undefined) return;
      clearTimeout(timer);
      child.off("message", onMsg);
      child.off("exit", onExit);
      resolve(v);
    };
    const onExit = (code: number | null, sig: string | null) => {
      clearTimeout(timer);
      reject(new Error(`${what}: exited (${code ?? sig}): ${stderr().trim()}`));
    };
    child.on("message", onMsg);
    child.once("exit", onExit);
  });
}

export class ServerNode {
  private nextId = 1;
  logs: string[] = [];
  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly port: number,
    readonly stderr: () => string,
  ) {
    child.on("message", (m: unknown) => {
      const f = m as FromServer;
      if (f.type === "log" && this.logs.length < 400) this.logs.push(f.text);
    });
  }

  /**
   * `run`: extra node flags and environment for the server process (diagnostics: V8's
   * --max-semi-space-size, glibc's MALLOC_ARENA_MAX, ...), the same for every server.
   */
  static async start(cfg: ServerConfig, hyperioBuild?: string, run: ServerRunOptions = {}): Promise<ServerNode> {
    const env: Record<string, string | undefined> = { ...run.env, SOAK_SERVER: JSON.stringify(cfg), HYPERIO_NO_NATIVE: undefined };
    if (cfg.impl === "hyperio" && hyperioBuild) Object.assign(env, buildEnv(hyperioBuild));
    const child = forkTs(join(__dirname, "server.ts"), { execArgv: ["--expose-gc", ...(run.nodeFlags ?? [])], env, quiet: true });
    const stderr = stderrTail(child);
    const l = await waitFor(child, (m) => ((m as FromServer).type === "listening" ? (m as { port: number; pid: number }) : undefined), `${cfg.impl} server`, stderr);
    return new ServerNode(child, l.pid, l.port, stderr);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  send(c: ToServer): void {
    if (this.alive && this.child.connected) this.child.send(c);
  }

  private ask<T>(c: { cmd: "stop" | "sample" | "gc" | "memory" } | { cmd: "heapSnapshot"; file: string }, ms = 30000): Promise<T> {
    const id = this.nextId++;
    const p = waitFor(this.child, (m) => ((m as FromServer).type === "reply" && (m as { id: number }).id === id ? ((m as { data: T }).data ?? (true as T)) : undefined), `server ${c.cmd}`, this.stderr, ms);
    this.child.send({ ...c, id });
    return p;
  }

  /** The node's sample, with how long the answer took (sampleMs): a loop that is behind answers late. */
  async sample(): Promise<ServerSample> {
    const t = performance.now();
    const s = await this.ask<ServerSample>({ cmd: "sample" });
    s.sampleMs = performance.now() - t;
    return s;
  }
  stopTraffic(): Promise<Record<string, Record<string, number>>> {
    return this.ask({ cmd: "stop" });
  }
  async gc(): Promise<void> {
    await this.ask({ cmd: "gc" });
  }
  memory(): Promise<MemoryBreakdown> {
    return this.ask({ cmd: "memory" });
  }
  heapSnapshot(file: string): Promise<string> {
    return this.ask({ cmd: "heapSnapshot", file }, 120000);
  }
  kill(): void {
    this.child.kill("SIGKILL");
  }
  async exit(): Promise<void> {
    await stopChild(this.child, { cmd: "exit" });
  }
}

export class ProxyProc {
  private nextId = 1;
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly stderr: () => string,
  ) {}

  static async start(): Promise<ProxyProc> {
    const child = forkTs(join(__dirname, "fault-proxy.ts"), { env: { SOAK_PROXY: "1" }, quiet: true });
    const stderr = stderrTail(child);
    const l = await waitFor(child, (m) => ((m as FromProxy).type === "listening" ? (m as { port: number }) : undefined), "fault proxy", stderr);
    return new ProxyProc(child, l.port, stderr);
  }

  send(m: ToProxy): void {
    if (this.child.connected) this.child.send(m);
  }

  stats(): Promise<ProxyStats> {
    const id = this.nextId++;
    const p = waitFor(this.child, (m) => ((m as FromProxy).type === "stats" && (m as { id: number }).id === id ? (m as ProxyStats) : undefined), "proxy stats", this.stderr);
    this.send({ type: "stats", id });
    return p;
  }

  async exit(): Promise<void> {
    await stopChild(this.child, { type: "exit" });
  }
}

export class WorkerProc {
  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly stderr: () => string,
  ) {}

  static async start(onMessage: (m: FromWorker) => void): Promise<WorkerProc> {
    const child = forkTs(join(__dirname, "client-worker.ts"), { quiet: true });
    const stderr = stderrTail(child);
    child.on("message", (m: unknown) => onMessage(m as FromWorker));
    const a = await waitFor(child, (m) => ((m as FromWorker).type === "alive" ? (m as { pid: number }) : undefined), "client shard", stderr);
    return new WorkerProc(child, a.pid, stderr);
  }

  send(m: ToWorker): void {
    if (this.child.connected) this.child.send(m);
  }

  final(ms = 60000): Promise<Extract<FromWorker, { type: "final" }>> {
    return waitFor(this.child, (m) => ((m as FromWorker).type === "final" ? (m as Extract<FromWorker, { type: "final" }>) : undefined), "client shard final", this.stderr, ms);
  }

  async exit(): Promise<void> {
    await stopChild(this.child, { type: "stop" }, 5000);
  }
}
