// Socket.IO codec benchmark: hyperio vs upstream socket.io-parser, encode and decode, for a
// small event, a 64 KiB JSON object, 512 B / 4 KiB / 64 KiB string arguments and 1 KiB / 64 KiB
// binary attachments.
//
//   npx tsx bench/socketio-parser.bench.ts           # ~0.5 s per task
//   npx tsx bench/socketio-parser.bench.ts --quick   # ~2 s smoke run
//
// Prints operations per CPU-second per implementation and the hyperio / upstream ratio (> 1
// means hyperio is faster), plus the wall-clock ratio. Both sides do the full work a server
// does per packet: encode returns every item to send, and its text is measured for UTF-8
// (Buffer.byteLength, as any socket write does first; it also flattens a concatenated string,
// which hyperio's long-string path returns); decode feeds every item and waits for the
// `decoded` event.
import { Bench } from "tinybench";
import * as upstream from "socket.io-parser";
import { Decoder, Encoder, encodeOnce, PacketType } from "../src/parser/socketio";
import type { Packet } from "../src/parser/socketio";

const quick = process.argv.includes("--quick");

/** A deterministic JSON object whose encoding is about `bytes` long. */
function largeObject(bytes: number): Record<string, unknown> {
  const items: unknown[] = [];
  const obj = { kind: "snapshot", version: 3, items };
  let size = 40;
  for (let i = 0; size < bytes; i++) {
    const item = {
      id: i,
      name: `user-${i}-ñ`,
      score: i * 1.5,
      active: i % 3 === 0,
      tags: ["a", "bb", "ccc"].slice(0, (i % 3) + 1),
      position: { x: i % 100, y: (i * 7) % 100 },
      note: i % 5 === 0 ? null : "lorem ipsum dolor sit amet",
    };
    items.push(item);
    size += JSON.stringify(item).length + 1;
  }
  return obj;
}

/** Chat-like ASCII text of `n` characters. */
function text(n: number): string {
  return "the quick brown fox jumps over the lazy dog. ".repeat(Math.ceil(n / 45)).slice(0, n);
}

interface Case {
  name: string;
  packet: Packet;
}

const cases: Case[] = [
  { name: "small event", packet: { type: PacketType.EVENT, nsp: "/", data: ["chat", "hi"] } },
  { name: "64 KiB JSON", packet: { type: PacketType.EVENT, nsp: "/", data: ["state", largeObject(64 * 1024)] } },
  { name: "512 B string", packet: { type: PacketType.EVENT, nsp: "/", data: ["message", { user: "bob" }, text(512)] } },
  { name: "4 KiB string", packet: { type: PacketType.EVENT, nsp: "/", data: ["message", { user: "bob" }, text(4096)] } },
  { name: "64 KiB string", packet: { type: PacketType.EVENT, nsp: "/", data: ["message", { user: "bob" }, text(65536)] } },
  { name: "1 KiB binary", packet: { type: PacketType.EVENT, nsp: "/", data: ["file", Buffer.alloc(1024, 7)] } },
  { name: "64 KiB binary", packet: { type: PacketType.EVENT, nsp: "/", data: ["file", Buffer.alloc(64 * 1024, 7)] } },
];

const ourEncoder = new Encoder();
const theirEncoder = new upstream.Encoder();
// Decoders are long-lived per client, as on a server; `sink` keeps results observable.
const ourDecoder = new Decoder();
const theirDecoder = new upstream.Decoder();
let sink: unknown;
ourDecoder.on("decoded", (p: unknown) => (sink = p));
theirDecoder.on("decoded", (p: unknown) => (sink = p));

/**
 * Per-task figures. tinybench times every call and awaits between calls, which costs about
 * as much as a small packet; each call therefore runs `batch` operations. Besides wall-clock
 * rate we record process CPU time over the measured run: on a shared machine, time spent
 * descheduled is not ours, so ops per CPU-second is the steadier figure.
 */
interface Measured {
  batch: number;
  calls: number;
  cpuStart: NodeJS.CpuUsage;
  cpuOpsPerSec: number;
}
const measured = new Map<string, Measured>();

function add(bench: Bench, name: string, batch: number, op: () => void): void {
  const m: Measured = { batch, calls: 0, cpuStart: process.cpuUsage(), cpuOpsPerSec: NaN };
  measured.set(name, m);
  bench.add(
    name,
    () => {
      for (let i = 0; i < batch; i++) op();
      m.calls++;
    },
    {
      // Called around warmup and around the run; the run comes last, so its figures stay.
      beforeAll: () => {
        m.calls = 0;
        m.cpuStart = process.cpuUsage();
      },
      afterAll: () => {
        const cpu = process.cpuUsage(m.cpuStart);
        m.cpuOpsPerSec = (m.calls * batch) / ((cpu.user + cpu.system) / 1e6);
      },
    },
  );
}

/** Operations per call, so one call lasts some tens of microseconds at least. */
function batchFor(name: string): number {
  return name.startsWith("64 KiB JSON") || name.startsWith("64 KiB string") ? 1 : 64;
}

async function main(): Promise<void> {
  const bench = new Bench(
    quick ? { time: 60, warmupTime: 20, warmupIterations: 5 } : { time: 500, warmupTime: 150 },
  );
  for (const { name, packet } of cases) {
    const wire = theirEncoder.encode(packet as upstream.Packet) as unknown[];
    // Sanity: same bytes, or the comparison below would be meaningless.
    if (ourEncoder.encode(packet)[0] !== wire[0]) throw new Error(`encoders disagree on ${name}`);
    const batch = batchFor(name);
    add(bench, `encode ${name} | hyperio`, batch, () => {
      const items = ourEncoder.encode(packet);
      sink = Buffer.byteLength(items[0] as string) + items.length;
    });
    add(bench, `encode ${name} | upstream`, batch, () => {
      const items = theirEncoder.encode(packet as upstream.Packet) as unknown[];
      sink = Buffer.byteLength(items[0] as string) + items.length;
    });
    add(bench, `encode ${name} | hyperio encodeOnce`, batch, () => {
      const once = encodeOnce(packet);
      sink = Buffer.byteLength(once.text) + once.attachments.length;
    });
    add(bench, `decode ${name} | hyperio`, batch, () => {
      for (const item of wire) ourDecoder.add(item);
    });
    add(bench, `decode ${name} | upstream`, batch, () => {
      for (const item of wire) theirDecoder.add(item as string);
    });
  }
  await bench.warmup();
  await bench.run();

  const wall = (name: string): number => {
    const task = bench.tasks.find((t) => t.name === name);
    return (task?.result?.hz ?? NaN) * measured.get(name)!.batch;
  };
  const cpu = (name: string): number => measured.get(name)!.cpuOpsPerSec;
  const rows: Record<string, string>[] = [];
  for (const { name } of cases) {
    for (const op of ["encode", "decode"]) {
      const ours = `${op} ${name} | hyperio`;
      const theirs = `${op} ${name} | upstream`;
      const row: Record<string, string> = {
        case: `${op} ${name}`,
        "hyperio ops/cpu-s": fmt(cpu(ours)),
        "upstream ops/cpu-s": fmt(cpu(theirs)),
        ratio: (cpu(ours) / cpu(theirs)).toFixed(2) + "x",
        "wall ratio": (wall(ours) / wall(theirs)).toFixed(2) + "x",
      };
      if (op === "encode") {
        const once = `encode ${name} | hyperio encodeOnce`;
        row["encodeOnce ops/cpu-s"] = fmt(cpu(once));
        row["encodeOnce ratio"] = (cpu(once) / cpu(theirs)).toFixed(2) + "x";
      }
      rows.push(row);
    }
  }
  console.table(rows);
  console.log("ratio = hyperio / upstream (> 1: hyperio faster), from ops per CPU-second of this process");
  if (sink === undefined) throw new Error("benchmark produced nothing");
}

function fmt(n: number): string {
  return n >= 1e6 ? (n / 1e6).toFixed(2) + "M" : n >= 1e3 ? (n / 1e3).toFixed(1) + "k" : n.toFixed(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
