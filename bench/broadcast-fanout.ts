// Broadcast fanout: server CPU per delivered message for each broadcast shape, with the uWS
// topic adapter (UwsAdapter: one engine.publish, per-socket work in C++) against the
// in-memory adapter (Adapter: one engine write per recipient), both on the uWS backend.
//
//   npx tsx bench/broadcast-fanout.ts                 # 500 clients, 200 broadcasts per shape
//   npx tsx bench/broadcast-fanout.ts --quick         # 100 clients, 20 broadcasts (smoke run)
//   npx tsx bench/broadcast-fanout.ts --clients 1000 --broadcasts 100 --payload 1024
//
// The clients are raw Engine.IO v4 / Socket.IO v5 WebSocket peers (on `ws`) in a child
// process, so the server's figure is its own CPU (process.cpuUsage around the broadcasts,
// until the child has counted every delivery). The child's CPU per delivery is printed too:
// on a shared machine it says how much of the wall time the client side took.
import { fork, type ChildProcess } from "node:child_process";
import { Adapter, Server, UwsAdapter, loadUws } from "../src/index";

const CHILD_FLAG = "--fanout-clients";

if (process.argv[2] === CHILD_FLAG) {
  runClients(Number(process.argv[3]), Number(process.argv[4]));
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

// ---- options ---------------------------------------------------------------------------

interface Options {
  clients: number;
  broadcasts: number;
  payload: number;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const opts: Options = quick ? { clients: 100, broadcasts: 20, payload: 100 } : { clients: 500, broadcasts: 200, payload: 100 };
  for (const name of ["clients", "broadcasts", "payload"] as const) {
    const i = argv.indexOf("--" + name);
    if (i === -1) continue;
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer, got ${argv[i + 1]}`);
    opts[name] = value;
  }
  if (opts.clients < 10) throw new Error("--clients: at least 10 (the shapes need distinct rooms)");
  return opts;
}

// ---- client process ----------------------------------------------------------------------

function runClients(port: number, count: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const WebSocket = require("ws") as typeof import("ws");
  let received = 0;
  let target = Infinity;
  let opened = 0;
  let cpuAtStart = process.cpuUsage();
  const sockets: import("ws")[] = [];
  const report = () => process.send!({ done: received, cpu: process.cpuUsage(cpuAtStart) });
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    sockets.push(ws);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const text = data.toString();
      if (text[0] === "0") ws.send("40");
      else if (text.startsWith("40")) {
        if (++opened === count) process.send!({ ready: true });
      } else if (text === "2") ws.send("3");
      else if (text.startsWith("42") && ++received === target) report();
    });
    ws.on("error", (err) => console.error("client error:", err.message));
  }
  process.on("message", (msg: { expect?: number; exit?: boolean }) => {
    if (msg.exit) {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
    if (msg.expect !== undefined) {
      received = 0;
      target = msg.expect;
      cpuAtStart = process.cpuUsage();
      if (target === 0) report();
    }
  });
}

// ---- server process ----------------------------------------------------------------------

interface Shape {
  name: string;
  /** One broadcast. */
  emit(io: Server, sockets: any[], payload: string): void;
  /** Deliveries per broadcast. */
  recipients(clients: number): number;
  /** Only meaningful with the uWS adapter. */
  uwsOnly?: boolean;
}

/**
 * Rooms: all; half (every other socket); excluded (the first 4 sockets); tenth, quarter and
 * most (the first 10%, 25% and 80%).
 */
const SHAPES: Shape[] = [
  { name: "io.emit", emit: (io, _s, p) => io.emit("m", p), recipients: (n) => n },
  { name: "io.to(half)", emit: (io, _s, p) => io.to("half").emit("m", p), recipients: (n) => Math.ceil(n / 2) },
  { name: "io.to([half, all])", emit: (io, _s, p) => io.to(["half", "all"]).emit("m", p), recipients: (n) => n },
  { name: "io.except(4 sockets)", emit: (io, _s, p) => io.except("excluded").emit("m", p), recipients: (n) => n - 4 },
  { name: "socket.broadcast", emit: (_io, s, p) => s[0].broadcast.emit("m", p), recipients: (n) => n - 1 },
  { name: "io.except(10%)", emit: (io, _s, p) => io.except("tenth").emit("m", p), recipients: (n) => n - Math.ceil(n / 10) },
  { name: "io.except(25%)", emit: (io, _s, p) => io.except("quarter").emit("m", p), recipients: (n) => n - Math.ceil(n / 4) },
  { name: "io.except(half)", emit: (io, _s, p) => io.except("half").emit("m", p), recipients: (n) => Math.floor(n / 2) },
  { name: "io.to(all).except(80%)", emit: (io, _s, p) => io.to("all").except("most").emit("m", p), recipients: (n) => n - Math.ceil((n * 4) / 5) },
  {
    // The alternative the UwsAdapter rejected for `except`: a temporary topic per broadcast
    // (subscribe every recipient, publish once, unsubscribe them all).
    name: "except via temp topic",
    uwsOnly: true,
    emit: (io, s, p) => {
      const frame = "4" + (io.encoder.encode({ type: 2, nsp: "/", data: ["m", p] })[0] as string);
      for (let i = 4; i < s.length; i++) s[i].conn.subscribe("tmp");
      (io.engine as any).publish("tmp", frame, false);
      for (let i = 4; i < s.length; i++) s[i].conn.unsubscribe("tmp");
    },
    recipients: (n) => n - 4,
  },
];

interface Measure {
  serverNs: number;
  clientNs: number;
}

type AdapterKind = "uws" | "memory";

async function measureAdapter(kind: AdapterKind, opts: Options): Promise<Map<string, Measure | "timeout">> {
  const { uws } = loadUws();
  const app = uws.App();
  const io = new Server({
    adapter: (kind === "uws" ? UwsAdapter : Adapter) as any,
    serveClient: false,
    pingInterval: 60_000,
    pingTimeout: 60_000,
  });
  io.attachApp(app);
  let listenSocket: any;
  app.listen("127.0.0.1", 0, (s) => {
    listenSocket = s;
  });
  if (!listenSocket) throw new Error("cannot listen on 127.0.0.1");
  const port = uws.us_socket_local_port(listenSocket);
  const sockets: any[] = [];
  io.on("connection", (s) => sockets.push(s));
  const child: ChildProcess = fork(__filename, [CHILD_FLAG, String(port), String(opts.clients)], { execArgv: ["--import", "tsx"] });
  const results = new Map<string, Measure | "timeout">();
  try {
    await new Promise<void>((resolve) => child.once("message", () => resolve()));
    sockets.forEach((s, i) => {
      s.join("all");
      if (i % 2 === 0) s.join("half");
      if (i < 4) s.join("excluded");
      if (i < (opts.clients * 4) / 5) s.join("most");
      if (i < opts.clients / 10) s.join("tenth");
      if (i < opts.clients / 4) s.join("quarter");
    });
    const payload = "x".repeat(opts.payload);
    for (const shape of SHAPES) {
      if (shape.uwsOnly && kind !== "uws") continue;
      const expect = shape.recipients(opts.clients) * opts.broadcasts;
      const done = new Promise<{ cpu: NodeJS.CpuUsage } | "timeout">((resolve) => {
        const timer = setTimeout(() => resolve("timeout"), 60_000);
        child.once("message", (msg: any) => {
          clearTimeout(timer);
          resolve(msg);
        });
      });
      child.send({ expect });
      await new Promise((r) => setTimeout(r, 50)); // let the child take its CPU baseline
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < opts.broadcasts; i++) shape.emit(io, sockets, payload);
      const answer = await done;
      if (answer === "timeout") {
        results.set(shape.name, "timeout");
        break; // the child's count is off now: later shapes would not be measured right
      }
      const cpu = process.cpuUsage(cpu0);
      results.set(shape.name, {
        serverNs: ((cpu.user + cpu.system) * 1000) / expect,
        clientNs: ((answer.cpu.user + answer.cpu.system) * 1000) / expect,
      });
    }
  } finally {
    child.send({ exit: true });
    await new Promise((r) => child.once("exit", r));
    await io.close();
    uws.us_listen_socket_close(listenSocket);
  }
  return results;
}

function cell(m: Measure | "timeout" | undefined, field: keyof Measure): string {
  if (m === undefined) return "-";
  if (m === "timeout") return "timeout";
  return m[field].toFixed(0);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const uwsResults = await measureAdapter("uws", opts);
  const memoryResults = await measureAdapter("memory", opts);
  const header = ["broadcast shape", "deliveries", "server ns (uWS)", "server ns (memory)", "memory / uWS", "client ns (uWS)", "client ns (memory)"];
  const rows: string[][] = [header];
  for (const shape of SHAPES) {
    const u = uwsResults.get(shape.name);
    const m = memoryResults.get(shape.name);
    const ratio = u && m && u !== "timeout" && m !== "timeout" ? (m.serverNs / u.serverNs).toFixed(1) + "x" : "-";
    rows.push([
      shape.name,
      String(shape.recipients(opts.clients) * opts.broadcasts),
      cell(u, "serverNs"),
      cell(m, "serverNs"),
      ratio,
      cell(u, "clientNs"),
      cell(m, "clientNs"),
    ]);
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(
    `broadcast fanout: ${opts.clients} WebSocket clients (another process), ${opts.broadcasts} broadcasts of ${opts.payload} B per shape, ` +
      `uWS backend, node ${process.version}`,
  );
  console.log("CPU time per delivered message, in ns (lower is better)\n");
  for (const [i, r] of rows.entries()) {
    console.log(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
  process.exit(0);
}
