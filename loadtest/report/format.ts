// Number formatting shared by the table and the chart.

export function fmtRate(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "–";
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 100) return n.toFixed(0);
  return n.toFixed(1);
}

/** Microseconds, shown in the unit that keeps 3 significant digits readable. */
export function fmtUs(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return "–";
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(us >= 1e5 ? 0 : 1)} ms`;
  if (us >= 10) return `${us.toFixed(0)} µs`;
  return `${us.toFixed(2)} µs`;
}

export function fmtBytes(b: number | undefined): string {
  if (b === undefined || !Number.isFinite(b)) return "–";
  const a = Math.abs(b);
  if (a >= 1 << 30) return `${(b / (1 << 30)).toFixed(2)} GiB`;
  if (a >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (a >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KiB`;
  return `${b.toFixed(0)} B`;
}

export function fmtRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return "–";
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}
