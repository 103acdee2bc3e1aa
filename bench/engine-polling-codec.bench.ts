// The polling path's codec on its real inputs: a POST body Buffer to decode, packets to
// encode for a response. Compares the string codec (payload.ts, what the engine used to do
// for every size), the byte codec the engine uses now (payload-bytes.ts: native above its
// thresholds), and the src/native functions alone (addon, twin). The decode threshold
// (POLLING_NATIVE_MIN_BYTES_DECODE) is set from bench/native-codec.bench.ts's "polling
// decode" rows, which compare the same two paths.
//
// "string" for encode includes Buffer.from(result), standing for the UTF-8 conversion any
// HTTP write of a string performs.
//
//   npx tsx bench/engine-polling-codec.bench.ts           # ~40 s
//   npx tsx bench/engine-polling-codec.bench.ts --quick   # smoke run, a few seconds
import { Bench } from "tinybench";
import { nativeInfo, twin, decodePayload as nativeDecode, encodePayload as nativeEncode } from "../src/native";
import {
  decodePayload,
  decodePayloadBytes,
  encodePacket,
  encodePayload,
  encodePayloadWire,
  Packet,
} from "../src/parser/engine-io";

const quick = process.argv.includes("--quick");
const RECORDS = 4;
const SIZES = quick ? [125, 16384] : [125, 1024, 4096, 8192, 16384, 32000, 32768, 65536];

type Kind = "ascii" | "text" | "binary" | "many";

/**
 * ascii: JSON-like ASCII text; text: text with some 2-byte characters; binary: bytes; many:
 * the same total as the others but in 37-byte events (a client that queued many emits).
 */
function makePackets(kind: Kind, size: number): Packet[] {
  const out: Packet[] = [];
  if (kind === "many") {
    for (let i = 0; i < Math.max(1, Math.floor((size * RECORDS) / 38)); i++) {
      out.push({ type: "message", data: '2["m",{"a":1,"text":"hello world"}]' });
    }
    return out;
  }
  for (let i = 0; i < RECORDS; i++) {
    const unit = kind === "ascii" ? '{"hello":1} ' : "hello wörld ";
    out.push(
      kind === "binary"
        ? { type: "message", data: Buffer.from(Array.from({ length: size }, (_, j) => (j * 31 + i) & 0xff)) }
        : { type: "message", data: unit.repeat(Math.ceil(size / 12)).slice(0, size) },
    );
  }
  return out;
}

const toRecords = (recs: Array<string | Buffer>): number => recs.length;

async function main(): Promise<void> {
  const bench = new Bench({ time: quick ? 20 : 120, warmupTime: quick ? 5 : 30 });
  let sink = 0;
  for (const kind of ["ascii", "text", "binary", "many"] as const) {
    for (const size of SIZES) {
      const packets = makePackets(kind, size);
      const body = Buffer.from(encodePayload(packets));
      const encoded = packets.map((p) => (typeof p.data === "string" ? (encodePacket(p, false) as string) : p.data!));
      const key = kind === "many" ? `many ${packets.length}x37 (${body.length} B)` : `${kind} ${size}x${RECORDS} (${body.length} B)`;
      bench
        .add(`decode|${key}|string`, () => {
          sink += decodePayload(body.toString("utf8")).length;
        })
        .add(`decode|${key}|engine`, () => {
          sink += decodePayloadBytes(body).length;
        })
        .add(`decode|${key}|twin`, () => {
          sink += toRecords(twin.decodePayload(body, 1e6, 1e7));
        })
        .add(`encode|${key}|string`, () => {
          sink += Buffer.from(encodePayload(packets)).length;
        })
        .add(`encode|${key}|engine`, () => {
          const w = encodePayloadWire(packets);
          sink += typeof w === "string" ? Buffer.from(w).length : w.length;
        })
        .add(`encode|${key}|twin`, () => {
          sink += twin.encodePayload(encoded).length;
        });
      if (nativeInfo.native) {
        bench
          .add(`decode|${key}|native`, () => {
            sink += toRecords(nativeDecode(body, 1e6, 1e7));
          })
          .add(`encode|${key}|native`, () => {
            sink += nativeEncode(encoded).length;
          });
      }
    }
  }
  await bench.run();
  const rows = new Map<string, Record<string, string>>();
  for (const t of bench.tasks) {
    const [op, key, impl] = t.name.split("|");
    const row = rows.get(op + key) ?? { op, payload: key };
    row[`${impl} µs`] = (1e6 / (t.result?.hz ?? NaN)).toFixed(2);
    rows.set(op + key, row);
  }
  console.log(`polling codec, µs/op, node ${process.version}, ${nativeInfo.native ? "addon loaded" : nativeInfo.reason}`);
  console.table([...rows.values()]);
  if (sink === 42) console.log("");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
