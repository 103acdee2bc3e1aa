// How commands should cross from the main thread to an I/O thread (ioThreads, issue 10):
// one postMessage per command, one postMessage per loop-turn batch (a flat array, what
// src/engine/threaded-backend.ts does), or a SharedArrayBuffer ring the I/O thread reads,
// woken with Atomics.notify only when the ring goes from empty to non-empty (the thread
// cannot block in Atomics.wait: it has a uWS event loop to keep running. Atomics.waitAsync on
// the thread was tried first: on Node 20 a notify does not wake an idle event loop, and the
// reader hung; so the wake-up on empty -> non-empty is one postMessage).
//
// Workload: publish commands (a topic and a ~100 B text frame), M of them, issued K per loop
// turn. Reported per variant: median over 5 runs of
//   - main ns/cmd: main-thread time spent issuing the commands (the serial cost that caps
//     fanout: what the main thread pays per command),
//   - e2e ns/cmd: wall time until the I/O thread has read every command, divided by M.
//
// A second table measures the round trip the echo makes (a WRITE batch down, a MESSAGE batch
// up, K entries each way, one batch in flight): CPU of the whole process (every thread) and
// wall time per round trip, for the ways the two ends can listen (the Worker object's
// 'message' event, what threaded-backend.ts does, or a MessageChannel port of their own) and
// the two shapes of a one-frame WRITE (the frame in an array, what it sends, or alone). With
// K = 1 both threads sleep between batches: the figure is mostly the cost of waking them.
//
// Run: flock /tmp/hyperio-bench.lock npx tsx bench/thread-crossing.bench.ts [--smoke]
import { MessageChannel, Worker } from "node:worker_threads";

const smoke = process.argv.includes("--smoke");
const M_MAX = smoke ? 2_000 : 200_000;
/** Commands per run: fewer for batch 1, where each command costs a loop turn. */
const commandsFor = (batch: number) => Math.min(M_MAX, batch * (smoke ? 500 : 20_000));
const RUNS = smoke ? 1 : 5;
const BATCHES = [1, 16, 256];
const FRAME = "4" + JSON.stringify(["news", "x".repeat(88)]);
const TOPIC = "/\x1froom";

// The I/O thread side of each variant, as plain JS (a worker does not load .ts by itself).
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
let seen = 0;
const total = workerData.total;
const done = () => parentPort.postMessage("done");
if (workerData.mode === "ring") {
  // i32[0] head (reader), i32[1] tail (writer), i32[2] sleeping: set by the reader when it
  // found the ring empty; the writer that clears it sends the one wake-up message.
  const i32 = new Int32Array(workerData.sab, 0, 4);
  const bytes = new Uint8Array(workerData.sab, 16);
  const cap = bytes.length;
  const dec = new TextDecoder();
  let head = 0;
  const drain = () => {
    for (;;) {
      const tail = Atomics.load(i32, 1);
      while (head !== tail) {
        const len = bytes[head % cap] | (bytes[(head + 1) % cap] << 8);
        const start = (head + 2) % cap;
        // records never wrap: the writer pads to the start of the ring (len 0xffff)
        if (len === 0xffff) { head += cap - (head % cap); continue; }
        const rec = dec.decode(bytes.subarray(start, start + len));
        if (rec.length === 0) throw new Error("empty");
        head += 2 + len;
        seen++;
      }
      Atomics.store(i32, 0, head);
      if (seen >= total) return done();
      Atomics.store(i32, 2, 1);
      // a write that landed before the flag was set saw no sleeper: look again
      if (Atomics.load(i32, 1) === head) return;
      if (Atomics.compareExchange(i32, 2, 1, 0) !== 1) return; // the writer took the wake-up
    }
  };
  parentPort.on("message", drain);
  drain();
} else {
  parentPort.on("message", (m) => {
    if (Array.isArray(m)) { for (let i = 0; i < m.length; i += 3) if (m[i + 2].length === 0) throw 0; seen += m.length / 3; }
    else seen++;
    if (seen >= total) done();
  });
}
`;

type Mode = "message-per-cmd" | "message-per-batch" | "ring";

function startWorker(mode: Mode, M: number, sab?: SharedArrayBuffer): Promise<Worker> {
  const w = new Worker(WORKER, { eval: true, workerData: { mode, total: M, sab } });
  return new Promise((r) => w.once("online", () => r(w)));
}

/** The ring writer: length-prefixed UTF-8 records ("topic\\x00frame"), notify on empty -> non-empty. */
class Ring {
  private readonly i32: Int32Array;
  private readonly bytes: Uint8Array;
  private tail = 0;
  private readonly enc = new TextEncoder();
  constructor(
    readonly sab: SharedArrayBuffer,
    private readonly wake: () => void,
  ) {
    this.i32 = new Int32Array(sab, 0, 4);
    this.bytes = new Uint8Array(sab, 16);
  }
  /** false when full (the caller yields a loop turn and retries). */
  push(topic: string, frame: string): boolean {
    const cap = this.bytes.length;
    const need = 2 + (topic.length + 1 + frame.length) * 3;
    const head = Atomics.load(this.i32, 0);
    let pos = this.tail % cap;
    let pad = 0;
    if (pos + need > cap) pad = cap - pos;
    if (this.tail + pad + need - head > cap) return false;
    if (pad) {
      this.bytes[pos] = 0xff;
      this.bytes[pos + 1] = 0xff;
      this.tail += pad;
      pos = 0;
    }
    const r1 = this.enc.encodeInto(topic, this.bytes.subarray(pos + 2));
    this.bytes[pos + 2 + r1.written] = 0;
    const r2 = this.enc.encodeInto(frame, this.bytes.subarray(pos + 3 + r1.written));
    const len = r1.written + 1 + r2.written;
    this.bytes[pos] = len & 0xff;
    this.bytes[pos + 1] = len >> 8;
    this.tail += 2 + len;
    Atomics.store(this.i32, 1, this.tail);
    // The reader sleeps once it found the ring empty: wake it once (Atomics.notify does not
    // wake a node event loop waiting in Atomics.waitAsync on Node 20; measured: it hangs).
    if (Atomics.compareExchange(this.i32, 2, 1, 0) === 1) this.wake();
    return true;
  }
}

async function runOnce(mode: Mode, batch: number): Promise<{ mainNs: number; e2eNs: number }> {
  const M = commandsFor(batch);
  const sab = mode === "ring" ? new SharedArrayBuffer(16 + (1 << 22)) : undefined;
  const w = await startWorker(mode, M, sab);
  const finished = new Promise<void>((r) => w.once("message", () => r()));
  const ring = sab ? new Ring(sab, () => w.postMessage(0)) : undefined;
  let main = 0;
  const t0 = process.hrtime.bigint();
  for (let sent = 0; sent < M; ) {
    const s0 = process.hrtime.bigint();
    const n = Math.min(batch, M - sent);
    if (mode === "message-per-cmd") {
      for (let i = 0; i < n; i++) w.postMessage([7, TOPIC, FRAME]);
      sent += n;
    } else if (mode === "message-per-batch") {
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(7, TOPIC, FRAME);
      w.postMessage(out);
      sent += n;
    } else {
      let i = 0;
      while (i < n && ring!.push(TOPIC, FRAME)) i++;
      sent += i;
    }
    main += Number(process.hrtime.bigint() - s0);
    // one loop turn per batch, as the server issues them
    await new Promise((r) => setImmediate(r));
  }
  await finished;
  const e2e = Number(process.hrtime.bigint() - t0);
  await w.terminate();
  return { mainNs: main / M, e2eNs: e2e / M };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- round trips (the echo's shape) ---------------------------------------------------------

/** The I/O thread's end: answers each WRITE batch with a MESSAGE batch of the same count. */
const ECHO_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const port = workerData.channel || parentPort;
port.on("message", (b) => {
  const out = [];
  for (let i = 0; i < b.length; i += 4) out.push(5, b[i + 1], typeof b[i + 2] === "string" ? b[i + 2] : b[i + 2][0]);
  port.postMessage(out);
});
`;
const ACK_FRAME = "430[" + JSON.stringify({ ok: true, n: 12345 }) + "]";
const ROUND_TRIPS = smoke ? 500 : 50_000;

type Listen = "worker-event" | "own-port";
type Shape = "frame-in-array" | "lone-frame";

async function roundTrips(listen: Listen, shape: Shape, k: number): Promise<{ cpuNs: number; wallNs: number }> {
  let w: Worker;
  let port: { postMessage(v: unknown): void; on(e: "message", f: (v: unknown[]) => void): void };
  if (listen === "worker-event") {
    w = new Worker(ECHO_WORKER, { eval: true, workerData: {} });
    port = w;
  } else {
    const ch = new MessageChannel();
    w = new Worker(ECHO_WORKER, { eval: true, workerData: { channel: ch.port2 }, transferList: [ch.port2] });
    port = ch.port1;
    ch.port1.unref();
  }
  await new Promise((r) => w.once("online", r));
  const send = (n: number) => {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(4, i, shape === "lone-frame" ? ACK_FRAME : [ACK_FRAME], shape === "lone-frame" ? false : null);
    port.postMessage(out);
  };
  let done = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    port.on("message", (b) => {
      done++;
      if (done >= ROUND_TRIPS) resolve();
      else send(b.length / 3);
    });
    send(k);
  });
  const wall = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  await w.terminate();
  return { cpuNs: ((cpu.user + cpu.system) * 1000) / ROUND_TRIPS, wallNs: wall / ROUND_TRIPS };
}

async function roundTripTable(): Promise<void> {
  console.log(`\nround trips (WRITE batch down, MESSAGE batch up, K entries each, one batch in flight), ${ROUND_TRIPS} per run, median of ${RUNS}, interleaved`);
  console.log("listen         shape              K   cpu ns/rt   wall ns/rt");
  const variants: Array<[Listen, Shape]> = [
    ["worker-event", "frame-in-array"],
    ["own-port", "frame-in-array"],
    ["own-port", "lone-frame"],
  ];
  for (const k of [1, 8]) {
    const cpu = variants.map(() => [] as number[]);
    const wall = variants.map(() => [] as number[]);
    for (let r = 0; r < RUNS; r++) {
      for (let v = 0; v < variants.length; v++) {
        const m = await roundTrips(variants[v][0], variants[v][1], k);
        cpu[v].push(m.cpuNs);
        wall[v].push(m.wallNs);
      }
    }
    for (let v = 0; v < variants.length; v++) {
      console.log(`${variants[v][0].padEnd(14)} ${variants[v][1].padEnd(16)} ${String(k).padStart(3)} ${median(cpu[v]).toFixed(0).padStart(11)} ${median(wall[v]).toFixed(0).padStart(12)}`);
    }
  }
}

async function main(): Promise<void> {
  console.log(`thread crossing: publish commands (${FRAME.length} B frame), ${commandsFor(1)} at batch 1, else ${M_MAX}; median of ${RUNS}, node ${process.version}`);
  console.log("variant              batch   main ns/cmd   e2e ns/cmd");
  for (const batch of BATCHES) {
    for (const mode of ["message-per-cmd", "message-per-batch", "ring"] as Mode[]) {
      const mains: number[] = [];
      const e2es: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const { mainNs, e2eNs } = await runOnce(mode, batch);
        mains.push(mainNs);
        e2es.push(e2eNs);
      }
      console.log(`${mode.padEnd(20)} ${String(batch).padStart(5)} ${median(mains).toFixed(0).padStart(13)} ${median(e2es).toFixed(0).padStart(12)}`);
    }
  }
  await roundTripTable();
}

void main();
