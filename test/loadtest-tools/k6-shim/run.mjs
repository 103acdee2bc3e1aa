// A stand-in for `k6 run` on machines without k6, to smoke-run the load scripts' own logic
// against a real server: each VU is a worker thread with its own globals (__VU, __ENV),
// iterations end when their sockets and timers are done, thresholds are evaluated from the
// recorded samples, and a failing threshold exits 99 as k6 does. It emulates only what the
// scripts in loadtest/k6 use; it measures nothing about k6 itself.
//
//   node --import ./test/loadtest-tools/k6-shim/register.mjs test/loadtest-tools/k6-shim/run.mjs SCRIPT
//   test/loadtest-tools/k6-shim/k6 run [-e NAME=value]... [--out json=FILE] SCRIPT
// The first form takes settings from the environment; the second is k6's own command line
// (the part of it the load tools use: loadtest/k6/runner passes it to whatever `--k6` names).
// __ENV is the environment plus the -e settings, as in k6. `--out json=FILE` writes every
// sample as k6's JSON output does (one {"type":"Point","metric",...,"data":{"value"}} line
// each, after a {"type":"Metric"} line per metric). The last stdout line is a JSON summary:
// { thresholds: { metric: { expr: ok } }, metrics: { name: {...} } }.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { samples, whenIdle } from "./runtime.mjs";

/** The shim's command line: `SCRIPT`, or k6's `run [-e K=V]... [--out json=FILE] SCRIPT`. */
function parseCli(argv) {
  if (argv[0] !== "run") return { script: argv[0], env: {}, outJson: undefined };
  const env = {};
  let outJson;
  let script;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-e" || arg === "--env") {
      const [key, ...rest] = String(argv[++i]).split("=");
      env[key] = rest.join("=");
    } else if (arg === "--out" || arg === "-o") {
      const out = String(argv[++i]);
      if (!out.startsWith("json=")) throw new Error(`k6 shim: only --out json=FILE is emulated, got ${out}`);
      outJson = out.slice(5);
    } else if (arg.startsWith("-")) {
      throw new Error(`k6 shim: option ${arg} is not emulated`);
    } else {
      script = arg;
    }
  }
  return { script, env, outJson };
}

function writeJsonOut(path, merged) {
  const lines = [];
  for (const [name, metric] of merged) {
    lines.push(JSON.stringify({ type: "Metric", metric: name, data: { type: metric.type } }));
    for (const value of metric.values) lines.push(JSON.stringify({ type: "Point", metric: name, data: { value } }));
  }
  writeFileSync(path, lines.join("\n") + "\n");
}

function durationMs(text) {
  const units = { ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  for (const [, n, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * units[unit];
  return total;
}

async function loadScript(path, env) {
  globalThis.__ENV = { ...process.env, ...env };
  return import(pathToFileURL(resolve(path)).href);
}

function pickScenario(options) {
  const scenarios = options?.scenarios ?? {};
  const names = Object.keys(scenarios);
  if (names.length !== 1) throw new Error("k6 shim: scripts must define exactly one scenario");
  const s = scenarios[names[0]];
  if (s.executor !== "per-vu-iterations" && s.executor !== "constant-vus") {
    throw new Error(`k6 shim: executor ${s.executor} is not emulated`);
  }
  return s;
}

async function runVu({ script, env, vu }) {
  globalThis.__VU = vu;
  globalThis.__ITER = 0;
  const mod = await loadScript(script, env);
  const scenario = pickScenario(mod.options);
  const deadline =
    scenario.executor === "constant-vus"
      ? Date.now() + durationMs(scenario.duration)
      : Date.now() + durationMs(scenario.maxDuration ?? "10m");
  const iterations = scenario.executor === "per-vu-iterations" ? (scenario.iterations ?? 1) : Infinity;
  let errors = 0;
  for (let i = 0; i < iterations && Date.now() < deadline; i++) {
    globalThis.__ITER = i;
    try {
      mod.default();
    } catch (err) {
      errors++;
      console.error(`VU ${vu} iteration ${i} threw: ${err?.stack ?? err}`);
    }
    const idle = whenIdle();
    const timedOut = await Promise.race([
      idle.then(() => false),
      new Promise((r) => setTimeout(() => r(true), Math.max(0, deadline - Date.now()) + 1000).unref()),
    ]);
    if (timedOut) {
      errors++;
      console.error(`VU ${vu} iteration ${i} still had pending work at its deadline`);
      break;
    }
  }
  parentPort.postMessage({ samples: [...samples.entries()], errors });
}

function aggregate(metric) {
  const v = metric.values.slice().sort((a, b) => a - b);
  const sum = v.reduce((a, b) => a + b, 0);
  const p = (q) => (v.length ? v[Math.min(v.length - 1, Math.ceil((q / 100) * v.length) - 1)] : NaN);
  return {
    type: metric.type,
    count: metric.type === "counter" ? sum : v.length,
    samples: v.length,
    rate: v.length ? sum / v.length : NaN,
    avg: v.length ? sum / v.length : NaN,
    min: v[0] ?? NaN,
    max: v[v.length - 1] ?? NaN,
    med: p(50),
    p,
  };
}

function evaluate(expr, agg) {
  const m = /^\s*(count|rate|avg|min|max|med|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expr);
  if (!m) throw new Error(`k6 shim: threshold ${expr} is not understood`);
  if (!agg) return false; // k6 fails thresholds on metrics that never got a sample only for some aggregates; be strict
  const value = m[2] !== undefined ? agg.p(Number(m[2])) : agg[m[1]];
  const limit = Number(m[4]);
  switch (m[3]) {
    case "<": return value < limit;
    case "<=": return value <= limit;
    case ">": return value > limit;
    case ">=": return value >= limit;
    case "!=": return value !== limit;
    default: return value === limit;
  }
}

async function main() {
  if (process.argv[2] === "version") {
    // `k6 version` is how runners probe for k6.
    console.log("k6 shim (Node stand-in for k6 run; test/loadtest-tools/k6-shim)");
    process.exit(0);
  }
  const { script, env, outJson } = parseCli(process.argv.slice(2));
  if (!script) throw new Error("usage: run.mjs SCRIPT | run.mjs run [-e K=V]... [--out json=FILE] SCRIPT");
  const mod = await loadScript(script, env);
  const scenario = pickScenario(mod.options);
  const vus = scenario.vus ?? 1;
  const results = await Promise.all(
    Array.from({ length: vus }, (_, i) =>
      new Promise((resolveVu, rejectVu) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: { script, env, vu: i + 1 } });
        worker.once("message", resolveVu);
        worker.once("error", rejectVu);
        worker.once("exit", (code) => code !== 0 && rejectVu(new Error(`VU ${i + 1} exited with ${code}`)));
      }),
    ),
  );
  const merged = new Map();
  let iterationErrors = 0;
  for (const r of results) {
    iterationErrors += r.errors;
    for (const [name, metric] of r.samples) {
      const into = merged.get(name) ?? { type: metric.type, values: [] };
      into.values.push(...metric.values);
      merged.set(name, into);
    }
  }
  if (outJson) writeJsonOut(outJson, merged);
  const metrics = {};
  const aggs = {};
  for (const [name, metric] of merged) {
    const agg = aggregate(metric);
    aggs[name] = agg;
    metrics[name] = { type: agg.type, count: agg.count, rate: agg.rate, avg: agg.avg, med: agg.med, p95: agg.p(95), max: agg.max };
  }
  const thresholds = {};
  let failed = iterationErrors > 0;
  for (const [name, exprs] of Object.entries(mod.options?.thresholds ?? {})) {
    thresholds[name] = {};
    for (const expr of exprs) {
      const ok = evaluate(typeof expr === "string" ? expr : expr.threshold, aggs[name]);
      thresholds[name][expr] = ok;
      if (!ok) failed = true;
    }
  }
  console.log(JSON.stringify({ thresholds, metrics, iterationErrors }));
  process.exit(failed ? 99 : 0);
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err?.stack ?? err);
    process.exit(1);
  });
} else {
  runVu(workerData).catch((err) => {
    console.error(err?.stack ?? err);
    process.exit(1);
  });
}
