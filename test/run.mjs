// Runs every test/**/*.test.ts file with Node's test runner (Node 20 has no glob
// support in `node --test`), loading TypeScript through tsx.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const filter = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...collect(full));
    else if (name.endsWith(".test.ts")) out.push(relative(root, full));
  }
  return out;
}

let files = collect(join(root, "test"));
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error("test/run.mjs: no test files matched");
  process.exit(1);
}
function run(list, env) {
  return spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...list], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  }).status ?? 1;
}

let status = run(files, {});
// The whole suite, not a chosen file: the Socket.IO suite once more with 2 I/O threads behind
// every listen(port) (`ioThreads`, set through HYPERIO_IO_THREADS), so the threaded backend
// keeps passing what the single thread passes.
if (filter.length === 0) {
  const socketio = files.filter((f) => f.startsWith(join("test", "socketio") + "/"));
  console.log(`\ntest/run.mjs: ${socketio.length} Socket.IO test files again with HYPERIO_IO_THREADS=2`);
  status = run(socketio, { HYPERIO_IO_THREADS: "2" }) || status;
}
process.exit(status);
