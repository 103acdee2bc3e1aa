// A server under test, seen from the driver: started in its own process, commanded over IPC,
// measured through /proc.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import type { ControlCommand, ControlReply, ListeningNotice, ServerMem } from "../protocol/control";
import { forkTs, stderrTail, stopChild } from "./child";
import { buildEnv } from "./hyperio-build";

export const SERVER_KINDS = ["hyperio", "hyperio-twin", "hyperio-base", "hyperio-node", "hyperio-t1", "hyperio-t2", "hyperio-t4", "upstream-ws", "upstream-uws", "bare-uws"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Server kinds that run hyperio's own code (they need src/index.ts). */
export const HYPERIO_KINDS: ReadonlySet<ServerKind> = new Set(["hyperio", "hyperio-twin", "hyperio-base", "hyperio-node", "hyperio-t1", "hyperio-t2", "hyperio-t4"]);

/**
 * Environment: a tsc build (its outDir) of another hyperio commit, run by the
 * `hyperio-base` server next to `hyperio` in the same run, to measure a change against the
 * code before it (e.g. `git archive <commit> | tar -x -C dir && tsc -p dir/tsconfig.build.json --outDir dir/dist`).
 */
export const HYPERIO_BASE_BUILD_ENV = "LOADTEST_HYPERIO_BASE_BUILD";

/**
 * How each kind is started: its entry file and the environment it gets. `hyperio-twin` is
 * `hyperio` with HYPERIO_NO_NATIVE=1 (src/native's TypeScript twins instead of the addon);
 * `hyperio` itself never inherits that switch from the driver, so the names mean what they say.
 * The twin also drops HYPERIO_REQUIRE_NATIVE (CI sets it for the suite), which would
 * otherwise override the switch and load the addon.
 */
function launchOf(kind: ServerKind): { file: string; env: Record<string, string | undefined> } {
  const file = (name: string) => join(__dirname, "..", "servers", `${name}.ts`);
  switch (kind) {
    case "hyperio":
      return { file: file("hyperio"), env: { HYPERIO_NO_NATIVE: undefined, LOADTEST_SERVER_KIND: kind } };
    case "hyperio-twin":
      return { file: file("hyperio"), env: { HYPERIO_NO_NATIVE: "1", HYPERIO_REQUIRE_NATIVE: undefined, LOADTEST_SERVER_KIND: kind } };
    case "hyperio-base":
      return { file: file("hyperio"), env: { HYPERIO_NO_NATIVE: undefined, LOADTEST_SERVER_KIND: kind } };
    // `hyperio` with N I/O threads (ioThreads, through its environment default).
    case "hyperio-t1":
    case "hyperio-t2":
    case "hyperio-t4":
      return { file: file("hyperio"), env: { HYPERIO_NO_NATIVE: undefined, HYPERIO_IO_THREADS: kind.slice(9), LOADTEST_SERVER_KIND: kind } };
    default:
      return { file: file(kind), env: {} };
  }
}

/** Profiling of a server process: V8's --cpu-prof into `dir` (written when the process exits). */
export interface ProfileOptions {
  dir: string;
  /** Sampling interval, µs (V8's default is 1000). */
  intervalUs?: number;
  /** Also run with --perf-basic-prof (JIT symbols for Linux perf, /tmp/perf-<pid>.map). */
  perfMap?: boolean;
}

export function isServerKind(s: string): s is ServerKind {
  return (SERVER_KINDS as readonly string[]).includes(s);
}

type Pending = { resolve: (r: ControlReply) => void; reject: (e: Error) => void };

export class ServerProc {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private constructor(
    readonly kind: ServerKind,
    readonly child: ChildProcess,
    readonly notice: ListeningNotice,
    readonly stderr: () => string,
  ) {
    child.on("message", (m: unknown) => {
      const r = m as ControlReply;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      p.resolve(r);
    });
    child.once("exit", (code, sig) => {
      for (const p of this.pending.values()) p.reject(new Error(`${kind} exited (${code ?? sig}): ${this.stderr()}`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.notice.pid;
  }
  get port(): number {
    return this.notice.port;
  }

  /**
   * @param hyperioBuild a tsc build of src/ (lib/hyperio-build.ts) for hyperio kinds to run
   *   instead of src/ through tsx.
   * @param port a fixed port (LOADTEST_PORT) for servers started for external tools such as
   *   k6; the harness leaves it unset (port 0).
   */
  static async start(kind: ServerKind, timeoutMs = 30000, profile?: ProfileOptions, hyperioBuild?: string, port?: number): Promise<ServerProc> {
    // --expose-gc lets the idle-memory scenario settle the heap identically on every server.
    const execArgv = ["--expose-gc"];
    const { file, env } = launchOf(kind);
    if (port !== undefined) env.LOADTEST_PORT = String(port);
    if (hyperioBuild && HYPERIO_KINDS.has(kind)) Object.assign(env, buildEnv(hyperioBuild));
    if (kind === "hyperio-base") {
      const base = process.env[HYPERIO_BASE_BUILD_ENV];
      if (!base) throw new Error(`hyperio-base: set ${HYPERIO_BASE_BUILD_ENV} to a build of the hyperio to compare with`);
      Object.assign(env, buildEnv(base));
    }
    if (profile) {
      mkdirSync(profile.dir, { recursive: true });
      execArgv.push("--cpu-prof", `--cpu-prof-dir=${profile.dir}`);
      if (profile.intervalUs) execArgv.push(`--cpu-prof-interval=${profile.intervalUs}`);
      if (profile.perfMap) execArgv.push("--perf-basic-prof");
      // The server writes its source maps next to the profile at exit (control-loop.ts), so
      // the summary can name TypeScript file:line (tsx runs whitespace-minified code).
      env.LOADTEST_PROFILE_DIR = profile.dir;
    }
    const child = forkTs(file, { execArgv, env, quiet: true });
    const stderr = stderrTail(child);
    const notice = await new Promise<ListeningNotice>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind}: not listening after ${timeoutMs} ms: ${stderr()}`)), timeoutMs);
      child.on("message", (m: unknown) => {
        if ((m as ListeningNotice).type === "listening") {
          clearTimeout(timer);
          resolve(m as ListeningNotice);
        }
      });
      child.once("exit", (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`${kind} exited before listening (${code ?? sig}): ${stderr().trim()}`));
      });
    });
    if (kind === "hyperio-twin" && notice.native?.native !== false) {
      await stopChild(child, { cmd: "exit" });
      throw new Error(`hyperio-twin: src/native did not run on the TS twin (${notice.native?.reason ?? "no nativeInfo in the listening notice"})`);
    }
    if (notice.uwsNative === false) {
      await stopChild(child, { cmd: "exit" });
      throw new Error(`${kind} runs on the uWS JS shim: refusing to benchmark it`);
    }
    return new ServerProc(kind, child, notice, stderr);
  }

  command(c: DistributiveOmit<ControlCommand, "id">): Promise<ControlReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...c, id });
    });
  }

  async mem(): Promise<ServerMem> {
    const r = await this.command({ cmd: "mem" });
    if (!r.ok || !r.mem) throw new Error(`${this.kind}: mem failed`);
    return r.mem;
  }

  /** Asks the server to exit. A profiled server writes its profile on the way out: give it time. */
  async stop(graceMs = 3000): Promise<void> {
    await stopChild(this.child, { cmd: "exit" }, graceMs);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
