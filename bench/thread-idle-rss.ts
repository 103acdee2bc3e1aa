// What ioThreads costs in memory at rest (issue 10): RSS of an idle hyperio server (no
// connection) with 0, 1, 2 ... I/O threads, each server in its own process, started
// interleaved, median of --repeat. Each thread is a V8 isolate with its own heap, a copy of
// the engine modules it loads, and a uWS App.
//
// Run: flock /tmp/hyperio-bench.lock npx tsx bench/thread-idle-rss.ts [--threads 0,1,2,4] [--repeat 5] [--build DIR]
// The server is loadtest/servers/hyperio-threads-burst.ts (its IPC commands are not used);
// hyperio runs from a tsc build, of the working tree unless --build names one.
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildEnv, buildHyperio } from "../loadtest/lib/hyperio-build";

const SERVER = join(__dirname, "..", "loadtest", "servers", "hyperio-threads-burst.ts");

/** VmRSS and the thread count of a process, from /proc. */
function status(pid: number): { rssKiB: number; threads: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return { rssKiB: Number(/VmRSS:\s+(\d+)/.exec(text)![1]), threads: Number(/Threads:\s+(\d+)/.exec(text)![1]) };
}

async function idleRss(threads: number, build: string, settleMs: number): Promise<{ rssKiB: number; threads: number }> {
  const env = { ...process.env, ...buildEnv(build), LOADTEST_BURST_KIND: "hyperio", LOADTEST_IO_THREADS: String(threads), HYPERIO_IO_THREADS: "" };
  const child = fork(SERVER, [], { execArgv: ["--import", "tsx"], env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`server with ${threads} threads exited (${code})`)));
      child.on("message", (m: any) => m.type === "listening" && resolve(m.pid));
    });
    await new Promise((r) => setTimeout(r, settleMs));
    return status(pid);
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.send({ cmd: "exit" });
    await exited;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: "string", default: "0,1,2,4" },
      repeat: { type: "string", default: "5" },
      settle: { type: "string", default: "2000" },
      build: { type: "string" },
    },
  });
  const counts = values.threads!.split(",").map(Number);
  const build = values.build ?? buildHyperio().dir;
  const runs = new Map<number, Array<{ rssKiB: number; threads: number }>>(counts.map((n) => [n, []]));
  for (let r = 0; r < Number(values.repeat); r++) {
    for (const n of counts) {
      const s = await idleRss(n, build, Number(values.settle));
      runs.get(n)!.push(s);
      process.stderr.write(`ioThreads ${n} run ${r + 1}: ${(s.rssKiB / 1024).toFixed(1)} MiB RSS, ${s.threads} OS threads\n`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(runs.get(counts[0])!.map((s) => s.rssKiB));
  console.log(`\nidle hyperio server, no connection, RSS after ${values.settle} ms, median of ${values.repeat} (interleaved)`);
  console.log(`| ioThreads | RSS (MiB) | more than ioThreads ${counts[0]} (MiB) | OS threads |\n|---|---|---|---|`);
  for (const n of counts) {
    const rss = median(runs.get(n)!.map((s) => s.rssKiB));
    console.log(`| ${n} | ${(rss / 1024).toFixed(1)} | ${((rss - base) / 1024).toFixed(1)} | ${median(runs.get(n)!.map((s) => s.threads))} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
