// Seeded generators of random and adversarial inputs for the native functions, shared by
// the differential test and scripts/native/fuzz.ts.

/** Small fast seeded PRNG (xorshift32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bool(p = 0.5): boolean {
    return this.next() / 0x100000000 < p;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** Sizes that sit on awkward boundaries (base64 quanta, pages, prefixes, powers of two). */
export const BOUNDARY_SIZES: readonly number[] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 63, 64, 65, 125, 126, 127, 128, 255, 256, 257, 1023, 1024,
  1025, 4095, 4096, 4097, 8191, 8192, 8193, 65535, 65536, 65537, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) - 1,
];

const TEXT_SAMPLES = ["4hello", "2", "3", "6", "4", "0{\"sid\":\"x\"}", "4é€😀", "42[\"ev\",{\"a\":1}]", ""];

/** Random text of n bytes mixing ASCII, multi-byte UTF-8 and (optionally) invalid UTF-8. */
export function randomText(rng: Rng, n: number, allowInvalid: boolean): Buffer {
  const out = Buffer.allocUnsafe(n);
  let i = 0;
  while (i < n) {
    const kind = rng.int(10);
    if (kind < 6) out[i++] = 0x20 + rng.int(0x5f);
    else if (kind === 6 && i + 2 <= n) i += out.write("é", i, "utf8");
    else if (kind === 7 && i + 4 <= n) i += out.write("😀", i, "utf8");
    else if (kind === 8 && allowInvalid) out[i++] = 0x80 + rng.int(0x80); // stray / truncated sequences
    else out[i++] = 0x30 + rng.int(10);
  }
  // Never a 0x1e inside a record of the generator itself.
  for (let j = 0; j < n; j++) if (out[j] === 0x1e) out[j] = 0x20;
  return out;
}

/** A binary record ("b" + base64 of n random bytes), sometimes corrupted. */
export function randomBinaryRecord(rng: Rng, n: number, corrupt: boolean): Buffer {
  let b64 = rng.bytes(n).toString("base64");
  if (rng.bool(0.2)) b64 = b64.replace(/=+$/, ""); // unpadded is valid
  if (corrupt) {
    const edits = [
      () => b64 + "=", // bad padding
      () => b64.slice(0, -1), // truncated
      () => b64 + "A", // 4k+1
      () => "=" + b64,
      () => b64.slice(0, b64.length >> 1) + rng.pick(["!", " ", "-", "_", "\n", "é", "=", "\0"]) + b64.slice(b64.length >> 1),
      () => b64.replace(/=*$/, "===" ),
      () => b64 + "==",
    ];
    b64 = rng.pick(edits)();
  }
  return Buffer.concat([Buffer.from("b"), Buffer.from(b64, "utf8")]);
}

/** A polling body of roughly `size` bytes made of random records. */
export function randomPayload(rng: Rng, size: number, adversarial: boolean): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  while (total < size || parts.length === 0) {
    const left = Math.max(0, size - total);
    const n = Math.min(left, rng.pick([0, 1, 2, 3, 5, 17, 125, 1000, 4096, left]));
    let record: Buffer;
    const kind = rng.int(10);
    if (kind < 4) record = Buffer.concat([Buffer.from(rng.pick(["4", "2", "3", "0", "1", "6"])), randomText(rng, n, adversarial)]);
    else if (kind < 7) record = randomBinaryRecord(rng, Math.floor((n * 3) / 4), adversarial && rng.bool(0.3));
    else if (kind < 8) record = Buffer.from(rng.pick(TEXT_SAMPLES));
    else record = randomText(rng, n, adversarial);
    parts.push(record);
    total += record.length + 1;
    if (size === 0) break;
  }
  const joined: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i > 0) joined.push(Buffer.from([0x1e]));
    joined.push(p);
  });
  return Buffer.concat(joined);
}

/** A mutated copy of `input`: byte flips, inserted separators, truncation, splices. */
export function mutate(rng: Rng, input: Buffer): Buffer {
  let out = Buffer.from(input);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const pos = rng.int(out.length + 1);
    switch (rng.int(8)) {
      case 0:
        if (out.length) out[rng.int(out.length)] = rng.next() & 0xff;
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, pos), Buffer.from([0x1e]), out.subarray(pos)]);
        break;
      case 2:
        out = out.subarray(0, pos);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, pos), Buffer.from(rng.pick(["b", "=", "==", "\x1e\x1e", "b\x1e", "\xff", "\xc3", "-", ","]), "latin1"), out.subarray(pos)]);
        break;
      case 4:
        out = out.subarray(pos);
        break;
      case 5:
        if (out.length) out[rng.int(out.length)] = rng.pick([0x1e, 0x62, 0x3d, 0x2f, 0x2c, 0x2d, 0x30, 0x35]);
        break;
      case 6:
        out = Buffer.concat([out, out.subarray(0, pos)]);
        break;
      default:
        out = Buffer.concat([out.subarray(0, pos), rng.bytes(rng.int(8)), out.subarray(pos)]);
    }
  }
  return out;
}

/** Limits to pair with a payload: tight, loose and on the boundaries. */
export function randomLimits(rng: Rng, payload: Buffer): [number, number] {
  const records = payload.length === 0 ? 1 : payload.toString("latin1").split("\x1e").length;
  const maxRecords = rng.pick([0, 1, 2, records - 1, records, records + 1, 1000, 0xffffffff]);
  const maxRecordBytes = rng.pick([0, 1, 4, 16, 125, 4096, payload.length - 1, payload.length, payload.length + 1, 0xffffffff]);
  return [Math.max(0, maxRecords), Math.max(0, maxRecordBytes)];
}

/** An encodePayload argument: strings, binary views of every kind, sometimes a bad element. */
export function randomPackets(rng: Rng, maxSize: number, allowBad: boolean): unknown[] {
  const count = rng.pick([0, 1, 1, 2, 3, 8, 33]);
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const n = rng.int(maxSize + 1);
    switch (rng.int(9)) {
      case 0:
      case 1:
        out.push("4" + randomText(rng, n, false).toString("utf8"));
        break;
      case 2:
        out.push(rng.pick(["", "4\ud800x", "\udc00", "😀", "\0", "4é", "6", "\ud83d"]));
        break;
      case 3:
        out.push(rng.bytes(n));
        break;
      case 4: {
        const b = rng.bytes(n + 8);
        out.push(new Uint8Array(b.buffer, b.byteOffset + 3, n));
        break;
      }
      case 5: {
        const b = rng.bytes(n);
        out.push(b.buffer.slice(b.byteOffset, b.byteOffset + n));
        break;
      }
      case 6:
        out.push(new Float64Array(rng.int(8)));
        break;
      case 7: {
        const b = rng.bytes(n + 2);
        out.push(new DataView(b.buffer, b.byteOffset + 1, n));
        break;
      }
      default:
        out.push(allowBad && rng.bool(0.3) ? rng.pick([null, undefined, 42, {}, [], Symbol("x")]) : "4" + "a".repeat(n));
    }
  }
  return out;
}

/** Units a JSON string check must tell apart: escapes, quotes, surrogate halves and their neighbours. */
const JSON_EDGE_UNITS = [0x00, 0x09, 0x1f, 0x20, 0x22, 0x2f, 0x5c, 0x7f, 0xe9, 0x2028, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffe];

/**
 * A string of about n units, mostly plain (so the check runs to the end) with, at a random
 * density, JSON-relevant units and surrogate pairs at random offsets; rarely not a string.
 */
export function randomJsonString(rng: Rng, n: number): string {
  const units = new Array<number>(n);
  const density = rng.pick([0, 0, 0.0005, 0.01, 0.3]);
  for (let i = 0; i < n; i++) {
    if (!rng.bool(density)) units[i] = rng.bool(0.9) ? 0x61 + rng.int(26) : rng.pick([0x4e2d, 0xe9, 0x20]);
    else if (rng.bool(0.5) && i + 1 < n) {
      units[i++] = 0xd800 + rng.int(0x400); // a well-formed pair
      units[i] = 0xdc00 + rng.int(0x400);
    } else units[i] = rng.pick(JSON_EDGE_UNITS);
  }
  let s = "";
  for (let i = 0; i < n; i += 8192) s += String.fromCharCode(...units.slice(i, i + 8192));
  return s;
}
