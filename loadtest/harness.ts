// The comparison harness as a function: expand scenarios into cases, run each case on each
// server (one at a time: the machine is shared and the servers must not compete), write the
// JSON, markdown and SVG outputs. loadtest/run.ts is its command line; the smoke test calls it.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { casesFor, NEEDS_POLLING, type Family } from "./scenarios/catalog";
import { runCase } from "./scenarios/runner";
import type { CaseResult } from "./scenarios/types";
import { Progress } from "./lib/progress";
import { HYPERIO_KINDS, type ServerKind } from "./lib/server-proc";
import { formatSummary, profilesUnder, summarizeProfile } from "./lib/cpuprofile-summary";
import { perfSummary } from "./lib/perf-summary";
import { buildHyperio, type HyperioBuild } from "./lib/hyperio-build";
import { hyperioLooksAvailable } from "./servers/hyperio-module";
import { markdownReport } from "./report/table";
import { familyChart } from "./report/svg";
import type { PayloadName } from "./protocol/payloads";
import type { WsClientKind } from "./client/fleet-protocol";

export interface HarnessOptions {
  scenarios: Family[];
  servers: ServerKind[];
  clients?: number[];
  durationS: number;
  smoke: boolean;
  payloads?: PayloadName[];
  bursts?: number[];
  clientProcesses?: number;
  /** Runs of each case per server, interleaved across servers; the report shows the median. */
  repeat?: number;
  concurrency: number;
  wsClient?: WsClientKind;
  windowTimeoutMs: number;
  outDir: string;
  progress: boolean;
  /** Printed with the results: the command line that produced them. */
  command: string;
  /**
   * Profile every server process with V8's --cpu-prof, one directory per case, server and run
   * under `dir`; the report gets a summary of each (measured window only), `top` lines long.
   */
  profile?: { dir: string; intervalUs?: number; top?: number; perf?: boolean };
  /**
   * How hyperio servers run their code: "tsx" (src/ transpiled on load; the default, no build
   * step) or "build" (one tsc build of src/ per run: the code users run, without tsx's
   * keepNames wrappers). Upstream always runs its published JS.
   */
  hyperioCode?: "tsx" | "build";
}

export interface HarnessRun {
  results: CaseResult[];
  markdown: string;
  files: string[];
}

const WEBSOCKET_ONLY: ReadonlySet<ServerKind> = new Set(["bare-uws"]);

export async function runHarness(o: HarnessOptions): Promise<HarnessRun> {
  const progress = new Progress(o.progress);
  let hyperioBuild: HyperioBuild | undefined;
  if (o.hyperioCode === "build" && o.servers.some((k) => HYPERIO_KINDS.has(k)) && hyperioLooksAvailable()) {
    // LOADTEST_HYPERIO_PREBUILT: a build made before (e.g. of a commit), so a run measures
    // committed code rather than a working tree shared with work in progress.
    const prebuilt = process.env.LOADTEST_HYPERIO_PREBUILT;
    progress.update(prebuilt ? `hyperio from the build in ${prebuilt}` : "building hyperio (tsc) for the servers under test");
    hyperioBuild = prebuilt ? { dir: prebuilt, ms: 0, diagnostics: "" } : buildHyperio();
  }
  const results: CaseResult[] = [];
  const startedAt = new Date();
  /** Every run, repeats included (the results keep only the median run per case and server). */
  const runsAll: CaseResult[] = [];
  for (const family of o.scenarios) {
    const cases = casesFor(family, { clients: o.clients, durationS: o.durationS, smoke: o.smoke, payloads: o.payloads, bursts: o.bursts });
    for (const spec of cases) {
      const runnable: ServerKind[] = [];
      const skipped = new Map<ServerKind, string>();
      for (const server of o.servers) {
        if (NEEDS_POLLING.has(family) && WEBSOCKET_ONLY.has(server)) skipped.set(server, "WebSocket-only floor");
        else if (HYPERIO_KINDS.has(server) && !hyperioLooksAvailable())
          skipped.set(server, "src/index.ts not there yet");
        else runnable.push(server);
      }
      // Repeats rotate the server order so that a burst of load from other work on a shared
      // machine does not always land on the same server.
      const runs = new Map<ServerKind, CaseResult[]>();
      const n = Math.max(1, o.repeat ?? 1);
      for (let rep = 0; rep < n; rep++) {
        for (let k = 0; k < runnable.length; k++) {
          const server = runnable[(k + rep) % runnable.length];
          const profileDir = o.profile ? join(o.profile.dir, fileSafe(spec.id), `${server}-run${rep + 1}`) : undefined;
          const r = await runCase(spec, server, {
            profile: profileDir ? { dir: profileDir, intervalUs: o.profile?.intervalUs, perfMap: o.profile?.perf } : undefined,
            perf: o.profile?.perf,
            hyperioBuild: hyperioBuild?.dir,
            clientProcesses: o.clientProcesses,
            concurrency: o.concurrency,
            wsClient: o.wsClient,
            windowTimeoutMs: o.windowTimeoutMs,
            progress,
          });
          runs.set(server, [...(runs.get(server) ?? []), r]);
          runsAll.push(r);
          progress.done(`${summaryLine(r)}${n > 1 ? ` (run ${rep + 1}/${n})` : ""}`);
          // Failures are always printed, progress or not: a CI log must say what went wrong.
          if (!r.ok && !o.progress) process.stderr.write(`${summaryLine(r)}\n`);
        }
      }
      for (const server of o.servers) {
        const skip = skipped.get(server);
        if (skip) results.push({ spec, server, ok: false, skipped: skip, clientProcesses: 0 });
        else results.push(representative(runs.get(server) ?? []));
      }
    }
  }
  const header = [
    `## hyperio load comparison, ${startedAt.toISOString()}`,
    "",
    `\`${o.command}\``,
    "",
    o.servers.some((k) => HYPERIO_KINDS.has(k))
      ? `hyperio code: ${hyperioBuild ? `tsc build of src/ (${hyperioBuild.dir}, ${hyperioBuild.ms} ms${hyperioBuild.diagnostics ? ", with type errors" : ""})` : "src/ through tsx (esbuild keepNames wrappers included)"}.\n`
      : "",
    `Node ${process.version}, ${cpus().length} CPU (${cpus()[0]?.model ?? "?"}), load average at end ${loadavg().map((x) => x.toFixed(2)).join(" ")}.`,
  ].join("\n");
  // The build is only needed while servers run, and by the profile summaries (its .js.map files).
  if (hyperioBuild && !o.profile && !process.env.LOADTEST_HYPERIO_PREBUILT) rmSync(hyperioBuild.dir, { recursive: true, force: true });
  let markdown = markdownReport(results, header);
  if (o.profile) markdown += `\n${profileSection(results, runsAll, o.profile.top ?? 12)}`;
  mkdirSync(o.outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const f = join(o.outDir, name);
    writeFileSync(f, text);
    files.push(f);
  };
  write(
    `${stamp}.json`,
    JSON.stringify({ startedAt: startedAt.toISOString(), command: o.command, node: process.version, cpus: cpus().length, options: o, results }, null, 2),
  );
  write(`${stamp}.md`, markdown);
  for (const family of new Set(results.map((r) => r.spec.family))) {
    write(`${stamp}-${family}.svg`, familyChart(family, results, `${o.command} · ${startedAt.toISOString()}`));
  }
  return { results, markdown, files };
}

/** The headline figure of a run: the rate, or memory per connection for the idle case. */
function headline(r: CaseResult): number {
  return r.spec.kind === "idle" ? (r.serverMem?.perConnBytes ?? NaN) : (r.rate?.perSecond ?? NaN);
}

/** The median run by headline figure, carrying the spread of all runs; a failed run wins (failures must show). */
function representative(runs: CaseResult[]): CaseResult {
  if (runs.length === 1) return runs[0];
  const failed = runs.find((r) => !r.ok);
  const sorted = [...runs].sort((a, b) => headline(a) - headline(b));
  const pick = failed ?? sorted[Math.floor((sorted.length - 1) / 2)];
  return {
    ...pick,
    repeats: {
      n: runs.length,
      headline: runs.map(headline),
      cpuPerOpUs: runs.map((r) => r.serverCpu?.perOp.totalUs ?? NaN),
      cutRetried: runs.reduce((a, r) => a + (r.connect?.cutRetried ?? 0), 0),
    },
  };
}

function summaryLine(r: CaseResult): string {
  const what = `${r.spec.id} · ${r.server}`;
  if (!r.ok) return `✗ ${what}: ${r.error ?? "failed"}`;
  const rate = r.spec.kind === "idle"
    ? `${Math.round((r.serverMem?.perConnBytes ?? NaN) / 1024 * 10) / 10} KiB/conn`
    : `${Math.round(r.rate?.perSecond ?? 0)} ${r.rate?.unit}`;
  const cpu = r.serverCpu ? `, ${r.serverCpu.perOp.totalUs.toFixed(2)} µs CPU/op` : "";
  const main = r.serverMainCpu ? ` (main thread ${r.serverMainCpu.perOpUs.toFixed(2)})` : "";
  return `✓ ${what}: ${rate}${cpu}${main}`;
}

function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._=-]+/g, "_");
}

/** Under --profile: where each run's profile is, and the summary of its main-thread profile. */
function profileSection(results: CaseResult[], runs: CaseResult[], top: number): string {
  const out = ["## CPU profiles (server process, measured window only)", ""];
  const medians = new Set(results);
  for (const r of runs) {
    if (!r.profileDir) continue;
    let files: string[] = [];
    try {
      files = profilesUnder(r.profileDir);
    } catch {
      // no profile written (the server crashed or was killed)
    }
    const title = `${r.spec.id} · ${r.server}${medians.has(r) ? " (the run in the table)" : ""} · ${r.profileDir}`;
    if (files.length === 0) {
      out.push(`#### ${title}`, "", "no .cpuprofile written", "");
      continue;
    }
    // The largest profile is the main thread's (tsx's module loader thread writes a small one).
    try {
      out.push(formatSummary(summarizeProfile(files[0], { top }), title));
      const perfData = join(r.profileDir, "perf.data");
      if (existsSync(perfData)) out.push(perfSummary(perfData, top), "");
    } catch (err) {
      out.push(`#### ${title}`, "", `could not summarise ${files[0]}: ${(err as Error).message}`, "");
    }
  }
  return out.join("\n");
}
