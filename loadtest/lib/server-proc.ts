// A server under test, seen from the driver: started in its own process, commanded over IPC,
// measured through /proc.
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import type { ControlCommand, ControlReply, ListeningNotice, ServerMem } from "../protocol/control";
import { forkTs, stderrTail, stopChild } from "./child";

export const SERVER_KINDS = ["hyperio", "hyperio-node", "upstream-ws", "upstream-uws", "bare-uws"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

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

  static async start(kind: ServerKind, timeoutMs = 30000): Promise<ServerProc> {
    // --expose-gc lets the idle-memory scenario settle the heap identically on every server.
    const child = forkTs(join(__dirname, "..", "servers", `${kind}.ts`), { execArgv: ["--expose-gc"], quiet: true });
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

  async stop(): Promise<void> {
    await stopChild(this.child, { cmd: "exit" });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
