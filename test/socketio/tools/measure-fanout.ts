// Measures the server CPU per delivered message of each broadcast path, UwsAdapter (topic
// publish) vs the in-memory Adapter (one engine write per recipient), on the uWS backend.
// Clients run in a child process (raw WebSocket Engine.IO/Socket.IO v4/v5 peers on `ws`),
// so the figure is the server's own CPU. Not a test: run it by hand.
//
//   node --import tsx test/socketio/tools/measure-fanout.ts [clients=500] [broadcasts=200]
import { fork } from "node:child_process";
import { Adapter, Server, UwsAdapter } from "../../../src/index";

const CHILD = process.argv[2] === "--clients";

if (CHILD) {
  // ---- client process ----------------------------------------------------------------
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const WebSocket = require("ws") as typeof import("ws");
  const [, , , portArg, countArg] = process.argv;
  const port = Number(portArg);
  const count = Number(countArg);
  let received = 0;
  let target = Infinity;
  let opened = 0;
  const sockets: import("ws")[] = [];
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
      else if (text.startsWith("42")) {
        if (++received === target) process.send!({ done: received, cpu: process.cpuUsage() });
      }
    });
  }
  process.on("message", (msg: { expect?: number; exit?: boolean }) => {
    if (msg.exit) {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
    if (msg.expect !== undefined) {
      received = 0;
      target = msg.expect;
    }
  });
} else {
  void main();
}

async function main() {
  const clients = Number(process.argv[2] ?? 500);
  const broadcasts = Number(process.argv[3] ?? 200);
  const payload = "x".repeat(100);
  const rows: string[] = [];
  for (const [label, adapter] of [
    ["UwsAdapter (publish)", UwsAdapter],
    ["Adapter (per-socket writes)", Adapter],
  ] as const) {
    const io = new Server({ adapter: adapter as any, serveClient: false, pingInterval: 60_000, pingTimeout: 60_000 });
    io.listen(0);
    const sockets: any[] = [];
    io.on("connection", (s) => sockets.push(s));
    const child = fork(__filename, ["--clients", String(io.port), String(clients)], { execArgv: ["--import", "tsx"] });
    await new Promise<void>((resolve) => child.once("message", () => resolve()));
    sockets.forEach((s, i) => {
      s.join("all");
      if (i % 2 === 0) s.join("half");
      if (i < 4) s.join("excluded");
      if (i < (clients * 4) / 5) s.join("most");
    });
    const scenarios: Array<[string, () => void, number]> = [
      ["io.emit", () => io.emit("m", payload), clients],
      ["io.to(half)", () => io.to("half").emit("m", payload), Math.ceil(clients / 2)],
      ["io.to([half, all])", () => io.to(["half", "all"]).emit("m", payload), clients],
      ["io.except(4 sockets)", () => io.except("excluded").emit("m", payload), clients - 4],
      ["socket.broadcast", () => sockets[0].broadcast.emit("m", payload), clients - 1],
      ["io.except(half)", () => io.except("half").emit("m", payload), Math.floor(clients / 2)],
      ["io.to(all).except(80%)", () => io.to("all").except("most").emit("m", payload), clients - Math.ceil((clients * 4) / 5)],
    ];
    if (adapter === UwsAdapter) {
      // The rejected alternative for except / several rooms: a temporary topic per broadcast
      // (subscribe every recipient, publish once, unsubscribe them all).
      const targets = sockets.slice(4);
      const frame = "4" + (io.encoder.encode({ type: 2, nsp: "/", data: ["m", payload] })[0] as string);
      scenarios.push([
        "except via temp topic",
        () => {
          for (const s of targets) s.conn.subscribe("tmp");
          (io.engine as any).publish("tmp", frame, false);
          for (const s of targets) s.conn.unsubscribe("tmp");
        },
        clients - 4,
      ]);
    }
    for (const [name, emit, perBroadcast] of scenarios) {
      const expect = perBroadcast * broadcasts;
      const done = new Promise<{ cpu: NodeJS.CpuUsage }>((resolve) => child.once("message", resolve as any));
      child.send({ expect });
      await new Promise((r) => setTimeout(r, 50));
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < broadcasts; i++) emit();
      await done;
      const cpu = process.cpuUsage(cpu0);
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      const serverNs = ((cpu.user + cpu.system) * 1000) / expect;
      rows.push(`${label.padEnd(28)} ${name.padEnd(22)} ${String(expect).padStart(8)} deliveries  server CPU ${serverNs.toFixed(0).padStart(5)} ns/delivery  wall ${wall.toFixed(0)} ms`);
    }
    child.send({ exit: true });
    await new Promise((r) => child.once("exit", r));
    await io.close();
  }
  console.log(`clients=${clients} broadcasts=${broadcasts} payload=100B (node ${process.version})`);
  for (const r of rows) console.log(r);
  process.exit(0);
}
