// Remote addresses as Node reports them. uWS hands out the raw 4 or 16 address bytes (its
// text form is the uncompressed "0000:...:ffff:7f00:0001"); `socket.request.remoteAddress`
// and socket.io's `handshake.address` must read as on node:http ("::ffff:127.0.0.1", "::1",
// "2001:db8::1"), so both backends, and code written for upstream, see the same string.
//
// The text follows libuv's inet_ntop (what Node's `socket.remoteAddress` goes through):
// lower-case hex without leading zeros; the first longest run of two or more zero groups
// becomes "::"; an address whose first 96 bits are zero (IPv4-compatible) or that is
// ::ffff:a.b.c.d (IPv4-mapped) ends in dotted IPv4.

/**
 * Formats 4 (IPv4) or 16 (IPv6) raw address bytes as Node would. Any other length (uWS
 * gives an empty buffer for a socket it cannot query) yields "".
 *
 * @example
 * formatAddress(new Uint8Array([0,0,0,0,0,0,0,0,0,0,255,255,127,0,0,1])) // "::ffff:127.0.0.1"
 */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) return "";
  const words = new Array<number>(8);
  for (let i = 0; i < 8; i++) words[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
  // First longest run of zero words, if at least two long.
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      // "::" stands for the whole run (and ends the text when the run reaches the end).
      out += "::";
      i += bestLen - 1;
      continue;
    }
    const sep = i === 0 || out.endsWith(":") ? "" : ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      return `${out}${sep}${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
    }
    out += sep;
    out += words[i].toString(16);
  }
  return out;
}

/** Formats the ArrayBuffer uWS returns from `getRemoteAddress()`. */
export function formatUwsAddress(raw: ArrayBuffer): string {
  return formatAddress(new Uint8Array(raw));
}
