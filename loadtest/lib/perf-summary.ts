// Summary of a `perf record` of a server (harness --profile --perf): CPU samples by binary
// (kernel, uWS addon, hyperio addon, node, V8 JIT code, libc) and by symbol.
//
//   npx tsx loadtest/lib/perf-summary.ts <perf.data> [--top 12]
//
// This is the half of the picture V8's CPU profile cannot show: native work that runs outside
// JS callbacks (uWS's event-loop handlers, its socket writes, the kernel's send path) is
// "(idle)" to V8. JIT frames resolve through /tmp/perf-<pid>.map (--perf-basic-prof).
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

export interface PerfRow {
  share: number;
  dso: string;
  sym?: string;
}

function report(file: string, sort: string): PerfRow[] {
  const r = spawnSync("perf", ["report", "-i", file, "--stdio", "--no-children", "--sort", sort, "-q", "--percent-limit", "0.3"], {
    encoding: "utf8",
    timeout: 120000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`perf report failed: ${(r.stderr || r.error?.message || "").trim().slice(0, 300)}`);
  const rows: PerfRow[] = [];
  for (const line of r.stdout.split("\n")) {
    // "    12.34%  node             [.] Builtins_..."  or, with --sort dso, "  12.34%  node"
    const m = /^\s*([\d.]+)%\s+(\[JIT\] tid \d+|\S+)(?:\s+\[[.k]\]\s+(.*?))?\s*$/.exec(line);
    if (m) rows.push({ share: Number(m[1]), dso: m[2], sym: m[3]?.trim() });
  }
  return rows;
}

/** A short name for a binary: which part of the stack it is. */
export function dsoLabel(dso: string): string {
  if (dso === "[kernel.kallsyms]" || dso.startsWith("[kernel")) return `${dso} (kernel: syscalls, TCP loopback)`;
  if (/uws_.*\.node/.test(dso)) return `${dso} (uWebSockets.js C++)`;
  if (dso.includes("hyperio_native")) return `${dso} (hyperio addon)`;
  if (/^perf-\d+\.map$/.test(dso) || dso.startsWith("[JIT]")) return `${dso} (V8 JIT code: JS)`;
  if (dso === "node") return "node (V8 runtime, builtins, GC, libuv)";
  if (dso.startsWith("libc")) return `${dso} (libc: malloc, memcpy)`;
  return dso;
}

export function perfSummary(file: string, top = 12): string {
  const out: string[] = [];
  try {
    const byDso = report(file, "dso");
    const bySym = report(file, "dso,sym");
    out.push(`perf (Linux, ${file}): share of the server's sampled CPU in the measured window, all threads`);
    out.push("");
    out.push("| share | binary |", "|---|---|");
    for (const r of byDso.slice(0, top)) out.push(`| ${r.share.toFixed(1)}% | ${dsoLabel(r.dso)} |`);
    out.push("");
    out.push("| share | binary | symbol |", "|---|---|---|");
    for (const r of bySym.slice(0, top)) out.push(`| ${r.share.toFixed(1)}% | ${r.dso} | \`${(r.sym ?? "").replace(/\|/g, "/").slice(0, 110)}\` |`);
  } catch (err) {
    out.push(`perf summary unavailable: ${(err as Error).message}`);
  }
  return out.join("\n");
}

if (require.main === module) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "12" } } });
  if (positionals.length === 0) console.log("usage: npx tsx loadtest/lib/perf-summary.ts <perf.data> [--top 12]");
  for (const f of positionals) console.log(perfSummary(f, Number(values.top)));
}
