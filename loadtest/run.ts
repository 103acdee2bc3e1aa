// Command line of the comparison harness.
//
//   npx tsx loadtest/run.ts --scenario fanout --servers hyperio,upstream-ws,upstream-uws,bare-uws --clients 1000 --duration 5
//   npx tsx loadtest/run.ts --smoke                  # a tiny run of every scenario (CI)
//
// Prints the markdown table on stdout (progress goes to stderr) and writes JSON, markdown and
// one SVG per scenario family into loadtest/results/.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FAMILIES, isFamily, type Family } from "./scenarios/catalog";
import { isServerKind, type ServerKind } from "./lib/server-proc";
import { isPayloadName, PAYLOAD_NAMES, type PayloadName } from "./protocol/payloads";
import { hyperioLooksAvailable } from "./servers/hyperio-module";
import { runHarness } from "./harness";
import type { WsClientKind } from "./client/fleet-protocol";

const USAGE = `usage: npx tsx loadtest/run.ts [options]
  --scenario a,b      ${FAMILIES.join(", ")}, or all (default: all)
  --servers a,b       hyperio, hyperio-base (another build of hyperio, from LOADTEST_HYPERIO_BASE_BUILD),
                      hyperio-twin (hyperio with HYPERIO_NO_NATIVE=1: src/native's TS
                      twins), hyperio-node, upstream-ws, upstream-uws, bare-uws
                      (default: upstream-ws,upstream-uws,bare-uws, plus hyperio once src/index.ts exists)
  --clients n[,m]     client counts, replacing each scenario's defaults
  --duration s        measured seconds per case (default 5)
  --payload p[,q]     small, 4KiB, 64KiB (ASCII), 64KiB-utf8 (two-byte characters), 64KiB-bin
                      (a binary attachment: polling-echo only). Defaults: fanout small,4KiB;
                      echo small; polling-echo all five
  --burst n[,m]       broadcasts per window: 1 = one in flight, more = queued (default 1,20)
  --repeat n          runs per case and server, interleaved; the table shows the median (default 1)
  --client-procs n    client processes (default: one per 10000 connections)
  --concurrency n     handshakes in flight per client process (default 200)
  --ws-client k       lite (built-in lean WebSocket client, default) or ws (the ws package)
  --window-timeout ms stall limit per broadcast window (default 10000)
  --out dir           results directory (default loadtest/results)
  --profile           run each server under V8's --cpu-prof; profiles go to
                      <out>/profiles/<time>/<case>/<server>-run<k>/, and the report gets a
                      summary of each (measured window only; see lib/cpuprofile-summary.ts)
  --profile-interval  sampling interval in µs (default 1000; smaller costs the server more)
  --profile-top n     lines per profile summary table (default 12)
  --perf              with --profile: also \`perf record\` the server over the measured window
                      (server gets --perf-basic-prof); the report adds CPU by binary and symbol,
                      which splits what V8 counts as "(idle)": uWS C++, kernel, libuv, node
  --hyperio-code k    build (default except with --smoke: one tsc build of src/ per run, the code users run) or
                      tsx (src/ through tsx: no build step, but esbuild's keepNames wraps every
                      closure, which costs hyperio memory and CPU that shipped code does not pay)
  --smoke             tiny counts, 0.3 s per case: checks every scenario runs
  --no-progress       no live progress line`;

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter(Boolean);
}

function numbers(v: string | undefined, name: string): number[] | undefined {
  const l = list(v);
  if (!l) return undefined;
  const n = l.map(Number);
  if (n.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`--${name} takes positive integers, got "${v}"`);
  return n;
}

function wsClientOf(v: string): WsClientKind {
  if (v !== "lite" && v !== "ws") throw new Error(`--ws-client: lite or ws, got "${v}"`);
  return v;
}

function hyperioCodeOf(v: string): "tsx" | "build" {
  if (v !== "tsx" && v !== "build") throw new Error(`--hyperio-code: build or tsx, got "${v}"`);
  return v;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string" },
      servers: { type: "string" },
      clients: { type: "string" },
      duration: { type: "string", default: "5" },
      payload: { type: "string" },
      burst: { type: "string" },
      "client-procs": { type: "string" },
      repeat: { type: "string", default: "1" },
      concurrency: { type: "string", default: "200" },
      "ws-client": { type: "string", default: "lite" },
      "window-timeout": { type: "string", default: "10000" },
      out: { type: "string", default: join(__dirname, "results") },
      smoke: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "profile-interval": { type: "string" },
      "profile-top": { type: "string", default: "12" },
      perf: { type: "boolean", default: false },
      "hyperio-code": { type: "string" },
      "no-progress": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const scen = list(values.scenario);
  const scenarios: Family[] = !scen || scen.includes("all") ? [...FAMILIES] : scen.map((s) => {
    if (!isFamily(s)) throw new Error(`--scenario: unknown "${s}" (known: ${FAMILIES.join(", ")})`);
    return s;
  });
  const defaultServers: ServerKind[] = hyperioLooksAvailable()
    ? ["hyperio", "upstream-ws", "upstream-uws", "bare-uws"]
    : ["upstream-ws", "upstream-uws", "bare-uws"];
  const servers = (list(values.servers) ?? defaultServers).map((s) => {
    if (!isServerKind(s)) throw new Error(`--servers: unknown "${s}"`);
    return s;
  });
  const payloads = list(values.payload)?.map((p) => {
    if (!isPayloadName(p)) throw new Error(`--payload: unknown "${p}" (${PAYLOAD_NAMES.join(", ")})`);
    return p as PayloadName;
  });
  const durationS = Number(values.duration);
  if (!(durationS > 0)) throw new Error(`--duration takes seconds > 0, got "${values.duration}"`);
  const clientProcs = numbers(values["client-procs"], "client-procs")?.[0];

  const run = await runHarness({
    scenarios,
    servers,
    clients: numbers(values.clients, "clients"),
    durationS,
    smoke: values.smoke,
    payloads,
    bursts: numbers(values.burst, "burst"),
    clientProcesses: clientProcs,
    repeat: numbers(values.repeat, "repeat")![0],
    concurrency: numbers(values.concurrency, "concurrency")![0],
    wsClient: wsClientOf(values["ws-client"]),
    windowTimeoutMs: numbers(values["window-timeout"], "window-timeout")![0],
    outDir: values.out,
    progress: !values["no-progress"],
    profile: values.profile
      ? {
          dir: join(values.out, "profiles", new Date().toISOString().replace(/[:.]/g, "-")),
          intervalUs: numbers(values["profile-interval"], "profile-interval")?.[0],
          top: numbers(values["profile-top"], "profile-top")![0],
          perf: values.perf,
        }
      : undefined,
    hyperioCode: hyperioCodeOf(values["hyperio-code"] ?? (values.smoke ? "tsx" : "build")),
    command: `npx tsx loadtest/run.ts ${process.argv.slice(2).join(" ")}`.trim(),
  });
  process.stdout.write(`${run.markdown}\n`);
  process.stderr.write(`wrote ${run.files.join(", ")}\n`);
  process.exitCode = run.results.some((r) => !r.ok && !r.skipped) ? 1 : 0;
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exitCode = 2;
});
