// The built package (dist/, produced by `npm run build`, which `npm test` runs first) must
// load both ways a user writes it: require("hyperio") and import from "hyperio", and the
// same for the `hyperio/engine` subpath. Run in child processes so the package resolves
// through its own package.json "exports", exactly as it does for a user.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

function run(code: string, type: "commonjs" | "module"): string {
  const args = type === "module" ? ["--input-type=module", "-e", code] : ["-e", code];
  return execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }).trim();
}

test("dist/ is built (npm test builds it first)", () => {
  assert.ok(existsSync(join(root, "dist", "src", "index.js")), "run `npm run build` first");
});

test('require("hyperio") exposes Server', () => {
  assert.equal(run('console.log(typeof require("hyperio").Server)', "commonjs"), "function");
});

test('import { Server } from "hyperio" works', () => {
  assert.equal(run('import { Server } from "hyperio"; console.log(typeof Server)', "module"), "function");
});

test('"hyperio/engine" loads both ways', () => {
  assert.equal(run('console.log(typeof require("hyperio/engine").Server)', "commonjs"), "function");
  assert.equal(run('import { Server } from "hyperio/engine"; console.log(typeof Server)', "module"), "function");
});

// socket.io's module is callable: `require("socket.io")(port | httpServer, opts)` returns a
// Server, with `Server`, `Namespace` and `Socket` as properties. hyperio's is too, and carries
// every other export as well.
test('require("hyperio") is callable like require("socket.io"), with the exports as properties', () => {
  const shape = (mod: string) =>
    run(
      `const m = require(${JSON.stringify(mod)});
       const io = m({ serveClient: false });
       console.log(JSON.stringify({
         callable: typeof m,
         isServer: io instanceof m.Server,
         classes: ["Server", "Namespace", "Socket"].map((k) => typeof m[k]),
       }));`,
      "commonjs",
    );
  assert.equal(shape("hyperio"), shape("socket.io"));
  assert.deepEqual(JSON.parse(shape("hyperio")), { callable: "function", isServer: true, classes: ["function", "function", "function"] });
  const more = run(
    `const m = require("hyperio");
     console.log(["BroadcastOperator", "RemoteSocket", "ParentNamespace", "Adapter", "createServer", "loadUws"].map((k) => typeof m[k]).join(","), m.default === m);`,
    "commonjs",
  );
  assert.equal(more, "function,function,function,function,function,function true");
});

test('require("hyperio")(0) listens, io.httpServer reports the port, close() lets the process exit', () => {
  const out = run(
    `const io = require("hyperio")(0);
     const port = io.httpServer.address().port;
     io.close(() => console.log(Number.isInteger(port) && port > 0, io.port === port));`,
    "commonjs",
  );
  assert.equal(out, "true true");
});

test('import io from "hyperio": the default export is the callable module', () => {
  const out = run(
    `import io, { Server, Namespace } from "hyperio";
     const server = io({ serveClient: false });
     console.log(typeof io, server instanceof Server, io.Server === Server, io.Namespace === Namespace);
     await server.close();`,
    "module",
  );
  assert.equal(out, "function true true true");
});
