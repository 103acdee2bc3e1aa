// The client bundles served at <path>/socket.io*.js on both backends, with ETag / 304,
// and without disturbing the engine's own requests under the same path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
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
