// Regenerates lib/*.d.ts from the JSDoc in lib/*.js (the JS is the source of truth; the
// declarations exist for the Node tests, which the root tsconfig compiles without allowJs).
//   node loadtest/k6/build-types.mjs          write lib/*.d.ts
//   node loadtest/k6/build-types.mjs --check  exit 1 when a committed .d.ts is stale
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const lib = join(here, "lib");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const check = process.argv.includes("--check");

const out = mkdtempSync(join(tmpdir(), "k6-dts-"));
try {
  execFileSync(process.execPath, [tsc, "-p", join(here, "tsconfig.lib.json"), "--outDir", out], { stdio: "inherit" });
  const stale = [];
  for (const name of readdirSync(out).filter((n) => n.endsWith(".d.ts")).sort()) {
    const fresh = readFileSync(join(out, name), "utf8");
    const target = join(lib, name);
    const current = existsSync(target) ? readFileSync(target, "utf8") : "";
    if (fresh === current) continue;
    if (check) stale.push(name);
    else writeFileSync(target, fresh);
  }
  if (stale.length) {
    console.error(`stale declarations: ${stale.join(", ")}; run node loadtest/k6/build-types.mjs`);
    process.exitCode = 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
