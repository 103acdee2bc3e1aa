// Native addon vs its TypeScript twin vs upstream engine.io-parser, for every function in
// src/native, at 5 B, 125 B, (1 KiB,) 4 KiB, 64 KiB and 1 MiB, text and binary; and the
// polling decode as the engine runs it (payload-bytes.ts: native vs hyperio's string codec,
// 1 KiB to 1 MiB), which sets POLLING_NATIVE_MIN_BYTES_DECODE.
//
//   npx tsx bench/native-codec.bench.ts           # ~25 s
//   npx tsx bench/native-codec.bench.ts --quick   # smoke run, a few seconds
//   npx tsx bench/native-codec.bench.ts --only=encodePayload   # one function
//
// ns/op (median) per implementation; "twin/nat" > 1 means native is faster than the twin, "up/nat"
// likewise against upstream, "str/nat" against the string codec (polling decode rows). Each task repeats its call enough times per sample that
// tinybench's per-sample timer overhead does not swamp the small sizes. The last lines say,
// per function, from which size native is >= 1.5x faster than the twin (the bar for the
// hot path); those sizes are the NATIVE_MIN_* constants in src/native/thresholds.ts. For the
// polling decode they say from which size native beats the string codec.
import { Bench } from "tinybench";
import * as eio from "engine.io-parser";
import { findAddon, loadAddon } from "../src/native/loader";
import { nativeInfo } from "../src/native";
import { twin } from "../src/native/twin";
import type { NativeFunctions } from "../src/native/types";
import { decodePayloadBytes } from "../src/parser/engine-io/payload-bytes";

const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const SIZES: Array<[string, number]> = [
  ["5B", 5],
  ["125B", 125],
  ["1KiB", 1024], // not one of the target sizes: locates the crossover between 125 B and 4 KiB
  ["4KiB", 4096],
  ["64KiB", 65536],
  ["1MiB", 1 << 20],
];
const BAR = 1.5;

// The file src/native's loader picks (HYPERIO_NATIVE_PATH, build/Release, prebuilds/).
const addonPath = findAddon();
let native: NativeFunctions | undefined;
try {
  if (addonPath === undefined) throw new Error("no addon built or prebuilt");
  native = loadAddon(addonPath);
  console.log(`native addon: ${addonPath}`);
} catch (err) {
  console.log(`native addon not loadable (${(err as Error).message.split("\n")[0]}): twin and upstream only`);
}
/** Polling decode sizes: around the threshold, and past the string codec's cliff at 128 KiB. */
const POLLING_SIZES: Array<[string, number]> = [
  ["1KiB", 1024],
  ["4KiB", 4096],
  ["16KiB", 16384],
  ["64KiB", 65536],
  ["256KiB", 1 << 18],
  ["1MiB", 1 << 20],
];

function repsFor(bytes: number): number {
  return Math.max(1, Math.min(500, Math.floor(20000 / Math.max(bytes, 1))));
}

/** Deterministic ASCII with some multi-byte characters, exactly `n` bytes. */
function text(n: number, multiByte: boolean): string {
  const unit = multiByte ? "héllo wörld " : "hello world "; // 14 or 12 bytes
  const unitBytes = Buffer.byteLength(unit);
  const s = unit.repeat(Math.floor(n / unitBytes));
  return s + "x".repeat(n - Buffer.byteLength(s));
}

function bytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + 7) & 0xff;
  return b;
}

type Impl = "native" | "twin" | "upstream" | "string";

interface Case {
  fn: string;
  shape: string;
  size: string;
  bytes: number;
  run: Partial<Record<Impl, () => unknown>>;
}

const cases: Case[] = [];
const sink: unknown[] = [];

for (const [label, size] of SIZES) {
  // --- decodePayload ----------------------------------------------------------------------
  // text: one message record of `size` bytes; many: 40-byte records; binary: one "b" record
  // whose decoded data is `size` bytes.
  const textBody = Buffer.from("4" + text(Math.max(0, size - 1), true));
  const manyBody = Buffer.from(
    Array.from({ length: Math.max(1, Math.floor(size / 41)) }, (_, i) => "4" + text(39, i % 2 === 0)).join("\x1e"),
  );
  const binBody = Buffer.from("b" + bytes(size).toString("base64"));
  for (const [shape, body] of [["text", textBody], ["text x40B", manyBody], ["binary", binBody]] as const) {
    if (shape === "text x40B" && size < 4096) continue;
    const decode = (f: NativeFunctions) => () => f.decodePayload(body, 0xffffffff, 0xffffffff);
    cases.push({
      fn: "decodePayload",
      shape,
      size: label,
      bytes: body.length,
      run: {
        native: native && decode(native),
        twin: decode(twin),
        upstream: () => eio.decodePayload(body.toString("utf8"), "nodebuffer"),
      },
    });
  }

  // --- encodePayload --------------------------------------------------------------------
  const textPackets = ["4" + text(Math.max(0, size - 1), true)];
  const manyPackets = Array.from({ length: Math.max(1, Math.floor(size / 41)) }, (_, i) => "4" + text(39, i % 2 === 0));
  const binPackets = [bytes(size)];
  for (const [shape, packets] of [["text", textPackets], ["text x40B", manyPackets], ["binary", binPackets]] as const) {
    if (shape === "text x40B" && size < 4096) continue;
    const upstreamPackets = packets.map((p) =>
      typeof p === "string" ? { type: "message" as const, data: p.slice(1) } : { type: "message" as const, data: p },
    );
    const encode = (f: NativeFunctions) => () => f.encodePayload(packets);
    cases.push({
      fn: "encodePayload",
      shape,
      size: label,
      bytes: size,
      run: {
        native: native && encode(native),
        twin: encode(twin),
        // upstream builds a string; the transport then writes it as UTF-8 bytes
        upstream: () => eio.encodePayload(upstreamPackets as never, (s: string) => sink.push(Buffer.from(s))),
      },
    });
  }

  // --- jsonStringIsPlain ------------------------------------------------------------------
  // A string argument of `size` characters (ASCII, then two-byte CJK); upstream encoders
  // call JSON.stringify on it, which is what the check replaces when it says "plain".
  for (const [shape, s] of [["ascii", text(size, false)], ["cjk", "日本語テキスト".repeat(Math.ceil(size / 7)).slice(0, size)]] as const) {
    const plain = (f: NativeFunctions) => () => f.jsonStringIsPlain(s);
    cases.push({
      fn: "jsonStringIsPlain",
      shape,
      size: label,
      bytes: s.length,
      run: { native: native && plain(native), twin: plain(twin), upstream: () => JSON.stringify(s) },
    });
  }
}

// --- polling decode (payload-bytes.ts) ---------------------------------------------------
// What the engine does with a POST body: native (forced, whatever the thresholds) against
// the string codec (payload.ts on body.toString()), as packets either way. ascii: one record
// of ASCII text; text: with two-byte characters; text x40B: 40-byte records; binary: one
// "b" record; mixed x4KiB: 4 KiB records of each kind in turn.
if (nativeInfo.native) {
  for (const [label, size] of POLLING_SIZES) {
    const bodies: Array<[string, Buffer]> = [
      ["ascii", Buffer.from("4" + text(size - 1, false))],
      ["text", Buffer.from("4" + text(size - 1, true))],
      ["text x40B", Buffer.from(Array.from({ length: Math.floor(size / 41) }, (_, i) => "4" + text(39, i % 2 === 0)).join("\x1e"))],
      ["binary", Buffer.from("b" + bytes(size).toString("base64"))],
    ];
    // Records of ~4 KiB (POLLING_NATIVE_MIN_AVG_RECORD_BYTES), ASCII, two-byte text and binary in turn.
    if (size >= 16384) {
      const records = Array.from({ length: size / 4096 }, (_, i) =>
        i % 3 === 0 ? "4" + text(4095, false) : i % 3 === 1 ? "4" + text(4095, true) : "b" + bytes(3069).toString("base64"),
      );
      bodies.push(["mixed x4KiB", Buffer.from(records.join("\x1e"))]);
    }
    for (const [shape, body] of bodies) {
      cases.push({
        fn: "polling decode",
        shape,
        size: label,
        bytes: body.length,
        run: {
          native: () => decodePayloadBytes(body, { nativeMinBytes: 0, nativeMinAvgRecordBytes: 0 }),
          string: () => decodePayloadBytes(body, { nativeMinBytes: Infinity }),
          upstream: () => eio.decodePayload(body.toString("utf8"), "nodebuffer"),
        },
      });
    }
  }
}

interface Row {
  c: Case;
  ns: Partial<Record<Impl, number>>;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.length ? sorted[sorted.length >> 1] : NaN;
}

// Two rounds per case, the second in reverse task order; each implementation keeps its
// better median. Medians and the best round keep other tenants of a shared machine (and
// GC pauses) from deciding the ratios.
async function measure(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of cases) {
    if (only && c.fn !== only) continue;
    const reps = repsFor(c.bytes);
    const row: Row = { c, ns: {} };
    const entries = Object.entries(c.run).filter(([, fn]) => fn !== undefined) as Array<[string, () => unknown]>;
    for (const order of [entries, [...entries].reverse()]) {
      const bench = new Bench(
        quick ? { time: 4, warmupTime: 2, iterations: 3, warmupIterations: 2 } : { time: 50, warmupTime: 10 },
      );
      for (const [impl, fn] of order) {
        bench.add(impl, () => {
          for (let i = 0; i < reps; i++) sink[0] = fn();
        });
      }
      await bench.warmup();
      await bench.run();
      for (const task of bench.tasks) {
        if (task.result?.error) throw task.result.error;
        const ns = (median(task.result?.samples ?? []) * 1e6) / reps;
        const key = task.name as keyof Row["ns"];
        row.ns[key] = Math.min(row.ns[key] ?? Infinity, ns);
      }
      sink.length = 1;
    }
    rows.push(row);
  }
  return rows;
}

function fmt(ns: number | undefined): string {
  if (ns === undefined || Number.isNaN(ns)) return "-";
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)}ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)}us`;
  return `${ns.toFixed(0)}ns`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? "-" : (a / b).toFixed(2);
}

async function main(): Promise<void> {
  const started = Date.now();
  const rows = await measure();
  const header = ["function", "shape", "size", "native", "twin", "string", "upstream", "twin/nat", "str/nat", "up/nat"];
  const table = rows.map(({ c, ns }) => [
    c.fn,
    c.shape,
    c.size,
    fmt(ns.native),
    fmt(ns.twin),
    fmt(ns.string),
    fmt(ns.upstream),
    ratio(ns.twin, ns.native),
    ratio(ns.string, ns.native),
    ratio(ns.upstream, ns.native),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const r of table) console.log(line(r));

  if (native) {
    console.log(`\nnative >= ${BAR}x faster than the twin (polling decode: than the string codec), per function and shape, from which size on:`);
    const groups = new Map<string, Row[]>();
    for (const r of rows) {
      const key = `${r.c.fn} ${r.c.shape}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const [key, group] of groups) {
      // smallest size from which every larger size also clears the bar
      let from: string | undefined;
      for (let i = group.length - 1; i >= 0; i--) {
        const r = group[i];
        const other = r.c.fn === "polling decode" ? r.ns.string : r.ns.twin;
        if ((other ?? 0) / (r.ns.native ?? Infinity) >= BAR) from = r.c.size;
        else break;
      }
      console.log(`  ${key.padEnd(30)} ${from ? `from ${from}` : "never"}`);
    }
  }
  console.log(`\n(${quick ? "quick" : "full"} run, ${((Date.now() - started) / 1000).toFixed(1)} s, node ${process.version})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
