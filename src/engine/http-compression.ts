// gzip/deflate for polling responses above a size threshold (option `httpCompression`).
import zlib from "node:zlib";

export type ContentEncoding = "gzip" | "deflate";

/**
 * Picks gzip or deflate from an Accept-Encoding header, honouring q=0 exclusions and "*".
 * Returns undefined when neither is acceptable.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const q: Record<string, number> = {};
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (name) q[name.trim()] = Number.isFinite(weight) ? weight : 0;
  }
  const star = q["*"];
  const gzip = q["gzip"] ?? star ?? 0;
  const deflate = q["deflate"] ?? star ?? 0;
  if (gzip <= 0 && deflate <= 0) return undefined;
  return gzip >= deflate ? "gzip" : "deflate";
}

/** Compresses off the main thread (zlib's pool) and calls back once. */
export function compress(
  data: string | Buffer,
  encoding: ContentEncoding,
  level: number | undefined,
  cb: (err: Error | null, out?: Buffer) => void,
): void {
  const opts = level === undefined ? {} : { level };
  if (encoding === "gzip") zlib.gzip(data, opts, cb);
  else zlib.deflate(data, opts, cb);
}
