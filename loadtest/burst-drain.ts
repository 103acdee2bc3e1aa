// Burst and drain (issue 10, "Measure it" 1 and 2): what the server itself can do with I/O
// threads, apart from what the load client lets through on this 2-core machine.
//
//   burst: N WebSocket clients join one room and stop reading; the server writes B broadcasts
//     of ~100 B in one loop (they fit in the socket buffers) and reports the wall time until
//     it has handed them all to the kernel, and the CPU of all its threads meanwhile. Then
//     the clients read again and check that every broadcast arrived once, in order.
//   rate (--rate r): the clients keep reading while the server broadcasts r per second for
//     --seconds; server CPU per delivery (all threads) and the main thread's share of it.
//
// Each case runs --repeat times per server, servers interleaved (a,b,c,a,b,c,...), and the
// median is reported. Servers: hyperio (ioThreads 0), hyperio-t1, hyperio-t2, hyperio-t4,
// upstream-ws, upstream-uws, bare-uws. hyperio runs from a tsc build (loadtest/lib/hyperio-build.ts).
//
//   flock /tmp/hyperio-bench.lock npx tsx loadtest/burst-drain.ts --clients 10000 --burst 20 --repeat 5
//   flock /tmp/hyperio-bench.lock npx tsx loadtest/burst-drain.ts --clients 1000 --rate 200 --seconds 5
import { fork, type ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { WsLite } from "./client/ws-lite";
import { buildEnv, buildHyperio } from "./lib/hyperio-build";

const PAYLOAD = JSON.stringify("x".repeat(80)); // a ~100 B frame: 42["m",<seq>,"xxx..."]

// ---- client process -----------------------------------------------------------------------

interface ClientStats {
  ready: number;
  received: number;
  lost: number;
  outOfOrder: number;
  closed: number;
}

function runClient(): void {
  const conns: Array<{ ws: WsLite; next: number }> = [];
  const stats: ClientStats = { ready: 0, received: 0, lost: 0, outOfOrder: 0, closed: 0 };
  let expectFrom = 0;
  const onBroadcast = (c: { next: number }, text: string): void => {
    // 42["m",<seq>,...]
    const seq = Number(text.slice(7, text.indexOf(",", 7)));
    stats.received++;
    if (seq !== c.next) {
      if (seq < c.next) stats.outOfOrder++;
      else stats.lost += seq - c.next;
    }
    c.next = seq + 1;
  };
  process.on("message", (m: any) => {
    if (m.cmd === "connect") {
      const { port, count, bare } = m;
      let started = 0;
      // A connection that closes before it is ready is counted and replaced: without that one
      // failed connect stalled the chain and the run waited forever (issue 10, the t2 "hang").
      const failures = new Map<string, number>();
      let failed = 0;
      const t0 = Date.now();
      const progress = setInterval(() => {
        process.stderr.write(`burst-drain client: ${stats.ready}/${count} ready after ${((Date.now() - t0) / 1000).toFixed(0)} s, ${failed} failed connects ${JSON.stringify([...failures])}\n`);
      }, 10_000);
      const open = (): void => {
        if (started >= count) return;
        started++;
        const c = { ws: undefined as unknown as WsLite, next: expectFrom, ready: false };
        c.ws = new WsLite(
          { host: "127.0.0.1", port, path: bare ? "/" : "/socket.io/?EIO=4&transport=websocket" },
          {
            onOpen: () => {},
            onMessage: (data) => {
              const text = data.toString();
              if (text.startsWith("42")) return onBroadcast(c, text);
              if (text[0] === "0") return c.ws.sendText("40");
              if (text.startsWith("40")) {
                c.ready = true;
                stats.ready++;
                open();
                if (stats.ready === count) {
                  clearInterval(progress);
                  process.send!({ cmd: "ready", stats, failed, failures: [...failures] });
                }
                return;
              }
              if (text === "2") c.ws.sendText("3");
            },
            onClose: (reason) => {
              if (c.ready) return void stats.closed++;
              failed++;
              failures.set(reason, (failures.get(reason) ?? 0) + 1);
              conns.splice(conns.indexOf(c), 1);
              started--;
              // Retry a few times the count; past that the server refuses: stop and say so.
              if (failed <= Math.max(100, count / 10)) setTimeout(open, 10);
              else {
                clearInterval(progress);
                process.send!({ cmd: "ready", stats, failed, failures: [...failures], error: "too many failed connects" });
              }
            },
          },
        );
        conns.push(c);
      };
      for (let i = 0; i < Math.min(200, count); i++) open();
    } else if (m.cmd === "pause" || m.cmd === "resume") {
      for (const c of conns) {
        const socket = (c.ws as unknown as { socket: import("node:net").Socket }).socket;
        if (m.cmd === "pause") socket.pause();
        else socket.resume();
      }
      process.send!({ cmd: m.cmd });
    } else if (m.cmd === "expect") {
      expectFrom = m.from;
      for (const c of conns) c.next = m.from;
      process.send!({ cmd: "expect" });
    } else if (m.cmd === "wait") {
      // until every connection has `m.total` broadcasts since the last expect (or a timeout)
      const t0 = Date.now();
      const want = m.total * conns.length;
      const tick = (): void => {
        if (stats.received >= want || Date.now() - t0 > m.timeoutMs) {
          process.send!({ cmd: "wait", stats: { ...stats } });
          stats.received = 0;
          return;
        }
        setTimeout(tick, 5);
      };
      tick();
    } else if (m.cmd === "exit") {
      for (const c of conns) c.ws.reset();
      process.exit(0);
    }
  });
}

// ---- driver -------------------------------------------------------------------------------

function request(child: ChildProcess, msg: Record<string, unknown>, reply: string): Promise<any> {
  return new Promise((resolve) => {
    const on = (m: any) => {
      if (m.cmd === reply || (reply === "id" && m.id === msg.id)) {
        child.off("message", on);
        resolve(m);
      }
    };
    child.on("message", on);
    child.send(msg);
  });
}

const SERVER_FILE = join(__dirname, "servers", "hyperio-threads-burst.ts");

function serverEnv(name: string, build: string): Record<string, string> {
  const t = /^hyperio(?:-t(\d+))?$/.exec(name);
  if (t) return { ...buildEnv(build), LOADTEST_BURST_KIND: "hyperio", LOADTEST_IO_THREADS: t[1] ?? "0", HYPERIO_IO_THREADS: "" };
  return { LOADTEST_BURST_KIND: name };
}

async function startServer(name: string, build: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(SERVER_FILE, [], { execArgv: ["--import", "tsx"], env: { ...process.env, ...serverEnv(name, build) }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} exited (${code})`)));
    child.on("message", (m: any) => m.type === "listening" && resolve(m.port));
  });
  return { child, port };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      servers: { type: "string", default: "hyperio,hyperio-t1,hyperio-t2,upstream-ws,upstream-uws,bare-uws" },
      clients: { type: "string", default: "10000" },
      burst: { type: "string", default: "20" },
      repeat: { type: "string", default: "5" },
      rate: { type: "string" },
      seconds: { type: "string", default: "5" },
    },
  });
  const servers = values.servers!.split(",");
  const clients = Number(values.clients);
  const burst = Number(values.burst);
  const repeat = Number(values.repeat);
  const rate = values.rate ? Number(values.rate) : undefined;
  const build = buildHyperio().dir;
  const rows = new Map<string, Array<Record<string, number>>>();
  let seq = 0;
  for (let r = 0; r < repeat; r++) {
    for (const name of servers) {
      const server = await startServer(name, build);
      const client = fork(__filename, ["--client"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      try {
        const ready = await request(client, { cmd: "connect", port: server.port, count: clients, bare: name === "bare-uws" }, "ready");
        if (ready.failed) process.stderr.write(`${name} run ${r + 1}: ${ready.failed} connects failed and were retried: ${JSON.stringify(ready.failures)}\n`);
        if (ready.error) throw new Error(`${name} run ${r + 1}: ${ready.error} ${JSON.stringify(ready.failures)}`);
        const row: Record<string, number> = {};
        if (rate === undefined) {
          await request(client, { cmd: "expect", from: seq }, "expect");
          await request(client, { cmd: "pause" }, "pause");
          await new Promise((res) => setTimeout(res, 200));
          const b = await request(server.child, { id: 1, cmd: "burst", count: burst, from: seq, payload: PAYLOAD }, "id");
          seq += burst;
          await request(client, { cmd: "resume" }, "resume");
          const w = await request(client, { cmd: "wait", total: burst, timeoutMs: 30000 }, "wait");
          Object.assign(row, {
            wallUs: b.wallNs / 1000,
            cpuUsPerBurst: b.cpuNs / 1000,
            mainShare: b.mainCpuNs / b.cpuNs,
            received: w.stats.received,
            expected: burst * clients,
            lost: w.stats.lost,
            outOfOrder: w.stats.outOfOrder,
          });
        } else {
          await request(client, { cmd: "expect", from: seq }, "expect");
          const b = await request(server.child, { id: 1, cmd: "rate", perSecond: rate, seconds: Number(values.seconds), from: seq, payload: PAYLOAD }, "id");
          seq += b.broadcasts;
          const w = await request(client, { cmd: "wait", total: b.broadcasts, timeoutMs: 30000 }, "wait");
          const deliveries = b.broadcasts * clients;
          Object.assign(row, {
            broadcasts: b.broadcasts,
            nsPerDelivery: b.cpuNs / deliveries,
            mainNsPerDelivery: b.mainCpuNs / deliveries,
            mainShare: b.mainCpuNs / b.cpuNs,
            received: w.stats.received,
            expected: deliveries,
            lost: w.stats.lost,
            outOfOrder: w.stats.outOfOrder,
          });
        }
        (rows.get(name) ?? rows.set(name, []).get(name)!).push(row);
        process.stderr.write(`${name} run ${r + 1}: ${JSON.stringify(row)}\n`);
      } finally {
        client.send({ cmd: "exit" });
        server.child.send({ cmd: "exit" });
        await new Promise((res) => server.child.once("exit", res));
      }
    }
  }
  const ref = rows.get("hyperio");
  console.log(
    rate === undefined
      ? `\nburst and drain: ${clients} clients, ${burst} broadcasts of ${PAYLOAD.length + 12} B, median of ${repeat} (interleaved)\n` +
          "| server | wall to kernel (µs) | × hyperio (0 threads) | server CPU (µs, all threads) | main thread share | delivered once, in order |\n|---|---|---|---|---|---|"
      : `\nfixed rate: ${clients} clients, ${rate} broadcasts/s for ${values.seconds} s, median of ${repeat} (interleaved)\n` +
          "| server | server CPU ns/delivery (all threads) | × hyperio (0 threads) | main thread ns/delivery | main thread share | delivered once, in order |\n|---|---|---|---|---|---|",
  );
  for (const [name, rs] of rows) {
    const m = (k: string) => median(rs.map((x) => x[k]));
    const ok = rs.every((x) => x.received === x.expected && x.lost === 0 && x.outOfOrder === 0);
    const refV = ref ? median(ref.map((x) => x[rate === undefined ? "wallUs" : "nsPerDelivery"])) : NaN;
    if (rate === undefined) {
      console.log(`| ${name} | ${m("wallUs").toFixed(0)} | ${(refV / m("wallUs")).toFixed(2)}× faster | ${m("cpuUsPerBurst").toFixed(0)} | ${(m("mainShare") * 100).toFixed(0)}% | ${ok ? "yes" : "NO"} |`);
    } else {
      console.log(`| ${name} | ${m("nsPerDelivery").toFixed(0)} | ${(m("nsPerDelivery") / refV).toFixed(2)} | ${m("mainNsPerDelivery").toFixed(1)} | ${(m("mainShare") * 100).toFixed(0)}% | ${ok ? "yes" : "NO"} |`);
    }
  }
}

if (process.argv.includes("--client")) runClient();
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
