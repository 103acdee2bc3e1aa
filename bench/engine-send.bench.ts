// Server CPU per message delivered by the engine, per path:
//   ws-send     socket.send(small string) to each WebSocket session (what the in-memory
//               adapter does per recipient)
//   ws-publish  engine.publish(topic) once per round, uWS fans out in C++
//   polling     socket.send(small string) to each polling session, flushed on its pending GET
//
// N clients live in a child process (raw `ws` sockets / raw keep-alive HTTP long-polling,
// counting messages and nothing else); this process runs the engine, sends M rounds of one
// small message to every client, and reads its own CPU time (process.cpuUsage, user+sys)
// from the first send until every client has reported all M messages. Rounds are sent in
// bursts of BURST rounds with a setImmediate between bursts, so the kernel and the clients
// keep up and no session hits its buffer limit.
//
//   npx tsx bench/engine-send.bench.ts                       # all modes, N=100, M=2000
//   npx tsx bench/engine-send.bench.ts --mode=ws-send --n=200 --m=3000
//   npx tsx bench/engine-send.bench.ts --quick               # smoke run, a few seconds
//   npx tsx bench/engine-send.bench.ts --mode=polling --n=20 --m=300 --burst=1 --gap=5
//                                                            # ~1 message per polling response
//   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/engine-send.bench.ts --mode=ws-send
import { fork, ChildProcess } from "node:child_process";
import http from "node:http";
import { once } from "node:events";
import { WebSocket } from "ws";
import { Server, Socket } from "../src/engine";

type Mode = "ws-send" | "ws-publish" | "polling";
const MODES: Mode[] = ["ws-send", "ws-publish", "polling"];

function arg(name: string, fallback: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
}

const quick = process.argv.includes("--quick");
const N = arg("n", quick ? 20 : 100);
const M = arg("m", quick ? 200 : 2000);
const BURST = arg("burst", 20);
const REPEAT = arg("repeat", quick ? 1 : 3);
/** ms between bursts (0: setImmediate); with --burst=1 and a gap, each polling response carries ~1 message. */
const GAP_MS = arg("gap", 0);
const MESSAGE = "hello world, a small message";

// ---- child: the clients -----------------------------------------------------------------

interface ChildStart {
  mode: Mode;
  port: number;
  n: number;
  m: number;
}

function runChild(): void {
  process.on("message", (msg: ChildStart) => {
    let done = 0;
    const finished = (): void => {
      if (++done === msg.n) process.send!({ done: true, responses: polls.responses });
    };
    const opened = (): void => {
      if (--pendingOpen === 0) process.send!({ open: true });
    };
    let pendingOpen = msg.n;
    const url = `127.0.0.1:${msg.port}/engine.io/?EIO=4`;
    if (msg.mode === "polling") {
      const agent = new http.Agent({ keepAlive: true, maxSockets: msg.n * 2 });
      for (let i = 0; i < msg.n; i++) pollClient(agent, `http://${url}&transport=polling`, msg.m, opened, finished);
    } else {
      for (let i = 0; i < msg.n; i++) {
        const ws = new WebSocket(`ws://${url}&transport=websocket`);
        let count = 0;
        ws.on("message", (data: Buffer) => {
          if (data[0] === 0x30 /* open */) return opened();
          if (data[0] === 0x32 /* ping */) return ws.send("3");
          if (++count === msg.m) finished();
        });
      }
    }
  });
}

/** Polling responses that carried messages, over all clients. */
const polls = { responses: 0 };

function pollClient(agent: http.Agent, base: string, m: number, opened: () => void, finished: () => void): void {
  let sid = "";
  let count = 0;
  const get = (): void => {
    const req = http.get(sid ? `${base}&sid=${sid}` : base, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        const before = count;
        for (const rec of body.split("\x1e")) {
          if (rec[0] === "0") {
            sid = JSON.parse(rec.slice(1)).sid;
            opened();
          } else if (rec[0] === "2") {
            const post = http.request(`${base}&sid=${sid}`, { method: "POST", agent });
            post.end("3");
            post.on("response", (r) => r.resume());
          } else if (rec[0] === "4") count++;
        }
        if (count > before && before < m) polls.responses++;
        if (before < m && count >= m) finished();
        if (count < m || body.length > 0) get();
      });
    });
    req.on("error", () => {});
  };
  get();
}

// ---- parent: the server -----------------------------------------------------------------

async function measure(mode: Mode): Promise<{ usPerMsg: number; userShare: number; total: number; perResponse?: number }> {
  const engine = new Server({ pingInterval: 60000, pingTimeout: 60000, maxBufferedBytes: 64 * 1024 * 1024 });
  const port = await engine.listen(0, { host: "127.0.0.1" });
  const sockets: Socket[] = [];
  engine.on("connection", (s: Socket) => {
    sockets.push(s);
    if (mode === "ws-publish") s.subscribe("all");
  });
  const child: ChildProcess = fork(__filename, ["--child"], { execArgv: ["--import", "tsx"] });
  const from = (key: "open" | "done"): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const on = (msg: Record<string, unknown>): void => {
        if (msg[key]) {
          child.off("message", on);
          resolve(msg);
        }
      };
      child.on("message", on);
    });
  const opened = from("open");
  child.send({ mode, port, n: N, m: M } satisfies ChildStart);
  await opened;
  const done = from("done");
  const frame = "4" + MESSAGE;
  const start = process.cpuUsage();
  for (let round = 0; round < M; ) {
    const end = Math.min(M, round + BURST);
    for (; round < end; round++) {
      if (mode === "ws-publish") engine.publish("all", frame, false);
      else for (let i = 0; i < sockets.length; i++) sockets[i].send(MESSAGE);
    }
    await new Promise((r) => (GAP_MS > 0 ? setTimeout(r, GAP_MS) : setImmediate(r)));
  }
  const report = await done;
  const used = process.cpuUsage(start);
  child.kill();
  await once(child, "exit");
  engine.close();
  await new Promise((r) => setTimeout(r, 50));
  const total = N * M;
  const responses = typeof report.responses === "number" && report.responses > 0 ? report.responses : undefined;
  return {
    usPerMsg: (used.user + used.system) / total,
    userShare: used.user / (used.user + used.system),
    total,
    perResponse: responses && total / responses,
  };
}

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith("--mode="))?.slice("--mode=".length) as Mode | undefined;
  const modes = only ? [only] : MODES;
  console.log(
    `engine send cost: N=${N} clients, M=${M} messages each, burst ${BURST}, gap ${GAP_MS} ms, best of ${REPEAT}, node ${process.version}`,
  );
  for (const mode of modes) {
    const runs: number[] = [];
    const batching: string[] = [];
    const user: string[] = [];
    for (let r = 0; r < REPEAT; r++) {
      const res = await measure(mode);
      runs.push(res.usPerMsg);
      user.push(`${Math.round(res.userShare * 100)}%`);
      if (res.perResponse) batching.push(res.perResponse.toFixed(1));
    }
    const fmt = runs.map((x) => x.toFixed(3)).join(" ");
    const extra = batching.length ? `; messages per polling response: ${batching.join(" ")}` : "";
    console.log(
      `${mode.padEnd(11)} server CPU per delivered message: ${Math.min(...runs).toFixed(3)} µs ` +
        `(runs: ${fmt}; user share ${user.join(" ")}${extra})`,
    );
  }
}

if (process.argv.includes("--child")) runChild();
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
