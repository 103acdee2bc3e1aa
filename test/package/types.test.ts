// The published declarations (dist/*.d.ts, built with stripInternal by `npm run build`,
// which `npm test` runs first): no @internal member ships, and what remains compiles in a
// user's project that type-checks library files (skipLibCheck off), importing "hyperio"
// and "hyperio/engine" through the package's own "exports".
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

function declarationFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...declarationFiles(full));
    else if (name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

test("dist/*.d.ts carries no @internal member", () => {
  const leaking = declarationFiles(join(root, "dist")).filter((f) => readFileSync(f, "utf8").includes("@internal"));
  assert.deepEqual(leaking, []);
});

test("a user's TypeScript file compiles against the published declarations with skipLibCheck off", () => {
  const project = mkdtempSync(join(tmpdir(), "hyperio-types-"));
  try {
    // The package as a user's node_modules holds it: hyperio itself (a link to this
    // checkout) and the type packages its declarations refer to.
    mkdirSync(join(project, "node_modules", "@types"), { recursive: true });
    symlinkSync(root, join(project, "node_modules", "hyperio"), "dir");
    for (const dep of ["uWebSockets.js", "ws", "@types/node", "@types/ws", "@types/debug", "undici-types", "socket.io-adapter"]) {
      try {
        symlinkSync(join(root, "node_modules", dep), join(project, "node_modules", dep), "dir");
      } catch {
        // not every dependency is present in every install; the compile says if one is needed
      }
    }
    copyFileSync(join(__dirname, "fixtures", "consumer.ts"), join(project, "index.ts"));
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          module: "node16",
          moduleResolution: "node16",
          target: "ES2022",
          types: ["node"],
        },
        files: ["index.ts"],
      }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    try {
      execFileSync(process.execPath, [tsc, "-p", project], { cwd: project, encoding: "utf8" });
    } catch (err) {
      assert.fail(`tsc reported errors:\n${(err as { stdout?: string }).stdout ?? err}`);
    }
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
