// Random + mutation fuzzing of every src/native function: the addon and the twin get the
// same inputs and must return identical results or throw identical errors (name, code,
// message). Any mismatch or crash is a bug; the first mismatches are written out.
//
//   npx tsx scripts/native/fuzz.ts [inputsPerFunction=10000] [seed=1]
//   nice -n 19 npx tsx scripts/native/fuzz.ts 1000000        # the long run
//
// HYPERIO_NATIVE_PATH selects another addon build (e.g. the ASan one).
import { writeFileSync } from "node:fs";
import { calls, differ, type Call } from "../../test/native/compare";
import { native } from "../../test/native/impls";
import { twin } from "../../src/native/twin";
import {
  BOUNDARY_SIZES,
  Rng,
  mutate,
  randomLimits,
  randomPackets,
  randomJsonString,
  randomPayload,
} from "../../test/native/inputs";

const perFunction = Number(process.argv[2] ?? 10000);
const seed = Number(process.argv[3] ?? 1);
if (native.skip) {
  console.error(`fuzz: ${native.skip}`);
  process.exit(2);
}

interface Failure {
  fn: string;
  index: number;
  input: string;
  native: unknown;
  twin: unknown;
}

const failures: Failure[] = [];
const stats: Record<string, Record<string, number>> = {};

// A corpus of interesting payloads to mutate, grown with inputs that produced new outcomes.
const corpus: Buffer[] = [Buffer.from("4hello\x1ebAQID\x1e2"), Buffer.from("b"), Buffer.alloc(0), Buffer.from("\x1e\x1e")];

function sizeFor(rng: Rng, i: number): number {
  // Mostly small (fast, many shapes), regularly a boundary size, rarely large.
  if (i % 5000 === 0) return rng.pick(BOUNDARY_SIZES);
  if (i % 97 === 0) return rng.int(70000);
  return rng.int(rng.pick([8, 64, 300, 2000]));
}

function record(fn: string, index: number, call: Call, describe: () => string): void {
  const r = differ(native.fns, twin, call);
  // A yes/no function shows both answers, so a fuzz that never reaches one of them shows.
  const key = "error" in r.a ? String(r.a.error.code) : typeof r.a.ok === "boolean" ? String(r.a.ok) : "ok";
  const byFn = (stats[fn] ??= {});
  byFn[key] = (byFn[key] ?? 0) + 1;
  if (!r.same && failures.length < 50) {
    failures.push({ fn, index, input: describe(), native: r.a, twin: r.b });
  }
}

const show = (b: Uint8Array) => Buffer.from(b).toString("base64");

function fuzzPayloads(): void {
  const fn = "decodePayload";
  const rng = new Rng(seed * 7919);
  for (let i = 0; i < perFunction; i++) {
    let body: Buffer;
    if (rng.bool(0.5) && corpus.length) body = mutate(rng, rng.pick(corpus));
    else body = randomPayload(rng, sizeFor(rng, i), rng.bool(0.7));
    if (body.length < 512 && corpus.length < 4096 && i % 64 === 0) corpus.push(body);
    const [r, b] = rng.bool(0.3) ? [0xffffffff, 0xffffffff] : randomLimits(rng, body);
    record(fn, i, calls[fn](body, r, b), () => `${fn}(base64 ${show(body)}, ${r}, ${b})`);
  }
}

function fuzzEncode(): void {
  const rng = new Rng(seed * 104729);
  for (let i = 0; i < perFunction; i++) {
    const packets = randomPackets(rng, i % 500 === 0 ? 70000 : rng.pick([0, 4, 64, 1100]), true);
    record("encodePayload", i, calls.encodePayload(packets), () => {
      const shown = packets.map((p) =>
        typeof p === "string" ? JSON.stringify(p.slice(0, 200)) : ArrayBuffer.isView(p) ? `${p.constructor.name}(${p.byteLength})` : String(p),
      );
      return `encodePayload([${shown.join(", ")}])`;
    });
  }
}

function fuzzJsonStrings(): void {
  const rng = new Rng(seed * 32452843);
  for (let i = 0; i < perFunction; i++) {
    const input: unknown = rng.bool(0.002) ? rng.pick([undefined, 7, null, {}, Buffer.from("a")]) : randomJsonString(rng, sizeFor(rng, i));
    record("jsonStringIsPlain", i, (f) => f.jsonStringIsPlain(input as string), () =>
      typeof input === "string" ? `jsonStringIsPlain(${JSON.stringify(input.slice(0, 300))}, length ${input.length})` : `jsonStringIsPlain(${String(input)})`,
    );
  }
}

const started = Date.now();
for (const [name, run] of [
  ["decodePayload", fuzzPayloads],
  ["encodePayload", fuzzEncode],
  ["jsonStringIsPlain", fuzzJsonStrings],
] as const) {
  const t = Date.now();
  run();
  console.log(`${name.padEnd(17)} ${perFunction} inputs, ${((Date.now() - t) / 1000).toFixed(1)} s, outcomes ${JSON.stringify(stats[name])}`);
}
console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s, ${failures.length} mismatches (seed ${seed})`);
if (failures.length) {
  const file = `fuzz-failures-${seed}.json`;
  writeFileSync(file, JSON.stringify(failures, null, 2));
  for (const f of failures.slice(0, 3)) console.log(JSON.stringify(f).slice(0, 600));
  console.log(`details in ${file}`);
  process.exit(1);
}
