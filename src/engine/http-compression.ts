// gzip/deflate for polling responses above a size threshold (option `httpCompression`).
import zlib from "node:zlib";

export type ContentEncoding = "gzip" | "deflate";

/** The encodings of polling responses, in the server's order of preference. */
const POLLING_ENCODINGS: readonly ContentEncoding[] = ["gzip", "deflate"];

/**
 * Picks, among `offered` (listed in the server's order of preference), the content coding
 * the client prefers by its Accept-Encoding header; undefined means send it unencoded.
 *
 * The order is the one upstream socket.io and engine.io get from the `accepts` package, so
 * the same header picks the same coding: the highest q wins; at equal q an encoding named
 * in the header beats one matched only by "*"; then the one the client listed first; then
 * the server's order. q=0 (or an unreadable q) excludes. A missing header, or one naming
 * none of `offered`, gets no encoding. Example: "gzip, deflate, br" (what browsers send)
 * picks gzip from ["br", "gzip", "deflate"]; "br" alone picks br.
 */
export function preferredEncoding<T extends string>(acceptEncoding: string | undefined, offered: readonly T[]): T | undefined {
  if (!acceptEncoding) return undefined;
  // Per offered encoding: its q, whether it was named (not just "*"), and the position of
  // the entry that decided it.
  const q = new Array<number>(offered.length).fill(0);
  const named = new Array<boolean>(offered.length).fill(false);
  const order = new Array<number>(offered.length).fill(-1);
  const entries = acceptEncoding.split(",");
  for (let pos = 0; pos < entries.length; pos++) {
    const params = entries[pos].split(";");
    const name = params[0].trim().toLowerCase();
    if (!name) continue;
    let weight = 1;
    for (let i = 1; i < params.length; i++) {
      const eq = params[i].indexOf("=");
      if (eq !== -1 && params[i].slice(0, eq).trim().toLowerCase() === "q") {
        weight = Number.parseFloat(params[i].slice(eq + 1).trim());
        if (!(weight > 0)) weight = 0;
      }
    }
    const star = name === "*";
    for (let i = 0; i < offered.length; i++) {
      if (!star && offered[i] !== name) continue;
      // An explicit entry always beats "*"; among entries of the same kind, the higher q.
      const better = star
        ? !named[i] && (order[i] === -1 || weight > q[i])
        : !named[i] || weight > q[i];
      if (better) {
        q[i] = weight;
        named[i] = !star;
        order[i] = pos;
      }
    }
  }
  let best = -1;
  for (let i = 0; i < offered.length; i++) {
    if (!(q[i] > 0)) continue;
    if (
      best === -1 ||
      q[i] > q[best] ||
      (q[i] === q[best] && (named[i] && !named[best] || (named[i] === named[best] && order[i] < order[best])))
    ) {
      best = i;
    }
  }
  return best === -1 ? undefined : offered[best];
}

/**
 * Picks gzip or deflate for a polling response (option `httpCompression`), as upstream
 * engine.io does for the same Accept-Encoding. Returns undefined when neither is acceptable.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding | undefined {
  return preferredEncoding(acceptEncoding, POLLING_ENCODINGS);
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
