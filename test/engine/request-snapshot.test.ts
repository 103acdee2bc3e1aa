// socket.request on uWS keeps its headers as a list and builds `headers` on first read
// (src/engine/request.ts): what users read must be what upstream engine.io gives on
// node:http, repeated headers, middleware changes and the official client's extra headers
// included.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { connect, startParityEngine, type EngineCreation, type EngineImpl } from "./helpers";

const ENGINES: Array<[EngineImpl, EngineCreation]> = [
  ["upstream", "http"],
  ["hyperio", "port"],
  ["hyperio", "http"],
];

/** The first session's request as user code sees it, after a raw polling handshake. */
async function handshakeView(impl: EngineImpl, creation: EngineCreation): Promise<unknown> {
  const pe = await startParityEngine(impl, creation);
  try {
    // A middleware edits the headers before the handshake (read after it, in "connection").
    pe.engine.use((req: any, _res: unknown, next: () => void) => {
      req.headers["x-added"] = "by middleware";
      next();
    });
    const seen = new Promise<any>((resolve) => pe.engine.once("connection", (socket: any) => resolve(socket.request)));
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        `${pe.url}/engine.io/?EIO=4&transport=polling`,
        { agent: false, headers: { "x-dup": ["a", "b"], cookie: ["a=1", "b=2"], "X-One": "v" } },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      );
      req.on("error", reject);
      req.end();
    });
    const r = await seen;
    const h = r.headers;
    return {
      sameObject: r.headers === h,
      dup: h["x-dup"],
      cookie: h.cookie,
      one: h["x-one"],
      added: h["x-added"],
      host: h.host === `127.0.0.1:${pe.port}`,
      url: r.url,
      query: { ...r._query },
      method: r.method,
      rawHasDupTwice: Array.isArray(r.rawHeaders) && r.rawHeaders.filter((x: string) => x.toLowerCase() === "x-dup").length === 2,
    };
  } finally {
    await pe.close();
  }
}

test("socket.request after a polling handshake: headers (repeats joined, middleware edits), url, query, rawHeaders as upstream", async () => {
  const [ref, ...ours] = await Promise.all(ENGINES.map(([impl, creation]) => handshakeView(impl, creation)));
  assert.equal((ref as any).dup, "a, b", "upstream joins a repeated header");
  assert.equal((ref as any).cookie, "a=1; b=2", "upstream joins cookies with '; '");
  for (const view of ours) assert.deepEqual(view, ref);
});

test("socket.request on a WebSocket session: the official client's extra headers, as upstream", async () => {
  const read = async ([impl, creation]: [EngineImpl, EngineCreation]): Promise<unknown> => {
    const pe = await startParityEngine(impl, creation);
    try {
      const seen = new Promise<any>((resolve) => pe.engine.once("connection", (socket: any) => resolve(socket.request)));
      const client = await connect(pe.url, { transports: ["websocket"], extraHeaders: { "x-one": "v", cookie: "k=1" } });
      const r = await seen;
      client.close();
      return { one: r.headers["x-one"], cookie: r.headers.cookie, upgrade: r.headers.upgrade?.toLowerCase(), key: typeof r.headers["sec-websocket-key"] };
    } finally {
      await pe.close();
    }
  };
  const [ref, ...ours] = await Promise.all(ENGINES.map(read));
  assert.deepEqual(ref, { one: "v", cookie: "k=1", upgrade: "websocket", key: "string" });
  for (const view of ours) assert.deepEqual(view, ref);
});

// Upstream's non-handshake requests carry no remoteAddress of their own (and their socket's
// is gone once closed), so the reference here is hyperio on node:http, which sets it from
// the socket while the request is live.
test("requests of a known session kept by 'headers' and 'connection_error' listeners: remoteAddress read after the response, as on node:http", async () => {
  const read = async ([impl, creation]: [EngineImpl, EngineCreation]): Promise<unknown> => {
    const pe = await startParityEngine(impl, creation);
    try {
      const kept: any[] = [];
      pe.engine.on("headers", (_h: unknown, req: any) => {
        if (req._query.sid) kept.push(req);
      });
      const errors: any[] = [];
      pe.engine.on("connection_error", (err: any) => errors.push(err.req));
      const get = (path: string) =>
        new Promise<number>((resolve, reject) => {
          http.get(`${pe.url}/engine.io/${path}`, { agent: false }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode!));
          }).on("error", reject);
        });
      const open = await new Promise<string>((resolve, reject) => {
        http.get(`${pe.url}/engine.io/?EIO=4&transport=polling`, { agent: false }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve(body));
        }).on("error", reject);
      });
      const sid = JSON.parse(open.slice(1)).sid;
      // The session's first GET returns at once (nothing queued: the server pings later),
      // so have something to send: close it from the server, which answers the poll.
      const poll = get(`?EIO=4&transport=polling&sid=${sid}`);
      setTimeout(() => {
        const c = pe.engine.clients;
        ((c instanceof Map ? [...c.values()] : Object.values(c))[0] as any)?.close();
      }, 50);
      await poll;
      await get(`?EIO=4&transport=polling&sid=unknown-sid`);
      await new Promise((r) => setTimeout(r, 20));
      return {
        kept: kept.map((r) => [r.remoteAddress, r.connection?.remoteAddress ?? r.socket?.remoteAddress]),
        errors: errors.map((r) => r.remoteAddress ?? r.socket?.remoteAddress),
      };
    } finally {
      await pe.close();
    }
  };
  const [uws, node] = await Promise.all(ENGINES.filter(([impl]) => impl === "hyperio").map(read));
  assert.ok((node as any).kept.length > 0 && (node as any).errors.length === 1, JSON.stringify(node));
  // The same peer; the text differs with the listening socket's family (uWS's listen(0) is
  // IPv6: "::ffff:127.0.0.1"; this node:http server is IPv4: "127.0.0.1").
  const loopback = (v: any) => ({ kept: v.kept.map((p: string[]) => p.map((a) => a.replace(/^::ffff:/, ""))), errors: v.errors.map((a: string) => a.replace(/^::ffff:/, "")) });
  assert.deepEqual(loopback(node), { kept: (node as any).kept.map(() => ["127.0.0.1", "127.0.0.1"]), errors: ["127.0.0.1"] });
  assert.deepEqual(loopback(uws), loopback(node));
});
