// The k6 scripts (loadtest/k6): they type-check against @types/k6, their library's
// declarations are current, and they run end to end against hyperio AND upstream socket.io 4.8,
// both speaking the load-test convention (servers/sio-app.ts):
// - under the Node stand-in for `k6 run` (test/loadtest-tools/k6-shim), always, which checks
//   the scripts' own logic (handshake, joins, driver, acks, thresholds, exit 99), directly and
//   through the compare runner (loadtest/k6/runner/compare.ts, which takes any k6 command);
// - under real k6 when a `k6` binary is on the PATH (it cannot be installed on the shared
//   development machines, so there these tests are skipped with a message).
// Thresholds are loosened (P95_MS) for the passing runs: these tests assert behaviour, not speed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { envBool, envInt, envNumber, envPayload, envString, parseDurationMs } from "../../loadtest/k6/lib/config.js";
import { compareK6, formatK6Comparison, k6Available, parseScripts, type K6RunResult } from "../../loadtest/k6/runner/compare";
import { startConventionServer, type ConventionServer } from "./convention-server";

const root = join(__dirname, "..", "..");
const tsc = require.resolve("typescript/bin/tsc");
const SHIM = join(__dirname, "k6-shim", "k6");
const SCRIPTS = ["ws-echo.js", "ws-fanout.js", "polling.js"] as const;
const IMPLS = ["hyperio", "upstream"] as const;
type Impl = (typeof IMPLS)[number];

const K6_SKIP = k6Available("k6")
  ? false
  : "k6 binary not found on PATH (it cannot be installed on these machines); the scripts still ran under the Node shim above";

interface RunOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runShim(script: string, env: Record<string, string>): Promise<RunOutcome> {
  const args = ["run"];
  for (const [key, value] of Object.entries(env)) args.push("-e", `${key}=${value}`);
  args.push(join("loadtest/k6", script));
  return new Promise((resolve, reject) => {
    const child = spawn(SHIM, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface ShimSummary {
  thresholds: Record<string, Record<string, boolean>>;
  metrics: Record<string, { count: number; rate: number; p95: number }>;
}

function shimSummary(outcome: RunOutcome): ShimSummary {
  const last = outcome.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as ShimSummary;
  } catch {
    throw new Error(`no shim summary; exit ${outcome.code}\nstdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`);
  }
}

const servers = new Map<Impl, ConventionServer>();
const shimRuns = new Map<string, Promise<RunOutcome>>();
let compareRun: Promise<K6RunResult[]>;
let realRun: Promise<K6RunResult[]> | undefined;

before(async () => {
  for (const impl of IMPLS) servers.set(impl, await startConventionServer(impl));
  // All shim runs go at once (tiny: 2 VUs, 2 s) so the file stays short.
  const common = { VUS: "2", DURATION: "2s", P95_MS: "60000", WARMUP_MS: "300" };
  for (const impl of IMPLS) {
    // fan-out broadcasts only between its warm-up and drain: a longer session, so a slow
    // connect on a loaded machine still leaves broadcasts to count.
    for (const script of SCRIPTS) {
      const duration = script === "ws-fanout.js" ? { DURATION: "4s" } : {};
      shimRuns.set(`${script} ${impl}`, runShim(script, { ...common, ...duration, TARGET: servers.get(impl)!.url }));
    }
  }
  shimRuns.set("strict", runShim("ws-echo.js", { ...common, DURATION: "1s", P95_MS: "0", TARGET: servers.get("hyperio")!.url }));
  // The compare runner with the shim as its k6: its own server processes (hyperio from src/ via tsx).
  compareRun = compareK6({
    servers: ["hyperio", "upstream-ws"],
    scripts: ["ws-echo"],
    env: { VUS: "1", DURATION: "1s", P95_MS: "60000" },
    k6: SHIM,
    hyperioCode: "tsx",
  });
  // Real k6, when installed: every script against both servers, one after the other.
  if (!K6_SKIP) {
    realRun = compareK6({
      servers: ["hyperio", "upstream-ws"],
      scripts: parseScripts("ws-echo,ws-fanout,polling"),
      env: { VUS: "3", DURATION: "3s", P95_MS: "60000" },
      k6: "k6",
      hyperioCode: "tsx",
    });
  }
});

after(async () => {
  await Promise.allSettled([...shimRuns.values(), compareRun, realRun]);
  for (const s of servers.values()) await s.close();
});

test("k6 scripts type-check against @types/k6 (tsc -p loadtest/k6)", { timeout: 60_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [tsc, "-p", "loadtest/k6"], { cwd: root }).catch(
    (err: { stdout?: string; message: string }) => {
      throw new Error(`tsc -p loadtest/k6 failed:\n${err.stdout ?? err.message}`);
    },
  );
  assert.equal(stdout.trim(), "");
});

test("lib/*.d.ts match the JSDoc in lib/*.js (node loadtest/k6/build-types.mjs --check)", { timeout: 60_000 }, async () => {
  await promisify(execFile)(process.execPath, ["loadtest/k6/build-types.mjs", "--check"], { cwd: root }).catch(
    (err: { stderr?: string; message: string }) => {
      throw new Error(err.stderr || err.message);
    },
  );
});

test("config: durations and __ENV settings parse, bad values name the variable", () => {
  assert.equal(parseDurationMs("5s"), 5000);
  assert.equal(parseDurationMs("1m30s"), 90_000);
  assert.equal(parseDurationMs("250ms"), 250);
  assert.equal(parseDurationMs("1.5h"), 5_400_000);
  assert.throws(() => parseDurationMs("5"), /duration must/);
  assert.throws(() => parseDurationMs("5s!"), /duration must/);
  const env = { VUS: "4", BAD: "x", NEG: "-1", YES: "true", HALF: "0.5", PAYLOAD: "4KiB" };
  assert.equal(envInt(env, "VUS", 1, 1), 4);
  assert.equal(envInt(env, "MISSING", 7), 7);
  assert.throws(() => envInt(env, "BAD", 1), /BAD must be an integer/);
  assert.throws(() => envInt(env, "NEG", 1), /NEG must be an integer >= 0/);
  assert.equal(envNumber(env, "HALF", 1), 0.5);
  assert.equal(envBool(env, "YES", false), true);
  assert.throws(() => envBool(env, "BAD", false), /BAD must be 1\/0/);
  assert.equal(envString(env, "TARGET", "http://127.0.0.1:3000"), "http://127.0.0.1:3000");
  assert.equal(envPayload(env, "PAYLOAD", "small"), "4KiB");
  assert.equal(envPayload(env, "MISSING", "small"), "small");
  assert.throws(() => envPayload(env, "BAD", "small"), /BAD must be one of small, 4KiB/);
});

for (const impl of IMPLS) {
  test(`shim: ws-echo.js against ${impl} gets acks that echo the payload`, { timeout: 90_000 }, async () => {
    const outcome = await shimRuns.get(`ws-echo.js ${impl}`)!;
    const summary = shimSummary(outcome);
    assert.equal(outcome.code, 0, JSON.stringify(summary.thresholds) + outcome.stderr);
    assert.ok(summary.metrics.echo_acks.count > 0);
    assert.equal(summary.metrics.checks.rate, 1);
    assert.equal(summary.metrics.socketio_connected.rate, 1);
  });

  test(`shim: ws-fanout.js against ${impl} joins every VU and delivers the broadcasts it asked for`, { timeout: 90_000 }, async () => {
    const outcome = await shimRuns.get(`ws-fanout.js ${impl}`)!;
    const summary = shimSummary(outcome);
    assert.equal(outcome.code, 0, JSON.stringify(summary.thresholds) + outcome.stderr);
    const requested = summary.metrics.fanout_messages_requested.count;
    assert.ok(requested > 0);
    // Each of the 2 VUs receives at most every broadcast requested (a late joiner misses some);
    // the checks (payload size, rising sequence numbers) all held.
    assert.ok(summary.metrics.fanout_deliveries.count > 0, JSON.stringify(summary.metrics));
    assert.ok(summary.metrics.fanout_deliveries.count <= 2 * requested, JSON.stringify(summary.metrics));
    assert.ok(summary.metrics.fanout_broadcast_ack.count > 0);
    assert.equal(summary.metrics.checks.rate, 1);
  });

  test(`shim: polling.js against ${impl} carries the sid through POST/GET and gets acks`, { timeout: 90_000 }, async () => {
    const outcome = await shimRuns.get(`polling.js ${impl}`)!;
    const summary = shimSummary(outcome);
    assert.equal(outcome.code, 0, JSON.stringify(summary.thresholds) + outcome.stderr);
    assert.ok(summary.metrics.polling_acks.count > 0);
    assert.ok(summary.metrics.polling_sessions.count > 0);
    assert.equal(summary.metrics.http_req_failed.rate, 0);
  });
}

test("shim: a threshold that cannot hold fails the run with exit 99", { timeout: 90_000 }, async () => {
  const outcome = await shimRuns.get("strict")!;
  const summary = shimSummary(outcome);
  assert.equal(outcome.code, 99);
  assert.equal(summary.thresholds.echo_ack_rtt["p(95)<0"], false);
  assert.equal(summary.thresholds.echo_acks["count>0"], true);
});

test("compare runner: ws-echo against hyperio and upstream server processes, side by side", { timeout: 90_000 }, async () => {
  assert.ok(k6Available(SHIM), "the shim answers `k6 version`, as the runner probes k6");
  const results = await compareRun;
  assert.deepEqual(results.map((r) => r.server), ["hyperio", "upstream-ws"]);
  for (const r of results) {
    assert.equal(r.exitCode, 0, `${r.server}: ${r.stderr}`);
    assert.ok(r.ops > 0 && r.p50Ms >= 0 && r.p95Ms >= r.p50Ms, JSON.stringify(r));
    assert.equal(r.checksRate, 1);
    assert.equal(r.errors, 0);
    assert.ok(r.serverCpuUs > 0, JSON.stringify(r));
  }
  const table = formatK6Comparison(results);
  assert.match(table, /\| hyperio \| 0 \|/);
  assert.match(table, /\| upstream-ws \| 0 \| .* \| 1\.00× \|/);
});

// Real k6: exit code 0 means every threshold held (each script requires its main counter > 0
// and zero protocol errors). Only long-standing flags are used (`run`, `-e`, `--out json=`).
test("k6 run: every script against hyperio and upstream", { skip: K6_SKIP, timeout: 120_000 }, async () => {
  const results = await realRun!;
  for (const r of results) {
    assert.equal(r.exitCode, 0, `${r.script} against ${r.server}: k6 exited ${r.exitCode}\n${r.stderr}`);
    assert.ok(r.ops > 0, JSON.stringify(r));
  }
});
