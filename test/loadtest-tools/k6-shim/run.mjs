// A stand-in for `k6 run` on machines without k6, to smoke-run the load scripts' own logic
// against a real server: each VU is a worker thread with its own globals (__VU, __ENV),
// iterations end when their sockets and timers are done, thresholds are evaluated from the
// recorded samples, and a failing threshold exits 99 as k6 does. It emulates only what the
// scripts in loadtest/k6 use; it measures nothing about k6 itself.
//
//   node --import ./test/loadtest-tools/k6-shim/register.mjs test/loadtest-tools/k6-shim/run.mjs SCRIPT
// Settings come from the environment (the shim's __ENV), like `k6 run -e`. The last stdout
// line is a JSON summary: { thresholds: { metric: { expr: ok } }, metrics: { name: {...} } }.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { samples, whenIdle } from "./runtime.mjs";

function durationMs(text) {
  const units = { ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  for (const [, n, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * units[unit];
  return total;
}

async function loadScript(path) {
  globalThis.__ENV = { ...process.env };
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

async function runVu({ script, vu }) {
  globalThis.__VU = vu;
  globalThis.__ITER = 0;
  const mod = await loadScript(script);
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
  const script = process.argv[2];
  if (!script) throw new Error("usage: run.mjs SCRIPT");
  const mod = await loadScript(script);
  const scenario = pickScenario(mod.options);
  const vus = scenario.vus ?? 1;
  const results = await Promise.all(
    Array.from({ length: vus }, (_, i) =>
      new Promise((resolveVu, rejectVu) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: { script, vu: i + 1 } });
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
