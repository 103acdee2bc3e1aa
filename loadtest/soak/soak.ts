// `npm run soak -- --minutes M --clients N [--server hyperio|upstream|both] [--recovery on|off]`
//
// Runs the soak (run.ts) against each server named, one after the other, writes the report
// (report.ts) and ends with the line `soak: D delivered, L lost, U duplicated, O out of order`
// of the last server run (hyperio's when both). With recovery on, it exits 1 when that line
// has any loss, duplicate or reordering, or a misdelivery or crash happened.
import { join } from "node:path";
import { buildHyperio } from "../lib/hyperio-build";
import { HELP, parseOptions, type SoakOptions } from "./options";
import { mkdirSync, writeFileSync } from "node:fs";
import { cyclesOnlyMarkdown, lastLine, verdictOf, writeReport } from "./report";
import { runCyclesOnly, runSoak, type SoakResult } from "./run";

async function main(): Promise<number> {
  let o: SoakOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    const msg = (err as Error).message;
    process.stderr.write(`${msg}\n`);
    return msg === HELP ? 0 : 2;
  }
  const progress = o.quiet ? () => undefined : (s: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  let build: string | undefined;
  if (o.servers.includes("hyperio") && o.hyperioCode === "build") {
    progress("building hyperio (tsc)");
    build = buildHyperio().dir;
  }
  // Upstream first, so the last line is hyperio's when both run.
  const order = [...o.servers].sort((a) => (a === "upstream" ? -1 : 1));
  const command = `npm run soak -- ${process.argv.slice(2).join(" ")}`;
  if (o.cyclesOnly) {
    const cycles = [];
    for (const impl of order) cycles.push({ impl, cycles: await runCyclesOnly(o, impl, build, progress) });
    const md = cyclesOnlyMarkdown(o, cycles, command);
    const dir = o.out || join(__dirname, "..", "results");
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `cycles-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    writeFileSync(`${base}.md`, md);
    writeFileSync(`${base}.json`, JSON.stringify({ command, options: o, results: cycles }, null, 1));
    process.stdout.write(`${md}\nwrote ${base}.md, ${base}.json\n`);
    return 0;
  }
  const results: SoakResult[] = [];
  for (const impl of order) results.push(await runSoak(o, impl, build, progress));
  const { md, files } = writeReport(o, results, command, o.out || join(__dirname, "..", "results"));
  process.stdout.write(`${md}\n\nwrote ${files.join(", ")}\n`);
  const last = results[results.length - 1];
  const v = verdictOf(last);
  process.stdout.write(`${lastLine(v)}\n`);
  const bad = v.lost > 0 || v.duplicated > 0 || v.outOfOrder > 0 || v.misdelivered > 0 || last.crashed.length > 0;
  return o.recovery && bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`soak failed: ${(err as Error).stack ?? err}\n`);
    process.exit(2);
  },
);
