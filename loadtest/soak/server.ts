// A soak server process: hyperio or upstream socket.io, alone or as one node of a cluster on
// an official Redis adapter, running the soak app (server-app.ts) and answering the driver
// over IPC. Configuration comes in SOAK_SERVER (JSON, see ServerConfig).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SoakApp, type TrafficOptions } from "./server-app";

export interface ServerConfig {
  impl: "hyperio" | "upstream";
  recovery: boolean;
  /** Recovery window, ms. */
  recoveryWindowMs: number;
  traffic: TrafficOptions;
  /** Cluster node on a Redis adapter. */
  adapter?: { kind: "pubsub" | "streams"; url: string; name: string };
  port?: number;
}

export type ToServer =
  | { cmd: "start" }
  | { cmd: "stop"; id: number }
  | { cmd: "sample"; id: number }
  | { cmd: "kick" }
  | { cmd: "gc"; id: number }
  | { cmd: "exit" };

export type FromServer =
  | { type: "listening"; port: number; pid: number }
  | { type: "reply"; id: number; data?: unknown }
  | { type: "log"; text: string };

const send = (m: FromServer) => process.send?.(m);

async function createIo(cfg: ServerConfig): Promise<{ io: any; port: number }> {
  const opts: Record<string, unknown> = { pingInterval: 25000, pingTimeout: 20000, serveClient: false, cleanupEmptyChildNamespaces: true };
  if (cfg.recovery) opts.connectionStateRecovery = { maxDisconnectionDuration: cfg.recoveryWindowMs, skipMiddlewares: true };
  if (cfg.adapter) opts.adapter = await redisAdapter(cfg.adapter);
  if (cfg.impl === "hyperio") {
    const { loadHyperioServer } = await import("../servers/hyperio-module");
    const Server = loadHyperioServer();
    const io: any = new Server(opts);
    await Promise.resolve(io.listen(cfg.port ?? 0));
    return { io, port: io.port };
  }
  const { Server } = await import("socket.io");
  const http = createServer();
  const io: any = new Server(http, opts);
  await new Promise<void>((r) => http.listen(cfg.port ?? 0, "127.0.0.1", r));
  return { io, port: (http.address() as AddressInfo).port };
}

/** The official adapters over node-redis clients that reconnect on their own (their default). */
async function redisAdapter(a: NonNullable<ServerConfig["adapter"]>): Promise<unknown> {
  const { createClient } = await import("redis");
  const client = (name: string) => {
    const c = createClient({ url: a.url, name, socket: { reconnectStrategy: (n: number) => Math.min(50 * 2 ** n, 1000) } });
    let last = "";
    c.on("error", (err: Error) => {
      if (err.message !== last) send({ type: "log", text: `redis ${name}: ${err.message}` });
      last = err.message;
    });
    return c;
  };
  if (a.kind === "pubsub") {
    const { createAdapter } = await import("@socket.io/redis-adapter");
    const pub = client(`${a.name}-pub`);
    const sub = pub.duplicate();
    sub.on("error", () => undefined);
    await Promise.all([pub.connect(), sub.connect()]);
    return createAdapter(pub, sub, { key: "soak" });
  }
  const { createAdapter } = await import("@socket.io/redis-streams-adapter");
  const c = client(a.name);
  await c.connect();
  return createAdapter(c, { streamName: "soak" });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.SOAK_SERVER ?? "{}") as ServerConfig;
  const { io, port } = await createIo(cfg);
  const app = new SoakApp(io, cfg.traffic);
  process.on("message", (raw: unknown) => {
    const c = raw as ToServer;
    switch (c.cmd) {
      case "start":
        app.start();
        break;
      case "stop":
        app.stop();
        send({ type: "reply", id: c.id, data: app.ends() });
        break;
      case "sample":
        send({ type: "reply", id: c.id, data: app.sample() });
        break;
      case "kick":
        app.kick();
        break;
      case "gc":
        (globalThis as { gc?: () => void }).gc?.();
        send({ type: "reply", id: c.id });
        break;
      case "exit":
        process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "listening", port, pid: process.pid });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
