// The soak's report: markdown with the figures side by side, the JSON of everything, and one
// SVG plot over time per watched figure (every server's line on the same plot).
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { timeSeriesChart, type Series } from "../report/svg";
import { fmtBytes } from "../report/format";
import { cycleRows, cyclesVerdict, type CycleResult } from "./cycles";
import type { SoakOptions } from "./options";
import type { SoakResult } from "./run";

export interface Verdict {
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  misdelivered: number;
}

/** The last line's figures: checked deliveries plus client emits the server accepted. */
export function verdictOf(r: SoakResult): Verdict {
  return {
    delivered: r.tally.delivered + r.clientEmits.accepted,
    lost: r.tally.lost + r.clientEmits.lost,
    duplicated: r.tally.duplicated + r.clientEmits.duplicated,
    outOfOrder: r.tally.outOfOrder + r.clientEmits.outOfOrder,
    misdelivered: r.tally.misdelivered,
  };
}

export function lastLine(v: Verdict): string {
  return `soak: ${v.delivered} delivered, ${v.lost} lost, ${v.duplicated} duplicated, ${v.outOfOrder} out of order`;
}

const ms = (us: number) => (Number.isFinite(us) ? `${(us / 1000).toFixed(1)} ms` : "–");
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const pct = (f: number) => `${f >= 0 ? "+" : ""}${(f * 100).toFixed(1)}%`;

const msOf = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 1 : 0)} ms` : "–");

/** Counts by cause summed over the nodes. */
function sumOf(list: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rec of list) for (const [k, v] of Object.entries(rec)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function causes(rec: Record<string, number>): string {
  const e = Object.entries(rec).filter(([, v]) => v > 0);
  return e.length ? e.map(([k, v]) => `${k}: ${v}`).join("; ") : "none";
}

export function markdown(o: SoakOptions, results: SoakResult[], command: string, files: string[]): string {
  const col = (f: (r: SoakResult) => string) => results.map(f).join(" | ");
  const head = `| | ${results.map((r) => r.impl).join(" | ")} |\n|---|${results.map(() => "---").join("|")}|`;
  const row = (name: string, f: (r: SoakResult) => string) => `| ${name} | ${col(f)} |`;
  const v = results.map(verdictOf);
  const lines = [
    `# Soak: ${o.clients} clients, ${o.minutes} min, recovery ${o.recovery ? "on" : "off"}${o.cluster !== "off" ? `, 3-node cluster on ${o.cluster === "pubsub" ? "@socket.io/redis-adapter" : "@socket.io/redis-streams-adapter"}` : ", one node"}`,
    "",
    "```",
    command,
    "```",
    "",
    `Faults: ${o.faults ? `proxy cuts ${(o.cutPerMinute * 100).toFixed(1)}%/min of the connections, delays ${o.delayMs} ms on ${o.delayShare * 100}%, stalls ${o.stallMs} ms (${o.stallShare * 100}%/min); reconnect storm (${o.stormShare * 100}% cut at once) at ${o.stormAt * 100}% of the run; disconnectSockets() on 2% of the clients every ${o.kickEverySec} s; 1% of clients stop reading; namespace churn (${o.churnShare * 100}% of clients)${o.cluster !== "off" ? "; redis-server killed and restarted at 1/3, node 2 killed at 2/3" : ""}` : "none"}.`,
    `Traffic: ${o.broadcastsPerSec} broadcasts/s over 4 room patterns, a per-socket emit every ${o.directEveryMs} ms and one with ack every ${o.ackEveryMs} ms per client, a client emit with ack every ${o.emitEveryMs} ms per client, ${o.volatilePerSec} volatile/s, ${o.slowBytes} B to the slow readers 5 times a second.`,
    "",
    head,
    row("delivered (checked + client emits)", (r) => String(verdictOf(r).delivered)),
    row("lost", (r) => String(verdictOf(r).lost)),
    row("duplicated", (r) => String(verdictOf(r).duplicated)),
    row("out of order", (r) => String(verdictOf(r).outOfOrder)),
    row("lost by stream (b broadcast, d per-socket, a with ack)", (r) => causes(r.tally.lostBy)),
    row("duplicated by connection and age", (r) => causes(r.tally.dupBy ?? {})),
    row("misdelivered", (r) => String(r.tally.misdelivered)),
    row("missed while cut off, not recovered (by cause)", (r) => causes(r.tally.unrecovered)),
    row("lost or duplicated inside declared faults", (r) => causes(r.tally.faults)),
    row("client emits: accepted / retries / lost / dup", (r) => `${r.clientEmits.accepted} / ${r.clientEmits.retries} / ${r.clientEmits.lost} / ${r.clientEmits.duplicated}`),
    row("checked clients / connected at end", (r) => `${r.checked} / ${r.connectedAtEnd}`),
    row("reconnects (recovered / not)", (r) => `${r.reconnects} (${r.recovered} / ${r.notRecovered})`),
    row("server: recovery asked → hit / miss, old socket still connected / miss, other", (r) => {
      const sum = (f: (s: SoakResult["serverFinal"][number]) => number) => r.serverFinal.reduce((a, s) => a + (f(s) ?? 0), 0);
      return `${sum((s) => s.recoveryHit)} / ${sum((s) => s.recoveryMissOldAlive)} / ${sum((s) => s.recoveryMissOther)}`;
    }),
    row("io.metrics() at the end (hyperio)", (r) => {
      const m = r.serverFinal[0]?.metrics;
      if (!m) return "–";
      const pick = ["recoveryHits", "recoveryMisses", "closedBufferLimitExceeded", "closedPingTimeout", "closedTransportClose", "closedTransportError", "backpressure", "dropped", "broadcasts", "deliveries", "packetsOut"];
      return pick.filter((k) => k in m).map((k) => `${k} ${m[k]}`).join(", ");
    }),
    row("connect N", (r) => `${r.connect.connected} in ${(r.connect.ms / 1000).toFixed(1)} s`),
    row("delivery latency p50 / p99 (live)", (r) => `${ms(r.live.p50)} / ${ms(r.live.p99)}`),
    row("replayed after recovery p50 / p99", (r) => `${ms(r.replayed.p50)} / ${ms(r.replayed.p99)} (${r.replayed.count})`),
    row("storm: p99 before / worst second after / back in", (r) => (r.storm ? `${ms(r.storm.p99UsBefore)} / ${ms(r.storm.p99UsDuring)} / ${r.storm.reconnectedInS ?? "–"} s` : "–")),
    row("RSS start → end (server)", (r) => `${mib(r.seconds[0]?.rssBytes ?? NaN)} → ${mib(r.seconds[r.seconds.length - 1]?.rssBytes ?? NaN)}`),
    row("trend past warm-up: RSS / heap / fds per min", (r) => `${r.memory.rssSlopeMBPerMin.toFixed(2)} MiB / ${r.memory.heapSlopeMBPerMin.toFixed(2)} MiB / ${r.memory.fdsSlopePerMin.toFixed(1)} (from ${r.memory.from} s)`),
    row("event-loop delay p99 / max (since traffic on)", (r) => {
      const p99 = Math.max(0, ...r.serverFinal.map((s) => s.eventLoopRunP99Ms ?? NaN));
      const max = Math.max(0, ...r.serverFinal.map((s) => s.eventLoopRunMaxMs ?? NaN), ...r.seconds.map((s) => s.eventLoopMaxMs ?? 0));
      return `${msOf(p99)} / ${msOf(max)}`;
    }),
    row("sample answered in: median / max second", (r) => {
      const t = r.seconds.map((s) => s.sampleMs ?? NaN).filter(Number.isFinite).sort((a, b) => a - b);
      return t.length ? `${msOf(t[Math.floor(t.length / 2)])} / ${msOf(t[t.length - 1])}` : "–";
    }),
    row("slow readers: largest buffer seen", (r) => fmtBytes(Math.max(0, ...r.seconds.map((s) => s.slowMaxBuffered)))),
    row("slow readers closed by the server", (r) => causes(sumOf(r.serverFinal.map((s) => s.slowCloses)))),
    row("slow readers' reconnects recovered (backlog replayed)", (r) => String(r.serverFinal.reduce((a, s) => a + (s.slowRecovered ?? 0), 0))),
    row("server closes (others)", (r) => causes(sumOf(r.serverFinal.map((s) => s.closes)))),
    row("namespaces at end", (r) => String(r.serverFinal.map((s) => s.nsps).join(", "))),
    row("crashes", (r) => (r.crashed.length ? r.crashed.join("; ") : "none")),
  ];
  if (results.some((r) => r.cycles.length > 1)) {
    lines.push("", `## ${o.cycles} cycles of ${o.clients} connects and disconnects (a fresh server, GC before each reading)`, "");
    if (o.recovery) lines.push("Recovery on: each cycle's emits are kept for the recovery window (as upstream keeps them), so the baseline (cycle 1) and the final reading are taken once the window passed and the store is empty (\"recovery window passed\"); \"(N kept)\": packets the store held at that reading.", "");
    lines.push(head);
    // Readings in order (the same list for every server of the run: same K, same recovery).
    const rows = results.map((r) => cycleRows(r.cycles));
    const longest = rows.reduce((a, b) => (b.length > a.length ? b : a), []);
    longest.forEach((x, i) => lines.push(row(`${x.label}: RSS / heap / fds`, (r) => rows[results.indexOf(r)][i]?.text ?? "–")));
    lines.push(row("change from the baseline (limit +10%)", (r) => { const c = cyclesVerdict(r.cycles); return c ? `${pct(c.rss)} / ${pct(c.heap)} / ${pct(c.fds)} ${c.ok ? "ok" : "OVER"}` : "–"; }));
    lines.push(row("peak with N connected (last cycle)", (r) => { const p = r.cycles[r.cycles.length - 1]; return p ? `${mib(p.peakRssBytes)} / ${mib(p.peakHeapBytes)} / ${p.peakFds}` : "–"; }));
  }
  lines.push("", "## Events", "");
  for (const r of results) lines.push(`- ${r.impl}: ${r.events.map((e) => `${e.t} s ${e.what}`).join("; ")}`);
  if (results.some((r) => r.logs.length)) {
    lines.push("", "## Server log lines", "");
    for (const r of results) for (const l of r.logs.slice(0, 20)) lines.push(`- ${r.impl}: ${l}`);
  }
  lines.push("", "## Plots", "", ...files.map((f) => `- ${f}`), "");
  for (let i = 0; i < results.length; i++) lines.push(`${results[i].impl}: ${lastLine(v[i])}`);
  return lines.join("\n");
}

export function writeReport(o: SoakOptions, results: SoakResult[], command: string, dir: string): { md: string; files: string[] } {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const base = join(dir, `soak-${stamp}`);
  const files: string[] = [];
  const markers = (r: SoakResult) => r.events.filter((e) => /storm|redis|killed/.test(e.what)).map((e) => ({ t: e.t - (r.events.find((x) => x.what.startsWith("traffic on"))?.t ?? 0), label: e.what.split(":")[0].slice(0, 24) }));
  const plot = (name: string, title: string, pick: (s: SoakResult["seconds"][number]) => number, fmt: (v: number) => string) => {
    const series: Series[] = results.map((r) => ({ name: r.impl, points: r.seconds.map((s) => [s.t, pick(s)]) }));
    const file = `${base}-${name}.svg`;
    writeFileSync(file, timeSeriesChart(title, series, fmt, results[0] ? markers(results[0]) : []));
    files.push(file);
  };
  plot("connections", "connections (server side)", (s) => s.connections, (v) => v.toFixed(0));
  plot("deliveries", "deliveries/s (checked messages arriving at clients)", (s) => s.deliveries, (v) => v.toFixed(0));
  plot("p99", "p99 delivery latency per second (emit → client)", (s) => s.p99Us / 1000, (v) => `${v.toFixed(1)} ms`);
  plot("rss", "server RSS", (s) => s.rssBytes / 2 ** 20, (v) => `${v.toFixed(0)} MiB`);
  plot("heap", "server V8 heap used", (s) => s.heapBytes / 2 ** 20, (v) => `${v.toFixed(0)} MiB`);
  plot("fds", "server open file descriptors", (s) => s.fds, (v) => v.toFixed(0));
  // Event-loop delay: each server's p99 and largest per second (loop-lag.ts).
  const loopSeries: Series[] = results.flatMap((r) => [
    { name: `${r.impl} p99`, points: r.seconds.map((s): [number, number] => [s.t, s.eventLoopP99Ms]) },
    { name: `${r.impl} max`, points: r.seconds.map((s): [number, number] => [s.t, s.eventLoopMaxMs ?? 0]) },
  ]);
  const loopFile = `${base}-eventloop.svg`;
  writeFileSync(loopFile, timeSeriesChart("event-loop delay per second, p99 and max", loopSeries, (v) => `${v.toFixed(0)} ms`, results[0] ? markers(results[0]) : []));
  files.push(loopFile);
  // Drops by cause: one line per (server, cause), cumulative.
  const dropSeries: Series[] = [];
  for (const r of results) {
    const keys = new Set(r.seconds.flatMap((s) => Object.keys(s.drops)));
    for (const k of keys) dropSeries.push({ name: `${r.impl} ${k}`, points: r.seconds.map((s) => [s.t, s.drops[k] ?? 0]) });
  }
  const dropFile = `${base}-drops.svg`;
  writeFileSync(dropFile, timeSeriesChart("disconnects by cause (cumulative)", dropSeries.slice(0, 8), (v) => v.toFixed(0)));
  files.push(dropFile);
  const md = markdown(o, results, command, files.map((f) => f.slice(f.lastIndexOf("/") + 1)));
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.json`, JSON.stringify({ command, options: o, results }, (_k, val) => (typeof val === "number" && !Number.isFinite(val) ? null : val), 1));
  files.unshift(`${base}.md`, `${base}.json`);
  return { md, files };
}

/**
 * `--cycles-only`: every reading of every server with what its memory is made of (memory.ts),
 * one table per server, and the verdict against the baseline.
 */
export function cyclesOnlyMarkdown(o: SoakOptions, results: Array<{ impl: string; cycles: CycleResult[] }>, command: string): string {
  const f = (b: number | undefined) => (b === undefined || b < 0 ? "–" : (b / 2 ** 20).toFixed(1));
  const lines = [`# ${o.cycles} cycles of ${o.clients} connects and disconnects, recovery ${o.recovery ? `on (window ${o.recoveryWindowMs / 1000} s)` : "off"}`, "", "```", command, "```", ""];
  if (o.serverFlags.length || Object.keys(o.serverEnv).length) lines.push(`Server processes: node ${o.serverFlags.join(" ") || "(no extra flags)"}; env ${Object.entries(o.serverEnv).map(([k, v]) => `${k}=${v}`).join(" ") || "(none)"}.`, "");
  lines.push("MiB after a GC. RSS: read 1 s after the GC; RSS at once: straight after it (V8 still unmapping what it freed). brk: glibc's main-arena heap (resident); anon: other anonymous mappings; new/old: V8 new and old space, committed (used).", "");
  for (const r of results) {
    lines.push(`## ${r.impl}`, "", "| reading | RSS | RSS at once | heapTotal | heapUsed | external | arrayBuffers | brk | anon | new space | old space | kept packets / sessions |", "|---|---|---|---|---|---|---|---|---|---|---|---|");
    const labels = cycleRows(r.cycles);
    r.cycles.forEach((c, i) => {
      const m = c.memory;
      const sp = (n: string) => (m?.spaces[n] ? `${f(m.spaces[n].committed)} (${f(m.spaces[n].used)})` : "–");
      lines.push(`| ${labels[i].label} | ${f(c.rssBytes)} | ${f(c.rssAtOnceBytes)} | ${f(m?.heapTotal)} | ${f(c.heapBytes)} | ${f(m?.external)} | ${f(m?.arrayBuffers)} | ${f(m?.brkHeapRss)} | ${f(m?.otherAnonRss)} | ${sp("new_space")} | ${sp("old_space")} | ${c.keptPackets ?? "–"} / ${c.keptSessions ?? "–"} |`);
    });
    const v = cyclesVerdict(r.cycles);
    const peak = r.cycles[r.cycles.length - 1];
    lines.push("", `Change from the baseline (RSS / heap used / fds, limit +10%): ${v ? `${pct(v.rss)} / ${pct(v.heap)} / ${pct(v.fds)} ${v.ok ? "ok" : "OVER"}` : "–"}; peak with N connected (last cycle): ${mib(peak?.peakRssBytes ?? NaN)} RSS, ${mib(peak?.peakHeapBytes ?? NaN)} heap used.`, "");
  }
  return lines.join("\n");
}
