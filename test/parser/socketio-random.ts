// Seeded random packet data for the Socket.IO codec's differential tests: nested objects and
// arrays, awkward unicode, numbers JSON cannot represent, binary of every kind at any depth,
// Dates, toJSON objects, class instances and other values JSON.stringify treats specially.

/** mulberry32: a tiny deterministic PRNG, so a failing seed can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "a", "Z", "0", " ", '"', "\\", "/", "\n", "\t", "\u0000", "\u001f", "\u007f", "\u2028", "\u2029",
  "é", "ß", "中", "文", "😀", "👩‍👩‍👧", "\ud800", "\udfff", "\ud83d", ",", "[", "{", "}", "]", ":",
  "_placeholder", "num", "-", "42",
];
const KEYS = ["a", "b", "key", "", "1", "0", "10", "-1", "constructor", "toString", "valueOf", "_placeholder", "num", "ключ", "😀", "a b", "\u0000"];

class Point {
  constructor(public x: number, public y: number) {}
  get sum(): number {
    return this.x + this.y;
  }
}

/** Generates values for the codec; `binary` = false keeps the data JSON-only. */
export class RandomData {
  constructor(readonly next: () => number, private readonly binary = true) {}

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  string(max = 12): string {
    let s = "";
    const len = this.int(max);
    for (let i = 0; i < len; i++) {
      s += this.next() < 0.5 ? String.fromCharCode(32 + this.int(95)) : this.pick(PIECES);
    }
    return s;
  }

  number(): number {
    switch (this.int(8)) {
      case 0: return this.int(1000);
      case 1: return -this.int(1e9);
      case 2: return (this.next() - 0.5) * 1e6;
      case 3: return this.pick([0, -0, NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324, Number.MAX_VALUE]);
      case 4: return Number.MAX_SAFE_INTEGER - this.int(3);
      default: return this.next();
    }
  }

  binaryValue(): unknown {
    const bytes = Uint8Array.from({ length: this.int(40) }, () => this.int(256));
    switch (this.int(6)) {
      case 0: return Buffer.from(bytes);
      case 1: return bytes.buffer;
      case 2: return bytes;
      case 3: return new Uint8Array(Buffer.concat([Buffer.from([1, 2, 3]), bytes]).buffer, 3, bytes.length);
      case 4: return new Float64Array(this.int(4));
      default: return new DataView(bytes.buffer);
    }
  }

  leaf(): unknown {
    switch (this.int(10)) {
      case 0: return null;
      case 1: return undefined;
      case 2: return this.next() < 0.5;
      case 3: case 4: return this.number();
      default: return this.string();
    }
  }

  special(depth: number): unknown {
    switch (this.int(9)) {
      case 0: return new Date(this.int(2) ? this.int(2e12) : NaN);
      case 1: {
        const inner = this.value(depth + 1);
        return { toJSON: () => inner };
      }
      case 2: {
        const inner = this.value(depth + 1);
        return { extra: 1, nested: { toJSON: () => ({ toJSON: () => "never", v: inner }) } };
      }
      case 3: return new Point(this.int(10), this.int(10));
      case 4: return new Map([["k", 1]]);
      case 5: return () => 1;
      case 6: return Symbol("s");
      case 7: return [, 1, , this.leaf()]; // eslint-disable-line no-sparse-arrays
      default: return Object.assign(Object.create({ inherited: 1 }), { own: this.leaf() });
    }
  }

  value(depth = 0): unknown {
    const r = this.next();
    if (this.binary && r < 0.12) return this.binaryValue();
    if (depth > 4 || r < 0.45) return this.leaf();
    if (r < 0.55) return this.special(depth);
    if (r < 0.78) return Array.from({ length: this.int(6) }, () => this.value(depth + 1));
    const obj: Record<string, unknown> = {};
    const n = this.int(6);
    for (let i = 0; i < n; i++) obj[this.next() < 0.6 ? this.pick(KEYS) : this.string(6)] = this.value(depth + 1);
    return obj;
  }

  /** A valid EVENT argument list: a non-reserved event name then random arguments. */
  eventArgs(): unknown[] {
    const args: unknown[] = [this.next() < 0.9 ? "ev" + this.string(5) : this.int(100)];
    const n = this.int(5);
    for (let i = 0; i < n; i++) args.push(this.value(1));
    return args;
  }

  namespace(): string {
    return this.pick(["/", "/", "/chat", "/a/b", "/ünï", "/with space", ""]);
  }
}
