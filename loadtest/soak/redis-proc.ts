// A redis-server for the cluster soak that can be restarted on the same port (the adapters'
// clients reconnect to the address they know). No persistence: a restart loses everything,
// which is what a crashed cache node does.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../lib/ports";

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.setTimeout(500, () => s.destroy());
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      s.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    s.on("error", () => resolve(false));
    s.on("close", () => resolve(false));
  });
}

export class RedisProc {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "hyperio-soak-redis-"));
  private constructor(readonly port: number) {}

  static async start(): Promise<RedisProc> {
    const r = new RedisProc(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir], {
      stdio: "ignore",
    });
    this.child = child;
    process.once("exit", () => child.kill("SIGKILL"));
    const deadline = Date.now() + 10000;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills it (SIGKILL: no goodbye to the clients), as a crash would. */
  async down(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
