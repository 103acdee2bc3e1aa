// The markdown report: one table per case, one row per server, ratios against upstream
// socket.io (its default ws engine, or its uWS flavour when ws did not run) and the bare floor.
//
// Ratios: for rates, server ÷ reference (above 1 = faster); for CPU per operation and memory
// per connection, server ÷ reference too (below 1 = cheaper). Both are said in the header.
import type { CaseResult } from "../scenarios/types";
import { fmtBytes, fmtRate, fmtRatio, fmtUs } from "./format";

export function referenceOf(rows: CaseResult[]): CaseResult | undefined {
  const usable = rows.filter((r) => r.ok && !r.skipped);
  return usable.find((r) => r.server === "upstream-ws") ?? usable.find((r) => r.server === "upstream-uws");
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}

function lossText(r: CaseResult): string {
  if (!r.loss) return "–";
  const l = r.loss;
  const bad = l.lost + l.outOfOrder + l.unexpected;
  return bad === 0 && l.disconnects === 0 ? `0 of ${fmtRate(l.expected)}` : `lost ${l.lost}, ooo ${l.outOfOrder}, mis ${l.unexpected}, disc ${l.disconnects}`;
}

export function caseTable(rows: CaseResult[]): string {
  const spec = rows[0].spec;
  const ref = referenceOf(rows);
  const floor = rows.find((r) => r.server === "bare-uws" && r.ok);
  const idle = spec.kind === "idle";
  const unit = idle ? "memory/conn" : (rows.find((r) => r.rate)?.rate?.unit ?? "rate");
  const lines: string[] = [];
  lines.push(`### ${spec.id}  (${spec.clients} clients${spec.kind === "echo" || spec.kind === "fanout" ? `, ${spec.durationS}s` : ""})`);
  lines.push("");
  const head = idle
    ? ["server", "RSS/conn", "heap/conn", "× ref", "× floor", "RSS total", "connect p50", "connect p99", "notes"]
    : ["server", unit, "× ref", "× floor", "p50", "p99", spec.kind === "fanout" ? "last-recipient p99" : "", "srv CPU/op usr+sys=total", "CPU × ref", "RSS", "client CPU", "loss", "notes"].filter(Boolean);
  lines.push(`| ${head.join(" | ")} |`);
  lines.push(`|${head.map(() => "---").join("|")}|`);
  for (const r of rows) {
    if (r.skipped) {
      lines.push(`| ${r.server} | ${head.slice(1, -1).map(() => "n/a").join(" | ")} | ${r.skipped} |`);
      continue;
    }
    const spread = r.repeats
      ? `median of ${r.repeats.n}: ${idle ? r.repeats.headline.map(fmtBytes).join(", ") : r.repeats.headline.map(fmtRate).join(", ")}; CPU/op ${r.repeats.cpuPerOpUs.map(fmtUs).join(", ")}`
      : "";
    // hyperio rows say when src/native ran on the TS twin (hyperio-twin by design; hyperio only if the addon failed to load).
    const twin = r.native && !r.native.native ? `src/native: TS twin (${r.native.reason})` : "";
    // Connects the server cut right after their upgrade (README: the uWS cork bug) were retried; say how many.
    const cut = r.repeats?.cutRetried ?? r.connect?.cutRetried ?? 0;
    const cutNote = cut > 0 ? `${cut} connect${cut === 1 ? "" : "s"} cut by the server after the 101 and retried` : "";
    const note = r.ok ? [twin, spread, cutNote].filter(Boolean).join("; ") : `**FAILED**: ${r.error ?? "?"}`.replace(/\|/g, "/");
    if (idle) {
      const per = r.serverMem?.perConnBytes;
      lines.push(
        `| ${r.server} | ${fmtBytes(per)} | ${fmtBytes(r.serverMem?.heapPerConnBytes)} | ${fmtRatio(ratio(per, ref?.serverMem?.perConnBytes))} | ${fmtRatio(ratio(per, floor?.serverMem?.perConnBytes))} | ${fmtBytes(r.serverMem?.rssAfterBytes)} | ${fmtUs(r.connect?.handshake.p50)} | ${fmtUs(r.connect?.handshake.p99)} | ${note} |`,
      );
      continue;
    }
    const rate = r.rate?.perSecond;
    const cpu = r.serverCpu?.perOp;
    const cells = [
      r.server,
      fmtRate(rate),
      fmtRatio(ratio(rate, ref?.rate?.perSecond)),
      fmtRatio(ratio(rate, floor?.rate?.perSecond)),
      fmtUs(r.latency?.each?.p50),
      fmtUs(r.latency?.each?.p99),
    ];
    if (spec.kind === "fanout") cells.push(fmtUs(r.latency?.lastRecipient?.p99));
    cells.push(
      cpu ? `${fmtUs(cpu.userUs)}+${fmtUs(cpu.systemUs)}=${fmtUs(cpu.totalUs)}` : "–",
      fmtRatio(ratio(cpu?.totalUs, ref?.serverCpu?.perOp.totalUs)),
      fmtBytes(r.serverMem?.rssAfterBytes),
      r.clientCpu ? `${(r.clientCpu.coreShare * 100).toFixed(0)}% (${r.clientProcesses}p)` : "–",
      lossText(r),
      note,
    );
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("");
  return lines.join("\n");
}

export function markdownReport(results: CaseResult[], header: string): string {
  const byCase = new Map<string, CaseResult[]>();
  for (const r of results) {
    const list = byCase.get(r.spec.id) ?? [];
    list.push(r);
    byCase.set(r.spec.id, list);
  }
  const out = [header, ""];
  out.push(
    "Ratios: × ref is against upstream socket.io (upstream-ws, else upstream-uws); × floor against bare-uws. " +
      "Rates: higher is better. CPU/op and memory: lower is better. p50/p99: emit → each recipient (fanout), ack round trip (echo), connect → ready (storm). " +
      "Client CPU: share of one core used by the load client during the measured window (near 100% per process means the client, not the server, may be the limit).",
    "",
  );
  for (const rows of byCase.values()) out.push(caseTable(rows));
  return out.join("\n");
}
