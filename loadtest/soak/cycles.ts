// Connect/disconnect cycles: N clients connect (straight to a fresh server, no faults, no
// traffic), then all leave as socket.disconnect() does; after each cycle the server's RSS,
// V8 heap and open fds are read 1 s after a GC (UNMAP_AFTER_GC_MS). The baseline is the reading after the first
// cycle (code warm, pools sized: what a server that has served its clients once looks like);
// after the last cycle they must be within 10% of it. The cold reading before any client
// (cycle 0) is reported too.
//
// With connection state recovery on, memory after a cycle is not yet what the server comes
// back to: every socket.emit() of a recovering server is stored as a packet for the recovery
// window (upstream routes it through adapter.broadcast to the socket's own room, hyperio
// does the same), here the app's "hello" to each client, ~0.9 KiB each on both servers.
// That is the promised behaviour, bounded by the window, not a leak. So the baseline and the
// final reading are then taken once the window has passed and the store's sweep has dropped
// those packets (both servers sweep every 60 s): the runner waits for that, says so, and
// the readings right after each cycle are reported as well.
import { join } from "node:path";
import type { MemoryBreakdown } from "./memory";
import type { ClientSpec, FromWorker } from "./messages";
import { WorkerProc, type ServerNode } from "./procs";
import { CLIENTS_PER_WORKER } from "./run";

export interface CycleResult {
  /** 0: the cold reading before the first cycle. */
  cycle: number;
  /**
   * Set on a reading taken with no client after waiting this long (s) for the recovery
   * window to pass and the store to drop what the cycles left (recovery on only); the
   * reading right after the same cycle comes before it.
   */
  afterWindowS?: number;
  /** Packets and sessions the recovery store held at this reading (-1: not known). */
  keptPackets?: number;
  keptSessions?: number;
  connected: number;
  connectMs: number;
  rssBytes: number;
  /** V8 heap used (live objects after the GC). */
  heapBytes: number;
  fds: number;
  /** The full reading (memory.ts): heapTotal, external, ArrayBuffers, V8 spaces, RSS by kind. */
  memory?: MemoryBreakdown;
  /** RSS read straight after the gc(), before V8's background threads unmapped what it freed. */
  rssAtOnceBytes?: number;
  /** While all N were connected. */
  peakRssBytes: number;
  peakHeapBytes: number;
  peakFds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Both servers drop expired sessions and packets on a sweep this often (upstream's in-memory adapter, hyperio's SessionStore). */
export const RECOVERY_SWEEP_MS = 60000;

/** After the store empties, before reading: see afterWindow. */
const RELEASE_SETTLE_MS = 10000;

/**
 * gc() returns before V8 has given back the pages it emptied: its background threads unmap
 * them over the next tens of ms, and RSS read at once still counts them. Measured (node 20,
 * 2M small objects dropped, then gc()): RSS 226.9 MiB at once, 181.9 MiB 11 ms later, 89.0
 * MiB from 50 ms on; with --single-threaded-gc 82 MiB at once. The cycles' readings used to
 * come straight after the gc() and counted whatever that GC freed (the more the heap had
 * grown, the more): an upstream reading of 128.7 MiB whose smaps, read a few ms later,
 * summed to 101.6 MiB. So a reading waits this long after the last gc().
 */
const UNMAP_AFTER_GC_MS = 1000;

interface Reading {
  rss: number;
  heap: number;
  fds: number;
  keptPackets: number;
  keptSessions: number;
  memory: MemoryBreakdown;
  /** RSS read straight after the gc() (what the readings were before UNMAP_AFTER_GC_MS). */
  rssAtOnce?: number;
}

async function settled(node: ServerNode): Promise<Reading> {
  const deadline = Date.now() + 90000;
  for (;;) {
    const s = await node.sample();
    if ((s.connWebsocket + s.connPolling === 0 && s.sockets === 0) || Date.now() > deadline) break;
    await sleep(250);
  }
  await node.gc();
  await sleep(200);
  await node.gc();
  // What the cycles read before they waited (kept to show the difference).
  const atOnce = (await node.sample()).rss;
  await sleep(UNMAP_AFTER_GC_MS);
  return { ...(await reading(node)), rssAtOnce: atOnce };
}

async function reading(node: ServerNode): Promise<Reading> {
  const s = await node.sample();
  const memory = await node.memory();
  return { rss: memory.rss, heap: memory.heapUsed, fds: s.fds, keptPackets: s.recoveryKeptPackets ?? -1, keptSessions: s.recoveryKeptSessions ?? -1, memory };
}

/** One line of a reading for the progress log: what RSS is made of. */
export function memoryLine(m: MemoryBreakdown): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const sp = (n: string) => (m.spaces[n] ? `${mib(m.spaces[n].committed)}/${mib(m.spaces[n].used)}` : "-");
  return `rss ${mib(m.rss)} MiB (brk heap ${mib(m.brkHeapRss)}, other anon ${mib(m.otherAnonRss)}, file ${mib(m.fileRss)}), heapTotal ${mib(m.heapTotal)}, heapUsed ${mib(m.heapUsed)}, external ${mib(m.external)}, arrayBuffers ${mib(m.arrayBuffers)}, spaces committed/used: new ${sp("new_space")}, old ${sp("old_space")}, lo ${sp("large_object_space")}, code ${sp("code_space")}; v8 malloc ${mib(m.v8Malloced)}`;
}

/**
 * Waits until the recovery store is empty (or, when the server does not tell, until the
 * window plus one sweep has passed: everything was stored before the wait began), then
 * reads after a GC.
 */
async function afterWindow(node: ServerNode, windowMs: number, progress: (s: string) => void, label: string): Promise<Reading & { waitedMs: number }> {
  const t0 = Date.now();
  const deadline = t0 + windowMs + RECOVERY_SWEEP_MS + 5000;
  progress(`${label}: waiting up to ${Math.round((deadline - t0) / 1000)} s for the recovery window (${windowMs / 1000} s) to pass and the store's sweep (every ${RECOVERY_SWEEP_MS / 1000} s) to drop what the cycles' emits left`);
  for (;;) {
    const r = await reading(node);
    if ((r.keptPackets === 0 && r.keptSessions === 0) || Date.now() > deadline) break;
    await sleep(2000);
  }
  // An idle settle once the store is empty, as the other readings follow one (and V8's
  // memory reducer shrinks the new space after a few idle seconds: see memoryLine's "new").
  await sleep(RELEASE_SETTLE_MS);
  const waitedMs = Date.now() - t0;
  const r = await settled(node);
  progress(`${label}: recovery store ${r.keptPackets} packets, ${r.keptSessions} sessions after ${(waitedMs / 1000).toFixed(0)} s; fds ${r.fds}; ${memoryLine(r.memory)}`);
  return { ...r, waitedMs };
}

/**
 * `recoveryWindowMs`: the server's maxDisconnectionDuration when recovery is on, else 0.
 * `waitEvery`: with recovery on, also wait for the window after every waitEvery-th cycle (0:
 * only after the first and the last), to see whether what stays after the window grows.
 */
export async function runCycles(node: ServerNode, specs: ClientSpec[], cycles: number, progress: (s: string) => void, label: string, recoveryWindowMs = 0, waitEvery = 0, snapshotDir = ""): Promise<CycleResult[]> {
  const direct = { host: "127.0.0.1", port: node.port };
  const plain: ClientSpec[] = specs.map((s) => ({ idx: s.idx, polling: s.polling, slow: false, endpoints: [direct] }));
  const out: CycleResult[] = [];
  const base = await settled(node);
  const kept = (r: Reading) => ({ keptPackets: r.keptPackets, keptSessions: r.keptSessions });
  out.push({ cycle: 0, connected: 0, connectMs: 0, rssBytes: base.rss, heapBytes: base.heap, fds: base.fds, memory: base.memory, rssAtOnceBytes: base.rssAtOnce, peakRssBytes: base.rss, peakHeapBytes: base.heap, peakFds: base.fds, ...kept(base) });
  progress(`${label}: before any client: ${memoryLine(base.memory)}`);
  for (let c = 1; c <= cycles; c++) {
    const connected = new Map<number, number>();
    const workers: WorkerProc[] = [];
    const count = Math.ceil(plain.length / CLIENTS_PER_WORKER);
    for (let w = 0; w < count; w++) {
      workers.push(
        await WorkerProc.start((m: FromWorker) => {
          if (m.type === "tick") connected.set(w, m.connected);
        }),
      );
    }
    const t0 = Date.now();
    workers.forEach((wk, w) =>
      wk.send({ type: "start", clients: plain.slice(w * CLIENTS_PER_WORKER, (w + 1) * CLIENTS_PER_WORKER), emitEveryMs: 0, churnShare: 0, concurrency: 100, slowResetMs: 3600000 }),
    );
    const deadline = Date.now() + 60000 + plain.length * 5;
    let peak = await node.sample();
    for (;;) {
      await sleep(250);
      peak = await node.sample();
      if (peak.connWebsocket + peak.connPolling >= plain.length || Date.now() > deadline) break;
    }
    const connectMs = Date.now() - t0;
    const n = peak.connWebsocket + peak.connPolling;
    for (const wk of workers) await wk.exit();
    const after = await settled(node);
    const done: CycleResult = { cycle: c, connected: n, connectMs, rssBytes: after.rss, heapBytes: after.heap, fds: after.fds, memory: after.memory, rssAtOnceBytes: after.rssAtOnce, peakRssBytes: peak.rss, peakHeapBytes: peak.heapUsed, peakFds: peak.fds, ...kept(after) };
    out.push(done);
    progress(`${label}: cycle ${c}/${cycles}: ${n} connected in ${(connectMs / 1000).toFixed(1)} s (peak rss ${(peak.rss / 2 ** 20).toFixed(1)} MiB, heapTotal ${(peak.heapTotal / 2 ** 20).toFixed(1)} MiB); after: fds ${after.fds}, recovery store ${after.keptPackets} packets, ${after.keptSessions} sessions; ${memoryLine(after.memory)}`);
    // The baseline (after cycle 1) and the final reading, once recovery's store is empty.
    if (recoveryWindowMs > 0 && (c === 1 || c === cycles || (waitEvery > 0 && c % waitEvery === 0))) {
      const w = await afterWindow(node, recoveryWindowMs, progress, label);
      out.push({ ...done, afterWindowS: Math.round(w.waitedMs / 1000), rssBytes: w.rss, heapBytes: w.heap, fds: w.fds, memory: w.memory, rssAtOnceBytes: w.rssAtOnce, ...kept(w) });
      // After the reading: writing a snapshot allocates (the next reading follows a GC).
      if (snapshotDir) progress(`${label}: heap snapshot ${await node.heapSnapshot(join(snapshotDir, `${label}-cycle${c}.heapsnapshot`))}`);
    }
  }
  return out;
}

/** The baseline: after cycle 1 (once the recovery window passed, when it was waited for). */
function baselineOf(r: CycleResult[]): CycleResult | undefined {
  const ones = r.filter((x) => x.cycle === 1);
  return ones[ones.length - 1];
}

/** One line per reading for the report: label, then RSS / heap / fds. */
export function cycleRows(r: CycleResult[]): Array<{ label: string; text: string }> {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const at = (x: CycleResult) =>
    `${mib(x.rssBytes)} / ${mib(x.heapBytes)} / ${x.fds}${x.memory ? ` (heapTotal ${mib(x.memory.heapTotal)}, external ${mib(x.memory.external)})` : ""}${x.keptPackets !== undefined && x.keptPackets > 0 ? ` (${x.keptPackets} kept)` : ""}${x.afterWindowS !== undefined ? ` (waited ${x.afterWindowS} s)` : ""}`;
  return r.map((x) => ({
    label: x.cycle === 0 ? "before any client" : x.afterWindowS !== undefined ? `cycle ${x.cycle}, recovery window passed` : `after cycle ${x.cycle}`,
    text: at(x),
  }));
}

/**
 * After the last cycle, within `tolerance` of the baseline (after cycle 1); with recovery
 * on, both readings are the ones taken after its window passed.
 */
export function cyclesVerdict(r: CycleResult[], tolerance = 0.1): { rss: number; heap: number; fds: number; ok: boolean } | undefined {
  const b = baselineOf(r);
  const l = r[r.length - 1];
  if (!b || l.cycle < 2) return undefined;
  const rss = l.rssBytes / b.rssBytes - 1;
  const heap = l.heapBytes / b.heapBytes - 1;
  const fds = l.fds / b.fds - 1;
  return { rss, heap, fds, ok: rss <= tolerance && heap <= tolerance && fds <= tolerance };
}
