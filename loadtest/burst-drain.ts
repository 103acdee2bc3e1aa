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
//
// "busiest thread" is the CPU of the one server thread that used the most: with threads
// that each had a core of their own, the least the wall time could be. On this shared
// 2-core machine the wall time also holds whatever else ran meanwhile (the load average is
// printed with the table). --perf DIR records each burst with `perf record -g` (Linux) into
// DIR/<server>-<run>.data (--perf-system: every CPU, -a, to see what else takes the cores);
// `npx tsx loadtest/lib/perf-summary.ts FILE` summarises one.
// --build DIR runs hyperio from a build made before instead of building the working tree.
import { fork, spawn, type ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
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
              if (text.startsWith('42["w"')) return; // the warm-up broadcast before a burst
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
      // Really stopped (WsLite.stopReading): with socket.pause() alone the "paused" clients
      // read every message while the server wrote them and competed with it for the 2 cores.
      for (const c of conns) {
        if (m.cmd === "pause") c.ws.stopReading();
        else c.ws.resumeReading();
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

async function startServer(name: string, build: string): Promise<{ child: ChildProcess; port: number; pid: number }> {
  const child = fork(SERVER_FILE, [], { execArgv: ["--import", "tsx"], env: { ...process.env, ...serverEnv(name, build) }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const { port, pid } = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} exited (${code})`)));
    child.on("message", (m: any) => m.type === "listening" && resolve(m));
  });
  return { child, port, pid };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type ThreadCpu = Array<{ tid: number; main: boolean; ns: number }>;

/** `perf record -g` of one process until the returned stop() (resolves once the file is written). */
async function perfRecord(pid: number, file: string, system: boolean): Promise<() => Promise<void>> {
  const target = system ? ["-a"] : ["-p", String(pid)];
  const p = spawn("perf", ["record", "-F", "4999", "-g", ...target, "-o", file], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise((res) => setTimeout(res, 300)); // perf attaches to every thread first
  return () =>
    new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGINT");
    });
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(", ");

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      servers: { type: "string", default: "hyperio,hyperio-t1,hyperio-t2,upstream-ws,upstream-uws,bare-uws" },
      clients: { type: "string", default: "10000" },
      burst: { type: "string", default: "20" },
      repeat: { type: "string", default: "5" },
      rate: { type: "string" },
      seconds: { type: "string", default: "5" },
      perf: { type: "string" },
      "perf-system": { type: "boolean", default: false },
      build: { type: "string" },
    },
  });
  const servers = values.servers!.split(",");
  const clients = Number(values.clients);
  const burst = Number(values.burst);
  const repeat = Number(values.repeat);
  const rate = values.rate ? Number(values.rate) : undefined;
  // --build DIR: a tsc build made before (e.g. of a commit, `git archive` into
  // loadtest/results/ and `tsc -p <it>/tsconfig.build.json --outDir <it>/dist`) instead of the
  // working tree, which other work in progress may share.
  const build = values.build ?? buildHyperio().dir;
  if (values.perf) mkdirSync(values.perf, { recursive: true });
  const loadBefore = load();
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
        let b: any;
        if (rate === undefined) {
          await request(client, { cmd: "expect", from: seq }, "expect");
          await request(client, { cmd: "pause" }, "pause");
          await new Promise((res) => setTimeout(res, 200));
          const stopPerf = values.perf ? await perfRecord(server.pid, join(values.perf, `${name}-${r + 1}.data`), values["perf-system"]!) : undefined;
          b = await request(server.child, { id: 1, cmd: "burst", count: burst, from: seq, payload: PAYLOAD, warmMs: 500 }, "id");
          await stopPerf?.();
          seq += burst;
          await request(client, { cmd: "resume" }, "resume");
          const w = await request(client, { cmd: "wait", total: burst, timeoutMs: 30000 }, "wait");
          Object.assign(row, {
            wallUs: b.wallNs / 1000,
            cpuUsPerBurst: b.cpuNs / 1000,
            // (threads under 0.1 ms are left out: a tiny burst may list none)
            busiestUs: ((b.threads as ThreadCpu)[0]?.ns ?? 0) / 1000,
            mainShare: b.mainCpuNs / b.cpuNs,
            received: w.stats.received,
            expected: burst * clients,
            lost: w.stats.lost,
            outOfOrder: w.stats.outOfOrder,
          });
        } else {
          await request(client, { cmd: "expect", from: seq }, "expect");
          b = await request(server.child, { id: 1, cmd: "rate", perSecond: rate, seconds: Number(values.seconds), from: seq, payload: PAYLOAD }, "id");
          seq += b.broadcasts;
          const w = await request(client, { cmd: "wait", total: b.broadcasts, timeoutMs: 30000 }, "wait");
          const deliveries = b.broadcasts * clients;
          Object.assign(row, {
            broadcasts: b.broadcasts,
            nsPerDelivery: b.cpuNs / deliveries,
            mainNsPerDelivery: b.mainCpuNs / deliveries,
            mainShare: b.mainCpuNs / b.cpuNs,
            mainUsPerBroadcast: b.mainCpuNs / b.broadcasts / 1000,
            otherNsPerDelivery: (b.cpuNs - b.mainCpuNs) / deliveries,
            received: w.stats.received,
            expected: deliveries,
            lost: w.stats.lost,
            outOfOrder: w.stats.outOfOrder,
          });
        }
        (rows.get(name) ?? rows.set(name, []).get(name)!).push(row);
        const threads = (b.threads as ThreadCpu).slice(0, 6).map((t) => `${t.main ? "main " : ""}${(t.ns / 1e6).toFixed(1)}`).join(", ");
        process.stderr.write(`${name} run ${r + 1}: ${JSON.stringify(row)} threads ms: ${threads} (load ${load()})\n`);
      } finally {
        client.send({ cmd: "exit" });
        server.child.send({ cmd: "exit" });
        await new Promise((res) => server.child.once("exit", res));
      }
    }
  }
  const ref = rows.get("hyperio");
  const t1 = rows.get("hyperio-t1");
  const medianOf = (rs: Array<Record<string, number>> | undefined, k: string) => (rs ? median(rs.map((x) => x[k])) : NaN);
  console.log(
    rate === undefined
      ? `\nburst and drain: ${clients} clients, ${burst} broadcasts of ${PAYLOAD.length + 12} B, median of ${repeat} (interleaved); load average before ${loadBefore}, after ${load()}\n` +
          "| server | wall to kernel (µs) | × hyperio (0 threads) | × hyperio-t1 | busiest thread CPU (µs) | × hyperio (0 threads) | server CPU (µs, all threads) | main thread share | delivered once, in order |\n|---|---|---|---|---|---|---|---|---|"
      : `\nfixed rate: ${clients} clients, ${rate} broadcasts/s for ${values.seconds} s, median of ${repeat} (interleaved); load average before ${loadBefore}, after ${load()}\n` +
          "| server | server CPU ns/delivery (all threads) | × hyperio (0 threads) | main thread ns/delivery | other threads ns/delivery | main thread µs/broadcast | main thread share | delivered once, in order |\n|---|---|---|---|---|---|---|---|",
  );
  for (const [name, rs] of rows) {
    const m = (k: string) => median(rs.map((x) => x[k]));
    const ok = rs.every((x) => x.received === x.expected && x.lost === 0 && x.outOfOrder === 0);
    if (rate === undefined) {
      const faster = (ref: number, v: number) => (Number.isNaN(ref) ? "-" : `${(ref / v).toFixed(2)}× faster`);
      console.log(
        `| ${name} | ${m("wallUs").toFixed(0)} | ${faster(medianOf(ref, "wallUs"), m("wallUs"))} | ${faster(medianOf(t1, "wallUs"), m("wallUs"))} | ` +
          `${m("busiestUs").toFixed(0)} | ${faster(medianOf(ref, "busiestUs"), m("busiestUs"))} | ${m("cpuUsPerBurst").toFixed(0)} | ${(m("mainShare") * 100).toFixed(0)}% | ${ok ? "yes" : "NO"} |`,
      );
    } else {
      console.log(
        `| ${name} | ${m("nsPerDelivery").toFixed(0)} | ${(m("nsPerDelivery") / medianOf(ref, "nsPerDelivery")).toFixed(2)} | ${m("mainNsPerDelivery").toFixed(1)} | ${m("otherNsPerDelivery").toFixed(1)} | ` +
          `${m("mainUsPerBroadcast").toFixed(1)} | ${(m("mainShare") * 100).toFixed(0)}% | ${ok ? "yes" : "NO"} |`,
      );
    }
  }
  if (rate !== undefined) printModel(rows, clients, cpus().length);
}

/**
 * A MODEL (not a measurement) of deliveries/s on machines with more cores, from a fixed-rate
 * run with hyperio-tN servers (issue 10, "serial fraction"):
 *   - the serial part: main-thread CPU per broadcast S(N) with N I/O threads, fitted as
 *     a + b·N over the measured N (its per-thread part is one command batch per thread);
 *   - the parallel part: CPU per delivery on the other threads, P (from the run with the most
 *     threads that had no more threads than this machine has cores: past that they share cores);
 *   - on C cores, the main thread keeps one and N = C - 1 I/O threads share the rest, so
 *     broadcasts/s = min(1 / S(N), N / (P · R)) for R recipients, deliveries/s = R × that.
 * It assumes the kernel's send path scales with cores (no shared lock, NIC queue or memory
 * bandwidth limit) and that the load client runs elsewhere; none of that is measured here.
 */
function printModel(rows: Map<string, Array<Record<string, number>>>, recipients: number, cores: number): void {
  const pts: Array<{ n: number; s: number; p: number }> = [];
  for (const [name, rs] of rows) {
    const t = /^hyperio-t(\d+)$/.exec(name);
    if (!t) continue;
    pts.push({ n: Number(t[1]), s: median(rs.map((x) => x.mainUsPerBroadcast)), p: median(rs.map((x) => x.otherNsPerDelivery)) });
  }
  if (pts.length < 2) return;
  pts.sort((x, y) => x.n - y.n);
  const k = pts.length;
  const mx = pts.reduce((a, x) => a + x.n, 0) / k;
  const my = pts.reduce((a, x) => a + x.s, 0) / k;
  const b = pts.reduce((a, x) => a + (x.n - mx) * (x.s - my), 0) / pts.reduce((a, x) => a + (x.n - mx) ** 2, 0);
  const a = my - b * mx;
  const par = [...pts].reverse().find((x) => x.n <= cores) ?? pts[0];
  console.log(
    `\nMODEL (not measured; a projection from the figures above): serial part S(N) = ${a.toFixed(1)} + ${b.toFixed(1)}·N µs of main-thread CPU per broadcast ` +
      `(least squares over N = ${pts.map((x) => x.n).join(", ")}: ${pts.map((x) => x.s.toFixed(1)).join(", ")} µs), parallel part P = ${par.p.toFixed(0)} ns of I/O-thread CPU ` +
      `per delivery (hyperio-t${par.n}), ${recipients} recipients per broadcast, N = cores - 1 I/O threads; assumes the kernel send path scales with cores and the client runs elsewhere\n` +
      "| cores | I/O threads | serial cap (broadcasts/s) | parallel cap (broadcasts/s) | MODEL deliveries/s | bound by |\n|---|---|---|---|---|---|",
  );
  for (const c of [16, 32, 64]) {
    const n = c - 1;
    const serial = 1e6 / (a + b * n);
    const parallel = (n * 1e9) / (par.p * recipients);
    const bps = Math.min(serial, parallel);
    console.log(`| ${c} | ${n} | ${serial.toFixed(0)} | ${parallel.toFixed(0)} | ${(bps * recipients / 1e6).toFixed(1)} M | ${serial < parallel ? "main thread" : "I/O threads"} |`);
  }
}

if (process.argv.includes("--client")) runClient();
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
