// Runs the k6 scripts against several servers in one go and prints them side by side: for
// each script and server, a fresh server process (the harness's, with the load-test
// convention's handlers), one `k6 run` against it, the script's main metric from k6's JSON
// output, and the server's CPU over the k6 run from /proc.
//
//   npx tsx loadtest/k6/runner/compare.ts                                # all scripts, hyperio vs upstream
//   npx tsx loadtest/k6/runner/compare.ts --scripts ws-echo --servers hyperio,upstream,upstream-uws -e VUS=50 -e DURATION=30s
// Options: --servers LIST (hyperio,upstream), --scripts LIST (ws-echo,ws-fanout,polling),
// -e NAME=value (passed to every k6 run), --k6 PATH (k6), --hyperio-code build|tsx (build),
// --json. Without k6 on the PATH it says so and exits 2; `--k6 test/loadtest-tools/k6-shim/k6`
// runs the scripts under the repository's Node stand-in instead, which checks the scripts
// and the servers but measures nothing about k6 (its client CPU is not k6's).
// Exit status 1 when a k6 run failed (a threshold, or k6 itself).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fmtRate, fmtRatio, fmtUs } from "../../report/format";
import { parseHyperioCode, parseServers, TargetLauncher, type HyperioCode, type ToolServer } from "./targets";

const K6_DIR = join(__dirname, "..");

/** Each script's main latency metric and the counter of operations it measures. */
export const SCRIPTS = {
  "ws-echo": { latency: "echo_ack_rtt", ops: "echo_acks", op: "ack", opPlural: "acks" },
  "ws-fanout": { latency: "fanout_delivery_delay", ops: "fanout_deliveries", op: "delivery", opPlural: "deliveries" },
  polling: { latency: "polling_ack_rtt", ops: "polling_acks", op: "ack", opPlural: "acks" },
} as const;
export type ScriptName = keyof typeof SCRIPTS;

export interface K6CompareOptions {
  servers: ToolServer[];
  scripts: ScriptName[];
  /** -e settings for every run (TARGET is set per server). */
  env: Record<string, string>;
  /** The k6 executable. */
  k6: string;
  hyperioCode: HyperioCode;
}

export interface K6RunResult {
  script: ScriptName;
  server: ToolServer;
  exitCode: number | null;
  /** The main metric, ms. */
  p50Ms: number;
  p95Ms: number;
  ops: number;
  checksRate: number;
  errors: number;
  /** Wall time of the k6 process, ms. */
  wallMs: number;
  /** Server CPU over the k6 run (connects and handshakes included), µs. */
  serverCpuUs: number;
  /** k6's stderr tail when it failed. */
  stderr: string;
}

export function parseScripts(list: string): ScriptName[] {
  return list.split(",").map((s) => s.trim().replace(/\.js$/, "")).filter(Boolean).map((name) => {
    if (!(name in SCRIPTS)) throw new Error(`unknown script "${name}": use ${Object.keys(SCRIPTS).join(", ")}`);
    return name as ScriptName;
  });
}

/** true when `k6 version` runs. */
export function k6Available(k6: string): boolean {
  const probe = spawnSync(k6, ["version"], { encoding: "utf8" });
  return !probe.error && probe.status === 0;
}

interface MetricValues {
  values: number[];
}

/** Reads k6's `--out json` file: every Point's value, by metric. */
export function readK6Json(path: string): Map<string, MetricValues> {
  const metrics = new Map<string, MetricValues>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.includes('"type":"Point"')) continue; // Metric lines carry their type inside "data"
    const point = JSON.parse(line) as { metric: string; data: { value: number } };
    let m = metrics.get(point.metric);
    if (!m) metrics.set(point.metric, (m = { values: [] }));
    m.values.push(point.data.value);
  }
  return metrics;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
}

const sum = (v: number[] | undefined): number => (v ?? []).reduce((a, b) => a + b, 0);

function runProcess(cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stderr }));
  });
}

/** One k6 run of `script` against a fresh `server`. */
async function runOne(launcher: TargetLauncher, o: K6CompareOptions, script: ScriptName, server: ToolServer, dir: string): Promise<K6RunResult> {
  const target = await launcher.start(server);
  const out = join(dir, `${script}-${server}.json`);
  const args = ["run"];
  for (const [key, value] of Object.entries({ ...o.env, TARGET: target.url })) args.push("-e", `${key}=${value}`);
  args.push("--out", `json=${out}`, join(K6_DIR, `${script}.js`));
  try {
    const cpu0 = target.cpuUs();
    const t0 = Date.now();
    const { code, stderr } = await runProcess(o.k6, args);
    const wallMs = Date.now() - t0;
    const serverCpuUs = target.cpuUs() - cpu0;
    const metrics = readK6Json(out);
    const spec = SCRIPTS[script];
    const latency = (metrics.get(spec.latency)?.values ?? []).sort((a, b) => a - b);
    const checks = metrics.get("checks")?.values ?? [];
    return {
      script,
      server,
      exitCode: code,
      p50Ms: quantile(latency, 0.5),
      p95Ms: quantile(latency, 0.95),
      ops: sum(metrics.get(spec.ops)?.values),
      checksRate: checks.length ? sum(checks) / checks.length : NaN,
      errors: sum(metrics.get("socketio_errors")?.values),
      wallMs,
      serverCpuUs,
      stderr: code === 0 ? "" : stderr,
    };
  } finally {
    await target.stop();
  }
}

/** Every script against every server, one after the other (never two loads at once on the machine). */
export async function compareK6(o: K6CompareOptions): Promise<K6RunResult[]> {
  const launcher = new TargetLauncher(o.hyperioCode);
  const dir = mkdtempSync(join(tmpdir(), "k6-compare-"));
  const results: K6RunResult[] = [];
  try {
    for (const script of o.scripts) for (const server of o.servers) results.push(await runOne(launcher, o, script, server, dir));
  } finally {
    launcher.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Markdown tables, one per script; `× upstream` divides server CPU per op by upstream-ws's. */
export function formatK6Comparison(results: K6RunResult[]): string {
  const lines: string[] = [];
  for (const script of [...new Set(results.map((r) => r.script))]) {
    const rows = results.filter((r) => r.script === script);
    const spec = SCRIPTS[script];
    const ref = rows.find((r) => r.server === "upstream-ws" && r.exitCode === 0 && r.ops > 0);
    const perOp = (r: K6RunResult) => (r.ops > 0 ? r.serverCpuUs / r.ops : NaN);
    lines.push(`### ${script}.js: ${spec.latency} (ms), server CPU per ${spec.op}`, "");
    lines.push(`| server | k6 exit | ${spec.opPlural} | ${spec.opPlural}/s | p50 | p95 | srv CPU/${spec.op} | CPU × upstream | checks | errors |`);
    lines.push("|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
      lines.push(
        `| ${r.server} | ${r.exitCode} | ${r.ops} | ${fmtRate((r.ops * 1000) / r.wallMs)} | ${r.p50Ms.toFixed(2)} | ${r.p95Ms.toFixed(2)} | ${fmtUs(perOp(r))} | ${ref ? fmtRatio(perOp(r) / perOp(ref)) : "–"} | ${(r.checksRate * 100).toFixed(1)}% | ${r.errors} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "Rates are over the k6 process's wall time (start-up included); server CPU is over the same span from /proc (connects and handshakes included), so compare servers within a table, not against the main harness.",
  );
  const failed = results.filter((r) => r.exitCode !== 0);
  for (const r of failed) lines.push("", `${r.script} against ${r.server}: k6 exited ${r.exitCode}: ${r.stderr.trim().split("\n").slice(-5).join(" / ")}`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      servers: { type: "string", default: "hyperio,upstream" },
      scripts: { type: "string", default: Object.keys(SCRIPTS).join(",") },
      env: { type: "string", short: "e", multiple: true, default: [] },
      k6: { type: "string", default: "k6" },
      "hyperio-code": { type: "string", default: "build" },
      json: { type: "boolean", default: false },
    },
  });
  const env: Record<string, string> = {};
  for (const pair of values.env) {
    const eq = pair.indexOf("=");
    if (eq < 1) throw new Error(`-e takes NAME=value, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const options: K6CompareOptions = {
    servers: parseServers(values.servers),
    scripts: parseScripts(values.scripts),
    env,
    k6: values.k6,
    hyperioCode: parseHyperioCode(values["hyperio-code"]),
  };
  if (!k6Available(options.k6)) {
    console.error(`${options.k6}: not found or not runnable. Install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/), or pass --k6 test/loadtest-tools/k6-shim/k6 to run the scripts under the Node stand-in (checks them, measures nothing about k6).`);
    process.exit(2);
  }
  const results = await compareK6(options);
  console.log(values.json ? JSON.stringify(results, null, 2) : formatK6Comparison(results));
  if (results.some((r) => r.exitCode !== 0)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
