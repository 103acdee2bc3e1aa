// Connect/disconnect cycles: N clients connect (straight to a fresh server, no faults, no
// traffic), then all leave as socket.disconnect() does; after each cycle the server's RSS,
// V8 heap and open fds are read after a GC. The baseline is the reading after the first
// cycle (code warm, pools sized: what a server that has served its clients once looks like);
// after the last cycle they must be within 10% of it. The cold reading before any client
// (cycle 0) is reported too.
import type { ClientSpec, FromWorker } from "./messages";
import { WorkerProc, type ServerNode } from "./procs";
import { CLIENTS_PER_WORKER } from "./run";

export interface CycleResult {
  /** 0: the baseline before the first cycle. */
  cycle: number;
  connected: number;
  connectMs: number;
  rssBytes: number;
  heapBytes: number;
  fds: number;
  /** While all N were connected. */
  peakRssBytes: number;
  peakHeapBytes: number;
  peakFds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settled(node: ServerNode): Promise<{ rss: number; heap: number; fds: number }> {
  const deadline = Date.now() + 90000;
  for (;;) {
    const s = await node.sample();
    if ((s.connWebsocket + s.connPolling === 0 && s.sockets === 0) || Date.now() > deadline) break;
    await sleep(250);
  }
  await node.gc();
  await sleep(200);
  await node.gc();
  const s = await node.sample();
  return { rss: s.rss, heap: s.heapUsed, fds: s.fds };
}

export async function runCycles(node: ServerNode, specs: ClientSpec[], cycles: number, progress: (s: string) => void, label: string): Promise<CycleResult[]> {
  const direct = { host: "127.0.0.1", port: node.port };
  const plain: ClientSpec[] = specs.map((s) => ({ idx: s.idx, polling: s.polling, slow: false, endpoints: [direct] }));
  const out: CycleResult[] = [];
  const base = await settled(node);
  out.push({ cycle: 0, connected: 0, connectMs: 0, rssBytes: base.rss, heapBytes: base.heap, fds: base.fds, peakRssBytes: base.rss, peakHeapBytes: base.heap, peakFds: base.fds });
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
    out.push({ cycle: c, connected: n, connectMs, rssBytes: after.rss, heapBytes: after.heap, fds: after.fds, peakRssBytes: peak.rss, peakHeapBytes: peak.heapUsed, peakFds: peak.fds });
    progress(`${label}: cycle ${c}/${cycles}: ${n} connected in ${(connectMs / 1000).toFixed(1)} s; after: rss ${(after.rss / 2 ** 20).toFixed(1)} MiB, heap ${(after.heap / 2 ** 20).toFixed(1)} MiB, fds ${after.fds}`);
  }
  return out;
}

/** After the last cycle, within `tolerance` of the baseline (after cycle 1). */
export function cyclesVerdict(r: CycleResult[], tolerance = 0.1): { rss: number; heap: number; fds: number; ok: boolean } | undefined {
  if (r.length < 3) return undefined;
  const b = r[1];
  const l = r[r.length - 1];
  const rss = l.rssBytes / b.rssBytes - 1;
  const heap = l.heapBytes / b.heapBytes - 1;
  const fds = l.fds / b.fds - 1;
  return { rss, heap, fds, ok: rss <= tolerance && heap <= tolerance && fds <= tolerance };
}
