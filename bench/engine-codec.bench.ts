// Engine.IO polling payload codec: hyperio vs upstream engine.io-parser.
//
// A payload here is what one long-polling response or POST carries: 4 message packets of
// the given size, text or binary (binary travels as "b" + base64 in v4 polling).
// Encode results are passed through Buffer.byteLength, as any HTTP write must do: V8 builds
// concatenated strings lazily (ropes), so without it an encoder that concatenates would look
// free and pay the cost later, inside the write.
//
//   npx tsx bench/engine-codec.bench.ts           # ~20 s
//   npx tsx bench/engine-codec.bench.ts --quick   # ~2 s smoke run
import { Bench } from "tinybench";
import * as upstream from "engine.io-parser";
import { decodePayload, encodePayload, Packet } from "../src/parser/engine-io";

const quick = process.argv.includes("--quick");
const SIZES: Array<[string, number]> = [
  ["5 B", 5],
  ["125 B", 125],
  ["4 KiB", 4096],
  ["64 KiB", 65536],
];
const PACKETS_PER_PAYLOAD = 4;

function makePackets(kind: "text" | "binary", size: number): Packet[] {
  const out: Packet[] = [];
  for (let i = 0; i < PACKETS_PER_PAYLOAD; i++) {
    if (kind === "text") {
      out.push({ type: "message", data: "abcdefghij".repeat(Math.ceil(size / 10)).slice(0, size) });
    } else {
      const b = Buffer.alloc(size);
      for (let j = 0; j < size; j++) b[j] = (j * 31 + i) & 0xff;
      out.push({ type: "message", data: b });
    }
  }
  return out;
}

function upstreamEncode(packets: Packet[]): string {
  let out = "";
  // engine.io-parser calls back synchronously in Node.
  upstream.encodePayload(packets as upstream.Packet[], (s) => {
    out = s;
  });
  return out;
}

interface Row {
  op: string;
  kind: string;
  size: string;
  hyperio: number;
  upstream: number;
}

// Each task runs ROUNDS times, the rounds interleaved, and the median is reported: on a
// shared machine a burst of foreign load then skews one sample, not the whole comparison.
const ROUNDS = quick ? 1 : 5;

async function main(): Promise<void> {
  const rows: Row[] = [];
  const samples = new Map<string, number[]>();
  let sink = 0;
  const bench = new Bench({ time: quick ? 25 : 60, warmupTime: quick ? 5 : 30, warmupIterations: quick ? 5 : 20 });
  for (const kind of ["text", "binary"] as const) {
    for (const [label, size] of SIZES) {
      const packets = makePackets(kind, size);
      const encoded = encodePayload(packets);
      if (encoded !== upstreamEncode(packets)) throw new Error(`encoders disagree for ${kind} ${label}`);
      const key = `${kind} ${label}`;
      bench
        .add(`encode ${key} hyperio`, () => {
          sink += Buffer.byteLength(encodePayload(packets));
        })
        .add(`encode ${key} upstream`, () => {
          sink += Buffer.byteLength(upstreamEncode(packets));
        })
        .add(`decode ${key} hyperio`, () => {
          sink += decodePayload(encoded).length;
        })
        .add(`decode ${key} upstream`, () => {
          sink += upstream.decodePayload(encoded, "nodebuffer").length;
        });
      for (const op of ["encode", "decode"]) rows.push({ op, kind, size: label, hyperio: 0, upstream: 0 });
    }
  }
  await bench.warmup();
  for (let round = 0; round < ROUNDS; round++) {
    await bench.run();
    for (const task of bench.tasks) {
      const list = samples.get(task.name) ?? [];
      list.push(task.result?.hz ?? 0);
      samples.set(task.name, list);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [name, hz] of samples) {
    const [op, kind, size, unit, impl] = name.split(" ");
    const row = rows.find((r) => r.op === op && r.kind === kind && r.size === `${size} ${unit}`)!;
    row[impl as "hyperio" | "upstream"] = median(hz);
  }
  const fmt = (hz: number): string => (hz >= 1e6 ? `${(hz / 1e6).toFixed(2)} M` : `${(hz / 1e3).toFixed(1)} k`);
  console.log(
    `Engine.IO polling payloads (${PACKETS_PER_PAYLOAD} packets each), ops/s (median of ${ROUNDS}), ` +
      `${quick ? "quick" : "full"} run, node ${process.version}`,
  );
  console.table(
    rows.map((r) => ({
      op: r.op,
      payload: `${r.kind} ${r.size}`,
      "hyperio ops/s": fmt(r.hyperio),
      "upstream ops/s": fmt(r.upstream),
      "hyperio / upstream": `${(r.hyperio / r.upstream).toFixed(2)}x`,
    })),
  );
  if (sink === 42) console.log("");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
