// The servers the external load tools (k6, autocannon) compare: the main harness's own server
// processes (servers/*.ts), started the way the harness starts them, so every one runs the
// load-test convention's handlers from servers/sio-app.ts with the same options. hyperio runs
// from one tsc build of src/ per run by default (the code users run, as the harness does; see
// servers/hyperio-module.ts), or from src/ through tsx (no build step, for smoke runs).
import { rmSync } from "node:fs";
import { buildHyperio } from "../../lib/hyperio-build";
import { readCpu } from "../../lib/proc-stats";
import { HYPERIO_KINDS, isServerKind, ServerProc, type ServerKind } from "../../lib/server-proc";

/** What a tool may target: every Socket.IO server of the harness (bare-uws speaks too little). */
export type ToolServer = Exclude<ServerKind, "bare-uws">;
export type HyperioCode = "build" | "tsx";

/** "upstream" is upstream socket.io 4.8 on node:http (upstream-ws), the harness's reference. */
const ALIASES: Record<string, ToolServer> = { upstream: "upstream-ws" };

/** Parses "hyperio,upstream" into server kinds, naming the bad entry. */
export function parseServers(list: string): ToolServer[] {
  const kinds = list.split(",").map((s) => s.trim()).filter(Boolean).map((name) => {
    const kind: string = ALIASES[name] ?? name;
    if (kind === "bare-uws" || !isServerKind(kind)) {
      throw new Error(`unknown server "${name}": use hyperio, hyperio-twin, hyperio-node, upstream (= upstream-ws) or upstream-uws`);
    }
    return kind as ToolServer;
  });
  if (kinds.length === 0) throw new Error("no server given");
  return kinds;
}

export function parseHyperioCode(value: string): HyperioCode {
  if (value !== "build" && value !== "tsx") throw new Error(`--hyperio-code: build or tsx, got "${value}"`);
  return value;
}

/** A running server, with its CPU time read from /proc. */
export interface Target {
  kind: ToolServer;
  pid: number;
  port: number;
  url: string;
  /** CPU time of the server process so far, all threads, µs (schedstat; stat ticks as fallback). */
  cpuUs(): number;
  stop(): Promise<void>;
}

/** Starts servers for one run; hyperio kinds share one build, removed by dispose(). */
export class TargetLauncher {
  private buildDir: string | undefined;
  private built = false;

  constructor(private readonly code: HyperioCode) {}

  /** The hyperio build, made on first use (tsc takes tens of seconds). */
  private hyperioBuild(kind: ToolServer): string | undefined {
    if (this.code !== "build" || !HYPERIO_KINDS.has(kind)) return undefined;
    if (!this.built) {
      this.built = true;
      const build = buildHyperio();
      this.buildDir = build.dir;
      process.stderr.write(`hyperio: tsc build of src/ in ${build.ms} ms${build.diagnostics ? " (with type errors)" : ""}\n`);
    }
    return this.buildDir;
  }

  async start(kind: ToolServer, port?: number): Promise<Target> {
    const server = await ServerProc.start(kind, 60_000, undefined, this.hyperioBuild(kind), port);
    return {
      kind,
      pid: server.pid,
      port: server.port,
      url: `http://127.0.0.1:${server.port}`,
      cpuUs: () => {
        const cpu = readCpu(server.pid);
        return Number.isFinite(cpu.runUs) ? cpu.runUs : cpu.userUs + cpu.systemUs;
      },
      stop: () => server.stop(),
    };
  }

  dispose(): void {
    if (this.buildDir) rmSync(this.buildDir, { recursive: true, force: true });
    this.buildDir = undefined;
  }
}
