// socket.request.remoteAddress reads the same on both backends, and as Node formats it.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { Server } from "../../src/engine";
import { formatAddress } from "../../src/engine/remote-address";
import { parseQuery } from "../../src/engine/request";
import { connect, expectIdle, nextConnection } from "./helpers";

function nodeFormat(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex").match(/.{4}/g)!.join(":");
  return new net.SocketAddress({ address: hex, family: "ipv6" }).address;
}

test("formatAddress matches Node's own formatting (net.SocketAddress) on IPv6 addresses", () => {
  const cases: number[][] = [
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4],
    [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 2, 3, 4],
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
    [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0],
  ];
  // Random addresses with many zero words, so every run length and position shows up.
  for (let n = 0; n < 3000; n++) {
    const b = randomBytes(16);
    const zeros = randomBytes(1)[0];
    for (let w = 0; w < 8; w++) if (zeros & (1 << w)) b[2 * w] = b[2 * w + 1] = 0;
    if (n % 7 === 0) b.fill(0, 0, 10), (b[10] = b[11] = 0xff);
    cases.push([...b]);
  }
  for (const c of cases) {
    const bytes = Uint8Array.from(c);
    assert.equal(formatAddress(bytes), nodeFormat(bytes), Buffer.from(bytes).toString("hex"));
  }
  assert.equal(formatAddress(Uint8Array.from([127, 0, 0, 1])), "127.0.0.1");
  assert.equal(formatAddress(new Uint8Array(0)), "");
});

/** Runs one session on each backend, the server bound to `host`, and returns their remote addresses. */
async function addressesOnBothBackends(host: string, clientHost: string): Promise<{ uws: string[]; node: string[] }> {
  const read = async (engine: Server, url: string, transports: string[]): Promise<string[]> => {
    const conn = nextConnection(engine);
    const client = await connect(url, { transports });
    const socket = await conn;
    const r = socket.request;
    client.close();
    await once(socket, "close");
    await expectIdle(engine);
    return [r.remoteAddress, r.connection.remoteAddress, socket.remoteAddress];
  };
  const out = { uws: [] as string[], node: [] as string[] };
  const uwsEngine = new Server();
  const uwsPort = await uwsEngine.listen(0, { host });
  try {
    for (const t of ["polling", "websocket"]) {
      out.uws.push(...(await read(uwsEngine, `http://${clientHost}:${uwsPort}`, [t])));
    }
  } finally {
    uwsEngine.close();
  }
  const httpServer = http.createServer();
  const nodeEngine = new Server();
  nodeEngine.attach(httpServer);
  httpServer.listen(0, host);
  await once(httpServer, "listening");
  const nodePort = (httpServer.address() as net.AddressInfo).port;
  try {
    for (const t of ["polling", "websocket"]) {
      out.node.push(...(await read(nodeEngine, `http://${clientHost}:${nodePort}`, [t])));
    }
  } finally {
    nodeEngine.close();
    httpServer.closeAllConnections();
    await new Promise((r) => httpServer.close(r));
  }
  return out;
}

for (const [label, host, clientHost, expected] of [
  ["IPv4 socket", "127.0.0.1", "127.0.0.1", "127.0.0.1"],
  ["IPv6 socket, IPv4 client (v4-mapped)", "::ffff:127.0.0.1", "127.0.0.1", "::ffff:127.0.0.1"],
  ["IPv6 socket, IPv6 client", "::1", "[::1]", "::1"],
] as const) {
  test(`request.remoteAddress, ${label}: "${expected}" on uWS and node:http alike`, async () => {
    const got = await addressesOnBothBackends(host, clientHost);
    assert.deepEqual(got.node, Array(6).fill(expected), "node:http reports it so");
    assert.deepEqual(got.uws, got.node);
  });
}

test("parseQuery (the request snapshot's `_query`) = URLSearchParams, last value wins", () => {
  const reference = (raw: string): Record<string, string> => {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
    return out;
  };
  const cases = ["", "&", "&&", "=", "a", "a=", "=b", "a=1&a=2", "a=1&&b=2&", "a==b", "EIO=4&transport=polling&t=x&sid=abc", "a=%zz", "a=%41+b", "__proto__=1&constructor=2"];
  const chars = "ab=&%+4 é";
  let seed = 3;
  for (let i = 0; i < 2000; i++) {
    let s = "";
    const len = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 12;
    for (let j = 0; j < len; j++) s += chars[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % chars.length];
    cases.push(s);
  }
  for (const c of cases) assert.deepEqual(parseQuery(c), reference(c), JSON.stringify(c));
});
