// One SVG chart per scenario family, written by hand (no chart dependency).
//
// Each case is a group of horizontal bars, one per server, in two panels: the headline rate
// (higher is better; for idle, memory per connection, lower is better) and server CPU per
// operation (lower is better). Bars are scaled within their case so every case reads on its
// own; the printed value is the absolute figure.
import type { CaseResult } from "../scenarios/types";
import { fmtBytes, fmtRate, fmtUs } from "./format";

const COLORS: Record<string, string> = {
  hyperio: "#d9480f",
  "hyperio-node": "#f08c00",
  "upstream-ws": "#1c7ed6",
  "upstream-uws": "#5f3dc4",
  "bare-uws": "#868e96",
};

const W = 960;
const LABEL_W = 110;
const PANEL_W = (W - LABEL_W - 40) / 2;
const BAR_H = 14;
const BAR_GAP = 3;
const CASE_GAP = 26;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface Bar {
  server: string;
  value?: number;
  text: string;
}

function panel(x: number, y: number, bars: Bar[]): string {
  const max = Math.max(...bars.map((b) => b.value ?? 0), 1e-12);
  return bars
    .map((b, i) => {
      const by = y + i * (BAR_H + BAR_GAP);
      const len = b.value !== undefined && Number.isFinite(b.value) ? Math.max(1, ((PANEL_W - 130) * b.value) / max) : 0;
      const color = COLORS[b.server] ?? "#495057";
      return (
        `<rect x="${x}" y="${by}" width="${len.toFixed(1)}" height="${BAR_H}" fill="${color}"/>` +
        `<text x="${(x + len + 4).toFixed(1)}" y="${by + BAR_H - 3}" class="v">${esc(b.text)}</text>`
      );
    })
    .join("");
}

export function familyChart(family: string, results: CaseResult[], subtitle: string): string {
  const cases = new Map<string, CaseResult[]>();
  for (const r of results) {
    if (r.spec.family !== family) continue;
    const list = cases.get(r.spec.id) ?? [];
    list.push(r);
    cases.set(r.spec.id, list);
  }
  const parts: string[] = [];
  let y = 84;
  const idle = [...cases.values()][0]?.[0]?.spec.kind === "idle";
  const leftTitle = idle ? "server RSS per connection (lower is better)" : `${[...cases.values()][0]?.find((r) => r.rate)?.rate?.unit ?? "rate"} (higher is better)`;
  for (const [id, rows] of cases) {
    parts.push(`<text x="10" y="${y}" class="case">${esc(id)}</text>`);
    y += 8;
    rows.forEach((r, i) => {
      parts.push(`<text x="${LABEL_W - 6}" y="${y + i * (BAR_H + BAR_GAP) + BAR_H - 3}" class="srv" text-anchor="end">${esc(r.server)}</text>`);
    });
    const usable = (r: CaseResult) => r.ok && !r.skipped;
    const left: Bar[] = rows.map((r) => {
      if (!usable(r)) return { server: r.server, text: r.skipped ? "n/a" : "failed" };
      if (idle) return { server: r.server, value: r.serverMem?.perConnBytes, text: fmtBytes(r.serverMem?.perConnBytes) };
      return { server: r.server, value: r.rate?.perSecond, text: `${fmtRate(r.rate?.perSecond)}/s` };
    });
    const right: Bar[] = rows.map((r) => {
      if (!usable(r)) return { server: r.server, text: r.skipped ? "n/a" : "failed" };
      const v = r.serverCpu?.perOp.totalUs;
      return { server: r.server, value: v, text: r.serverCpu ? `${fmtUs(v)} (usr ${fmtUs(r.serverCpu.perOp.userUs)})` : "–" };
    });
    parts.push(panel(LABEL_W, y, left));
    parts.push(panel(LABEL_W + PANEL_W + 30, y, right));
    y += rows.length * (BAR_H + BAR_GAP) + CASE_GAP;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif">`,
    `<style>.case{font-size:13px;font-weight:600}.srv{font-size:11px}.v{font-size:10px;fill:#212529}.h{font-size:12px;fill:#495057}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="700">${esc(family)}</text>`,
    `<text x="10" y="40" class="h">${esc(subtitle.length > 150 ? `${subtitle.slice(0, 147)}...` : subtitle)}</text>`,
    `<text x="${LABEL_W}" y="58" class="h">${esc(leftTitle)}</text>`,
    `<text x="${LABEL_W + PANEL_W + 30}" y="58" class="h">server CPU per ${idle ? "connection" : "operation"} (lower is better)</text>`,
    ...parts,
    `</svg>`,
  ].join("\n");
}

/** One line of a time-series chart: a server's values over time (seconds). */
export interface Series {
  name: string;
  points: Array<[number, number]>;
}

/**
 * A line chart over time (the soak's plots: connections, deliveries/s, p99, RSS, heap, fds,
 * drops by cause), one line per series, with the axis labelled by `fmt`. Non-finite values
 * leave a gap in their line.
 */
export function timeSeriesChart(title: string, series: Series[], fmt: (v: number) => string, markers: Array<{ t: number; label: string }> = []): string {
  const w = 960;
  const h = 260;
  const left = 80;
  const right = 20;
  const top = 36;
  const bottom = 40;
  const all = series.flatMap((s) => s.points.filter(([, v]) => Number.isFinite(v)));
  const tMax = Math.max(1, ...all.map(([t]) => t));
  const vMax = Math.max(1e-12, ...all.map(([, v]) => v));
  const x = (t: number) => left + ((w - left - right) * t) / tMax;
  const y = (v: number) => top + (h - top - bottom) * (1 - v / vMax);
  const palette = ["#d9480f", "#1c7ed6", "#2f9e44", "#5f3dc4", "#e8590c", "#0c8599", "#c2255c", "#868e96"];
  const lines = series.map((s, i) => {
    const color = COLORS[s.name] ?? palette[i % palette.length];
    let d = "";
    let pen = false;
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    const legend = `<rect x="${left + i * 190}" y="${h - 14}" width="10" height="10" fill="${color}"/><text x="${left + 14 + i * 190}" y="${h - 5}" class="v">${esc(s.name.length > 28 ? `${s.name.slice(0, 27)}…` : s.name)}</text>`;
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>${legend}`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) => `<line x1="${left}" x2="${w - right}" y1="${y(f * vMax).toFixed(1)}" y2="${y(f * vMax).toFixed(1)}" stroke="#e9ecef"/><text x="${left - 4}" y="${(y(f * vMax) + 3).toFixed(1)}" class="v" text-anchor="end">${esc(fmt(f * vMax))}</text>`,
  );
  const tTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(f * tMax).toFixed(1)}" y="${h - bottom + 14}" class="v" text-anchor="middle">${Math.round(f * tMax)} s</text>`);
  const marks = markers.map(
    (m) => `<line x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${top}" y2="${h - bottom}" stroke="#adb5bd" stroke-dasharray="3,3"/><text x="${(x(m.t) + 3).toFixed(1)}" y="${top + 10}" class="v">${esc(m.label)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="system-ui, sans-serif">`,
    `<style>.v{font-size:10px;fill:#495057}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="700">${esc(title)}</text>`,
    ...ticks,
    ...tTicks,
    ...marks,
    ...lines,
    `</svg>`,
  ].join("\n");
}
