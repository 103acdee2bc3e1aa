// A tsc build of hyperio's src/ for the servers under test (the code users run; see
// servers/hyperio-module.ts for why not tsx). One build per harness run, into
// loadtest/results/.hyperio-build/<time>/ (gitignored), from the working tree as it is.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const REPO = join(__dirname, "..", "..");

export interface HyperioBuild {
  dir: string;
  ms: number;
  /** tsc's type errors (it emits anyway); the build is usable when src/index.js exists. */
  diagnostics: string;
}

export function buildHyperio(outRoot = join(REPO, "loadtest", "results", ".hyperio-build")): HyperioBuild {
  const dir = join(outRoot, new Date().toISOString().replace(/[:.]/g, "-"));
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", join(REPO, "tsconfig.build.json"), "--outDir", dir], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 180000,
  });
  const diagnostics = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
  // The build mirrors the tree (src/, workers/); the servers load hyperio from its src/.
  const src = join(dir, "src");
  if (!existsSync(join(src, "index.js"))) {
    throw new Error(`hyperio build failed (tsc exit ${r.status ?? r.signal}): ${diagnostics.slice(0, 500) || r.error?.message}`);
  }
  return { dir, ms: Date.now() - t0, diagnostics };
}

/**
 * Environment for a hyperio server process that runs the build in `dir` (the addon stays where
 * npm built it). Builds mirror the tree (dir/src/index.js); a build of a commit from before
 * workers/ existed has index.js at its top, and is taken as it is.
 */
export function buildEnv(dir: string): Record<string, string> {
  const src = existsSync(join(dir, "src", "index.js")) ? join(dir, "src") : dir;
  return { LOADTEST_HYPERIO_BUILD: src, HYPERIO_NATIVE_PATH: join(REPO, "build", "Release", "hyperio_native.node") };
}
