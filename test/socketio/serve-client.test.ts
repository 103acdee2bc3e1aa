// The client bundles served at <path>/socket.io*.js on both backends, with ETag / 304,
// and without disturbing the engine's own requests under the same path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest } from "node:http";
import { connected, httpGet, start, type Backend } from "./helpers";

const clientPkg = require.resolve("socket.io-client/package.json");
const version = JSON.parse(readFileSync(clientPkg, "utf8")).version as string;
const dist = join(dirname(clientPkg), "dist");

for (const backend of ["uws", "node"] as Backend[]) {
  test(`serves client bundles with ETag and 304 (${backend})`, async () => {
    const h = await start(backend);
    try {
      const base = `http://127.0.0.1:${h.port}/socket.io`;
      for (const file of ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js", "socket.io.js.map", "socket.io.min.js.map", "socket.io.esm.min.js.map"]) {
        const res = await httpGet(`${base}/${file}`);
        assert.equal(res.status, 200, file);
        assert.equal(res.headers.etag, `"${version}"`);
        assert.match(String(res.headers["content-type"]), file.endsWith(".map") ? /application\/json/ : /application\/javascript/);
        assert.equal(res.headers["content-encoding"], undefined);
        assert.ok(res.body.equals(readFileSync(join(dist, file))), `${file} content`);
      }
      const cached = await httpGet(`${base}/socket.io.js`, { "if-none-match": `"${version}"` });
      assert.equal(cached.status, 304);
      assert.equal(cached.body.length, 0);
      const weak = await httpGet(`${base}/socket.io.js`, { "if-none-match": `W/"${version}"` });
      assert.equal(weak.status, 304);
      const stale = await httpGet(`${base}/socket.io.js`, { "if-none-match": `"0.0.0"` });
      assert.equal(stale.status, 200);
      // compressed form
      const gz = await httpGet(`${base}/socket.io.min.js`, { "accept-encoding": "gzip" });
      assert.equal(gz.headers["content-encoding"], "gzip");
      assert.ok(gunzipSync(gz.body).equals(readFileSync(join(dist, "socket.io.min.js"))));
      // other files are not served; the engine still works on the same path
      const other = await httpGet(`${base}/package.json`);
      assert.notEqual(other.status, 200);
      const c = h.client("/", { transports: ["polling"] });
      await connected(c);
    } finally {
      await h.cleanup();
    }
  });

  test(`serveClient: false serves nothing (${backend})`, async () => {
    const h = await start(backend, { serveClient: false });
    try {
      const res = await httpGet(`http://127.0.0.1:${h.port}/socket.io/socket.io.js`);
      assert.notEqual(res.status, 200);
    } finally {
      await h.cleanup();
    }
  });
}

/** A request over a fresh connection: status and the CORS-related headers only. */
function corsView(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => {
        const picked: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(res.headers)) if (k.startsWith("access-control-") || k === "vary") picked[k] = v;
        resolve({ status: res.statusCode ?? 0, headers: picked });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const CORS_CASES: Array<Record<string, unknown>> = [
  {},
  { origin: "https://a.example", credentials: true },
  { origin: ["https://a.example", /\.b\.example$/], exposedHeaders: ["x-a"], maxAge: 600, methods: ["GET", "POST"] },
  { origin: (o: string | undefined, cb: (e: Error | null, ok?: boolean) => void) => cb(null, o === "https://a.example") },
];

/** What a browser sees for the bundle under each `cors` setting: GET and preflight, allowed and foreign origins. */
async function corsObservations(port: number): Promise<unknown[]> {
  const url = `http://127.0.0.1:${port}/socket.io/socket.io.min.js`;
  const out: unknown[] = [];
  for (const origin of ["https://a.example", "https://x.b.example", "https://evil.example"]) {
    out.push(await corsView(url, "GET", { origin }));
    out.push(await corsView(url, "OPTIONS", { origin, "access-control-request-method": "GET", "access-control-request-headers": "x-custom" }));
  }
  out.push(await corsView(url, "GET", {}));
  // the engine's own preflight on the same path still reaches the engine
  out.push(await corsView(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`, "OPTIONS", { origin: "https://a.example", "access-control-request-method": "POST" }));
  return out;
}

test("client bundle CORS headers match socket.io's (node backend) and the uWS backend's", async () => {
  const { Server: UpstreamServer } = await import("socket.io");
  for (const cors of CORS_CASES) {
    const results: unknown[][] = [];
    for (const kind of ["upstream", "node", "uws"] as const) {
      if (kind === "upstream") {
        const httpServer = createHttpServer();
        const io = new UpstreamServer(httpServer, { cors: cors as any });
        await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
        try {
          results.push(await corsObservations((httpServer.address() as { port: number }).port));
        } finally {
          await io.close();
        }
      } else {
        const h = await start(kind, { cors });
        try {
          results.push(await corsObservations(h.port));
        } finally {
          await h.cleanup();
        }
      }
    }
    assert.deepEqual(results[1], results[0], `node backend, cors ${JSON.stringify(cors)}`);
    assert.deepEqual(results[2], results[0], `uws backend, cors ${JSON.stringify(cors)}`);
  }
});

for (const backend of ["uws", "node"] as Backend[]) {
  test(`client bundle has no CORS headers without the cors option (${backend})`, async () => {
    const h = await start(backend);
    try {
      const res = await corsView(`http://127.0.0.1:${h.port}/socket.io/socket.io.js`, "GET", { origin: "https://a.example" });
      assert.deepEqual(res, { status: 200, headers: {} });
    } finally {
      await h.cleanup();
    }
  });
}

/** The encoding a bundle is served with for `acceptEncoding`, and whether it decodes to the file. */
async function encodingView(port: number, acceptEncoding: string | undefined): Promise<{ status: number; encoding: unknown; intact: boolean }> {
  const file = "socket.io.min.js";
  const res = await httpGet(`http://127.0.0.1:${port}/socket.io/${file}`, acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding });
  const encoding = res.headers["content-encoding"];
  const decode = encoding === "br" ? brotliDecompressSync : encoding === "gzip" ? gunzipSync : encoding === "deflate" ? inflateSync : (b: Buffer) => b;
  return { status: res.status, encoding, intact: decode(res.body).equals(readFileSync(join(dist, file))) };
}

const ACCEPT_ENCODINGS = [undefined, "gzip, deflate, br", "br", "gzip", "deflate", "br;q=0.5, gzip", "gzip;q=0, br", "*", "identity", "br, gzip"];

test("client bundle encoding matches socket.io's for each Accept-Encoding (node and uWS backends)", async () => {
  const results = await observeOnEach(async (port) => {
    const out: unknown[] = [];
    for (const ae of ACCEPT_ENCODINGS) out.push(await encodingView(port, ae));
    return out;
  });
  // What upstream picks, stated for the header browsers send: gzip, not br.
  assert.equal((results.upstream[1] as { encoding: unknown }).encoding, "gzip");
  assert.deepEqual(results.node, results.upstream, "node backend");
  assert.deepEqual(results.uws, results.upstream, "uWS backend");
});

/**
 * Runs `probe` against upstream socket.io on node:http and against hyperio on each backend,
 * one server at a time, and returns what each answered.
 */
async function observeOnEach(probe: (port: number) => Promise<unknown[]>): Promise<Record<"upstream" | "node" | "uws", unknown[]>> {
  const { Server: UpstreamServer } = await import("socket.io");
  const results = {} as Record<"upstream" | "node" | "uws", unknown[]>;
  for (const kind of ["upstream", "node", "uws"] as const) {
    if (kind === "upstream") {
      const httpServer = createHttpServer();
      const io = new UpstreamServer(httpServer);
      await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
      try {
        results[kind] = await probe((httpServer.address() as { port: number }).port);
      } finally {
        await io.close();
      }
    } else {
      const h = await start(kind);
      try {
        results[kind] = await probe(h.port);
      } finally {
        await h.cleanup();
      }
    }
  }
  return results;
}

/** Status, type and body size of a bundle request with `method`, on a fresh connection. */
function methodView(port: number, method: string): Promise<{ status: number; type: unknown; bodyBytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path: "/socket.io/socket.io.js", agent: false }, (res) => {
      let bodyBytes = 0;
      res.on("data", (c: Buffer) => (bodyBytes += c.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], bodyBytes }));
    });
    req.on("error", reject);
    req.end(method === "POST" ? "x" : undefined);
  });
}

test("client bundle answers HEAD, POST and OPTIONS (no cors) as socket.io does (node and uWS backends)", async () => {
  const methods = ["GET", "HEAD", "POST", "OPTIONS"];
  const results = await observeOnEach(async (port) => {
    const out: unknown[] = [];
    for (const m of methods) out.push(await methodView(port, m));
    return out;
  });
  assert.equal((results.upstream[1] as { status: number }).status, 200);
  assert.deepEqual(results.node, results.upstream, "node backend");
  assert.deepEqual(results.uws, results.upstream, "uWS backend");
});

for (const backend of ["uws", "node"] as Backend[]) {
  test(`a HEAD of the bundle leaves a keep-alive connection usable (${backend})`, async () => {
    const h = await start(backend);
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    try {
      const send = (method: string) =>
        new Promise<{ reused: boolean; status: number; body: Buffer }>((resolve, reject) => {
          const req = httpRequest({ host: "127.0.0.1", port: h.port, method, path: "/socket.io/socket.io.js", agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ reused: req.reusedSocket, status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          });
          req.on("error", reject);
          req.end();
        });
      const head = await send("HEAD");
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      const get = await send("GET");
      assert.equal(get.reused, true, "the GET went over the HEAD's connection");
      assert.ok(get.body.equals(readFileSync(join(dist, "socket.io.js"))));
    } finally {
      agent.destroy();
      await h.cleanup();
    }
  });
}
