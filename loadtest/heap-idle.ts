// Where the memory of an idle connection goes, on one server under test.
//
//   npx tsx loadtest/heap-idle.ts [--server hyperio] [--clients 2000] [--transport websocket|polling]
//                                 [--hyperio-code build|tsx] [--out dir] [--keep]
//
// Starts the server as the harness does (its own process), takes a V8 heap snapshot with no
// clients, connects N idle clients exactly as the `idle` scenario does (each joins one room),
// lets them settle, takes a second snapshot, and prints: RSS / V8 heap / external deltas per
// connection (what is JS heap and what is native: uWS per-socket data, malloc), and the JS
// objects that are new in the second snapshot, per connection, by kind and by holder
// (lib/heap-diff.ts). Snapshots land in <out> (removed unless --keep).
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Fleet } from "./lib/fleet";
import { readMem } from "./lib/proc-stats";
import { HYPERIO_KINDS, isServerKind, ServerProc } from "./lib/server-proc";
import { buildHyperio } from "./lib/hyperio-build";
import { diffHeaps, formatDiff, loadHeap } from "./lib/heap-diff";
import type { ServerMem } from "./protocol/control";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kib = (b: number) => `${(b / 1024).toFixed(2)} KiB`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: "string", default: "hyperio" },
      clients: { type: "string", default: "2000" },
      transport: { type: "string", default: "websocket" },
      out: { type: "string", default: join(__dirname, "results", "heap", new Date().toISOString().replace(/[:.]/g, "-")) },
      top: { type: "string", default: "40" },
      keep: { type: "boolean", default: false },
      // Only the RSS / heap / native split, no snapshots (large counts: a snapshot of 10,000
      // connections is ~150 MB of JSON).
      "no-snapshot": { type: "boolean", default: false },
      "hyperio-code": { type: "string", default: "build" },
    },
  });
  const kind = values.server;
  if (!isServerKind(kind)) throw new Error(`--server: unknown "${kind}"`);
  const n = Number(values.clients);
  const transport = values.transport === "polling" ? "polling" : "websocket";
  mkdirSync(values.out, { recursive: true });
  const build = values["hyperio-code"] === "build" && HYPERIO_KINDS.has(kind) ? buildHyperio() : undefined;
  const srv = await ServerProc.start(kind, 30000, undefined, build?.dir);
  const fleet = await Fleet.start(1);
  try {
    const settle = async (): Promise<{ rss: number; mem: ServerMem }> => {
      await srv.command({ cmd: "gc" });
      await sleep(300);
      await srv.command({ cmd: "gc" });
      return { rss: readMem(srv.pid).rssBytes, mem: await srv.mem() };
    };
    const before = await settle();
    const snap = !values["no-snapshot"];
    const snapA = join(values.out, `${kind}-0.heapsnapshot`);
    if (snap) await srv.command({ cmd: "heapsnapshot", path: snapA });
    // The snapshot itself grows the heap and RSS: re-read after it, so deltas exclude it.
    const base = await settle();
    const conn = await fleet.connect(
      { host: "127.0.0.1", port: srv.port, total: n, transportOf: () => transport, layout: "single", burst: 1, concurrency: 200, wsClient: "lite" },
      () => undefined,
      120000,
    );
    if (conn.failed) throw new Error(`${conn.failed} clients failed: ${conn.firstError}`);
    await sleep(1000);
    const after = await settle();
    const snapB = join(values.out, `${kind}-${n}.heapsnapshot`);
    if (snap) await srv.command({ cmd: "heapsnapshot", path: snapB });
    const per = (a: number, b: number) => (b - a) / conn.ready;
    console.log(`## ${kind}: ${conn.ready} idle ${transport} clients (each joined one room)${build ? `, hyperio from a tsc build (${build.dir})` : ""}`);
    console.log("");
    console.log(`server reports ${after.mem.connections} connections`);
    console.log(`before snapshot: rss ${kib(before.rss)}; baseline after it: rss ${kib(base.rss)}, heapUsed ${kib(base.mem.heapUsed)}`);
    console.log("");
    console.log("| per connection | bytes | |");
    console.log("|---|---|---|");
    const dRss = per(base.rss, after.rss);
    const dHeap = per(base.mem.heapUsed, after.mem.heapUsed);
    const dExt = per(base.mem.external, after.mem.external);
    const dAb = per(base.mem.arrayBuffers, after.mem.arrayBuffers);
    console.log(`| RSS | ${dRss.toFixed(0)} | ${kib(dRss)} |`);
    console.log(`| V8 heapUsed | ${dHeap.toFixed(0)} | ${kib(dHeap)} |`);
    const dTotal = per(base.mem.heapTotal ?? NaN, after.mem.heapTotal ?? NaN);
    console.log(`| V8 heapTotal (committed: used + free space in heap pages) | ${dTotal.toFixed(0)} | ${kib(dTotal)} |`);
    console.log(`| external (V8-tracked off-heap, incl. ArrayBuffers) | ${dExt.toFixed(0)} | ${kib(dExt)} |`);
    console.log(`| of which arrayBuffers | ${dAb.toFixed(0)} | ${kib(dAb)} |`);
    console.log(`| RSS − heapUsed − external (native: uWS per-socket, malloc, heap slack) | ${(dRss - dHeap - dExt).toFixed(0)} | ${kib(dRss - dHeap - dExt)} |`);
    console.log(`| RSS − heapTotal − external (outside V8's heap: uWS per-socket, malloc) | ${(dRss - dTotal - dExt).toFixed(0)} | ${kib(dRss - dTotal - dExt)} |`);
    if (snap) {
      console.log("");
      const d = diffHeaps(loadHeap(snapA), loadHeap(snapB));
      console.log(formatDiff(d, conn.ready, Number(values.top)));
      console.log("");
      console.log(`snapshots: ${values.keep ? `${snapA}, ${snapB}` : "removed (--keep keeps them)"}`);
    }
  } finally {
    await fleet.stop().catch(() => undefined);
    await srv.stop().catch(() => undefined);
    if (!values.keep) rmSync(values.out, { recursive: true, force: true });
    if (build) rmSync(build.dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
