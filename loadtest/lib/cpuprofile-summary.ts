// Summary of a V8 .cpuprofile (node --cpu-prof): where the CPU went, by self and by inclusive
// time, per function (TypeScript file:line through the source maps the server wrote beside
// the profile), and per group (hyperio, upstream socket.io, uWS, node internals, GC, ...).
//
//   npx tsx loadtest/lib/cpuprofile-summary.ts <file.cpuprofile | dir> [--top 12] [--all-time] [--json]
//
// A directory means every .cpuprofile under it. Idle samples are excluded from every figure.
// When the harness wrote `window.json` ({fromUs, toUs}, CLOCK_MONOTONIC µs, the same clock
// as V8's profile timestamps) next to the profile, only samples inside the measured window
// count, unless --all-time; the summary says which.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export type Group =
  | "hyperio"
  | "loadtest harness"
  | "upstream socket.io/engine.io/ws"
  | "uWS (JS wrapper)"
  | "native functions called from JS"
  | "program (native, outside JS: event loop, uWS C++)"
  | "garbage collector"
  | "node internals"
  | "other dependencies"
  | "other";

export interface FunctionRow {
  name: string;
  /** file:line (TypeScript line through source maps where available), repo-relative. */
  where: string;
  group: Group;
  selfUs: number;
  totalUs: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time covered by the counted samples, µs. */
  spanUs: number;
  /** Non-idle sampled time, µs (the denominator of every share). */
  busyUs: number;
  idleUs: number;
  samples: number;
  /** Set when the samples were restricted to the harness's measured window. */
  window?: WindowInfo;
  /**
   * Main-thread CPU (schedstat) in the window minus what V8 attributed (busyUs): CPU the
   * thread spent while V8 said "(idle)". See the note in formatSummary.
   */
  outsideJsUs?: number;
  groups: { group: Group; selfUs: number }[];
  bySelf: FunctionRow[];
  byTotal: FunctionRow[];
}

/** window.json, written by the harness (scenarios/runner.ts) next to a profile. */
export interface WindowInfo {
  fromUs: number;
  toUs: number;
  case?: string;
  server?: string;
  /** Main-thread time on CPU in the window (schedstat), µs. */
  mainThreadCpuUs?: number;
  /** All threads of the server process, µs. */
  processCpuUs?: number;
}

const REPO = resolve(__dirname, "..", "..");

function pathOf(url: string): string {
  if (url.startsWith("file://")) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

export function groupOf(cf: CallFrame): Group {
  const name = cf.functionName;
  if (name === "(garbage collector)") return "garbage collector";
  if (name === "(program)") return "program (native, outside JS: event loop, uWS C++)";
  if (name.startsWith("(")) return "other";
  const url = cf.url;
  if (!url) return "native functions called from JS";
  if (url.startsWith("node:") || url.startsWith("internal/")) return "node internals";
  const p = pathOf(url);
  if (p.includes("/node_modules/uWebSockets.js/") || p.includes("/node_modules/uws")) return "uWS (JS wrapper)";
  if (/\/node_modules\/(socket\.io|engine\.io|ws|socket\.io-parser|socket\.io-adapter|engine\.io-parser)\//.test(p)) {
    return "upstream socket.io/engine.io/ws";
  }
  if (p.includes("/node_modules/")) return "other dependencies";
  if (p.startsWith(join(REPO, "src") + "/") || p.includes("/.hyperio-build/")) return "hyperio";
  if (p.startsWith(join(REPO, "loadtest") + "/")) return "loadtest harness";
  return "other";
}

/** Maps generated positions back to sources with the maps the server dumped at exit. */
class Locator {
  private maps = new Map<string, SourceMap | null>();
  private payloads: Record<string, SourceMapPayload> = {};

  constructor(dir: string) {
    for (const f of readdirSync(dir)) {
      if (!/^sourcemaps-\d+\.json$/.test(f)) continue;
      try {
        Object.assign(this.payloads, JSON.parse(readFileSync(join(dir, f), "utf8")));
      } catch {
        // a truncated map file only costs line numbers
      }
    }
  }

  where(cf: CallFrame): string {
    if (!cf.url) return "(native)";
    const p = pathOf(cf.url);
    let line = cf.lineNumber + 1;
    let file = p;
    let mapped = false;
    const sm = this.mapFor(p);
    if (sm && cf.lineNumber >= 0) {
      const e = sm.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number };
      if (e && typeof e.originalLine === "number") {
        line = e.originalLine + 1;
        if (e.originalSource) file = pathOf(e.originalSource);
        mapped = true;
      }
    }
    const shown = file.startsWith(REPO + "/") ? relative(REPO, file) : file.replace(/^.*\/node_modules\//, "");
    // A .ts file without a map: the line is in tsx's generated code, not the source.
    return `${shown}:${line}${!mapped && /\.tsx?$/.test(file) ? " (generated)" : ""}`;
  }

  private mapFor(p: string): SourceMap | null {
    let sm = this.maps.get(p);
    if (sm === undefined) {
      let payload: SourceMapPayload | undefined = this.payloads[p];
      // A tsc build (harness --hyperio-code build) has its maps beside the .js files.
      if (!payload && p.endsWith(".js") && p.includes("/.hyperio-build/") && existsSync(`${p}.map`)) {
        try {
          const raw = JSON.parse(readFileSync(`${p}.map`, "utf8")) as SourceMapPayload;
          payload = { ...raw, sources: raw.sources.map((src) => resolve(dirname(p), raw.sourceRoot ?? "", src)), sourceRoot: "" };
        } catch {
          payload = undefined;
        }
      }
      sm = payload ? new SourceMap(payload) : null;
      this.maps.set(p, sm);
    }
    return sm;
  }
}

export interface SummaryOptions {
  top?: number;
  /** Ignore window.json and count the whole profile. */
  allTime?: boolean;
}

export function summarizeProfile(file: string, o: SummaryOptions = {}): ProfileSummary {
  const top = o.top ?? 12;
  const prof = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const dir = dirname(file);
  const windowFile = join(dir, "window.json");
  const window = !o.allTime && existsSync(windowFile) ? (JSON.parse(readFileSync(windowFile, "utf8")) as WindowInfo) : undefined;
  const locator = new Locator(dir);

  const byId = new Map<number, ProfileNode>();
  for (const n of prof.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Each sample weighs the time until the next one (the last one: the median interval).
  const self = new Map<number, number>();
  const deltas = prof.timeDeltas;
  const sorted = [...deltas].sort((a, b) => a - b);
  const medianDelta = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 1000;
  let t = prof.startTime;
  let idleUs = 0;
  let busyUs = 0;
  let counted = 0;
  let firstT = Infinity;
  let lastT = -Infinity;
  for (let i = 0; i < prof.samples.length; i++) {
    t += deltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const w = Math.max(0, i + 1 < deltas.length ? deltas[i + 1] : medianDelta);
    const id = prof.samples[i];
    const node = byId.get(id);
    counted++;
    firstT = Math.min(firstT, t);
    lastT = Math.max(lastT, t + w);
    if (!node || node.callFrame.functionName === "(idle)") {
      idleUs += w;
      continue;
    }
    busyUs += w;
    self.set(id, (self.get(id) ?? 0) + w);
  }

  // Per function: key = name + position (the same function reached along several paths is one row).
  const keyOf = (cf: CallFrame) => `${cf.functionName}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`;
  const rows = new Map<string, FunctionRow>();
  const rowOf = (cf: CallFrame): FunctionRow => {
    const k = keyOf(cf);
    let r = rows.get(k);
    if (!r) {
      r = { name: cf.functionName || "(anonymous)", where: locator.where(cf), group: groupOf(cf), selfUs: 0, totalUs: 0 };
      rows.set(k, r);
    }
    return r;
  };

  // Inclusive time: subtree sums, credited once per function per path (recursion counts once).
  const subtree = new Map<number, number>();
  const root = prof.nodes.find((n) => !parent.has(n.id));
  const order: number[] = [];
  if (root) {
    const stack = [root.id];
    while (stack.length) {
      const id = stack.pop()!;
      order.push(id);
      for (const c of byId.get(id)?.children ?? []) stack.push(c);
    }
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i];
    let s = self.get(id) ?? 0;
    for (const c of byId.get(id)?.children ?? []) s += subtree.get(c) ?? 0;
    subtree.set(id, s);
  }
  if (root) {
    const active = new Map<string, number>();
    const walk = (id: number) => {
      const n = byId.get(id)!;
      const cf = n.callFrame;
      const skip = cf.functionName === "(root)" || cf.functionName === "(idle)";
      const k = keyOf(cf);
      if (!skip) {
        const r = rowOf(cf);
        r.selfUs += self.get(id) ?? 0;
        if (!active.get(k)) r.totalUs += subtree.get(id) ?? 0;
        active.set(k, (active.get(k) ?? 0) + 1);
      }
      for (const c of n.children ?? []) if ((subtree.get(c) ?? 0) > 0) walk(c);
      if (!skip) active.set(k, active.get(k)! - 1);
    };
    walk(root.id);
  }

  const groupTotals = new Map<Group, number>();
  for (const r of rows.values()) groupTotals.set(r.group, (groupTotals.get(r.group) ?? 0) + r.selfUs);
  const all = [...rows.values()].filter((r) => r.totalUs > 0);
  const main = window?.mainThreadCpuUs;
  return {
    file,
    outsideJsUs: main !== undefined && Number.isFinite(main) ? Math.max(0, main - busyUs) : undefined,
    spanUs: Number.isFinite(firstT) ? lastT - firstT : 0,
    busyUs,
    idleUs,
    samples: counted,
    window,
    groups: [...groupTotals.entries()].map(([group, selfUs]) => ({ group, selfUs })).filter((g) => g.selfUs > 0).sort((a, b) => b.selfUs - a.selfUs),
    bySelf: [...all].sort((a, b) => b.selfUs - a.selfUs).slice(0, top),
    // Inclusive: drop the rows every stack passes through (event-loop plumbing) only by
    // sorting; the reader sees them at the top and reads on.
    byTotal: [...all].sort((a, b) => b.totalUs - a.totalUs).slice(0, top),
  };
}

const ms = (us: number) => (us / 1000).toFixed(1);
const pct = (us: number, of: number) => (of > 0 ? `${((us / of) * 100).toFixed(1)}%` : "–");

export function formatSummary(s: ProfileSummary, title = basename(s.file)): string {
  const out: string[] = [];
  out.push(`#### ${title}`);
  out.push("");
  out.push(
    `${s.window ? "measured window only" : "whole process"}: ${ms(s.spanUs)} ms sampled, ${ms(s.busyUs)} ms busy (${pct(s.busyUs, s.spanUs)}), ${ms(s.idleUs)} ms idle, ${s.samples} samples. Function shares are of busy (V8-attributed) time.`,
  );
  const w = s.window;
  if (w?.mainThreadCpuUs !== undefined && s.outsideJsUs !== undefined) {
    out.push("");
    out.push(
      `Server CPU in the window (schedstat): main thread ${ms(w.mainThreadCpuUs)} ms, whole process ${ms(w.processCpuUs ?? NaN)} ms. ` +
        `V8 attributed ${ms(s.busyUs)} ms of it; the other ${ms(s.outsideJsUs)} ms (${pct(s.outsideJsUs, w.mainThreadCpuUs)} of the main thread) ran while V8 said "(idle)": ` +
        "native work between JS callbacks in libuv's poll phase (uWS C++ frame parsing, its writes and the kernel's socket I/O, libuv), which V8's idle notifier cannot tell from waiting. " +
        "Other threads (GC helpers, the profiler's own sampler, libuv pool) make up the rest of the process figure. " +
        "V8 samples wall-clock time: a thread preempted while in JS keeps collecting samples, so on a loaded machine the attributed time can exceed the thread's CPU (the outside-JS figure is then clamped at 0).",
    );
  }
  out.push("");
  out.push("| group | self ms | self % of V8-attributed | % of main-thread CPU |");
  out.push("|---|---|---|---|");
  const mainCpu = w?.mainThreadCpuUs;
  for (const g of s.groups) out.push(`| ${g.group} | ${ms(g.selfUs)} | ${pct(g.selfUs, s.busyUs)} | ${mainCpu ? pct(g.selfUs, mainCpu) : "–"} |`);
  if (mainCpu && s.outsideJsUs !== undefined) {
    out.push(`| main thread outside JS, sampled as (idle) | ${ms(s.outsideJsUs)} | – | ${pct(s.outsideJsUs, mainCpu)} |`);
  }
  out.push("");
  const table = (label: string, rows: FunctionRow[]) => {
    out.push(`${label}:`);
    out.push("");
    out.push("| # | self ms | self % | total ms | total % | function | file:line | group |");
    out.push("|---|---|---|---|---|---|---|---|");
    rows.forEach((r, i) =>
      out.push(`| ${i + 1} | ${ms(r.selfUs)} | ${pct(r.selfUs, s.busyUs)} | ${ms(r.totalUs)} | ${pct(r.totalUs, s.busyUs)} | \`${r.name}\` | ${r.where} | ${r.group} |`),
    );
    out.push("");
  };
  table("Top by self time", s.bySelf);
  table("Top by inclusive time", s.byTotal);
  return out.join("\n");
}

/** Every .cpuprofile under `p` (or `p` itself), largest first (the main thread's is the big one). */
export function profilesUnder(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const full = join(d, f);
      if (statSync(full).isDirectory()) walk(full);
      else if (f.endsWith(".cpuprofile")) out.push(full);
    }
  };
  walk(p);
  return out.sort((a, b) => statSync(b).size - statSync(a).size);
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: "string", default: "12" },
      "all-time": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "main-only": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(
      "usage: npx tsx loadtest/lib/cpuprofile-summary.ts <file.cpuprofile|dir>... [--top 12] [--all-time] [--main-only] [--json]\n" +
        "  --all-time   ignore window.json (count the whole process, start-up included)\n" +
        "  --main-only  per directory, only the largest profile (the main thread; tsx's loader thread has its own)",
    );
    return;
  }
  const top = Number(values.top);
  const summaries: ProfileSummary[] = [];
  for (const p of positionals) {
    const files = profilesUnder(p);
    const byDir = new Map<string, string[]>();
    for (const f of files) byDir.set(dirname(f), [...(byDir.get(dirname(f)) ?? []), f]);
    for (const list of byDir.values()) {
      for (const f of values["main-only"] ? list.slice(0, 1) : list) summaries.push(summarizeProfile(f, { top, allTime: values["all-time"] }));
    }
  }
  if (values.json) {
    console.log(JSON.stringify(summaries, null, 2));
    return;
  }
  for (const s of summaries) console.log(formatSummary(s, relative(process.cwd(), s.file)));
}

if (require.main === module) main();
