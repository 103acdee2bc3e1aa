// The hyperio-twin server variant (HYPERIO_NO_NATIVE=1, checked from its listening notice) and
// --profile: a profiled server exits cleanly, its .cpuprofile and source maps are written, and
// the report carries a summary naming hyperio's TypeScript files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runHarness } from "../../loadtest/harness";
import { profilesUnder } from "../../loadtest/lib/cpuprofile-summary";
import { hyperioLooksAvailable } from "../../loadtest/servers/hyperio-module";
import { assertPlausible } from "./plausible";

test(
  "hyperio-twin runs src/native's twin; hyperio the addon; --profile writes and summarises profiles",
  { timeout: 55000, skip: hyperioLooksAvailable() ? false : "src/index.ts does not exist yet" },
  async () => {
    const outDir = mkdtempSync(join(tmpdir(), "hyperio-loadtest-"));
    try {
      const run = await runHarness({
        scenarios: ["polling"],
        servers: ["hyperio", "hyperio-twin"],
        durationS: 0.3,
        smoke: true,
        concurrency: 100,
        windowTimeoutMs: 10000,
        outDir,
        progress: false,
        command: "harness-profile.test.ts",
        profile: { dir: join(outDir, "profiles"), top: 5 },
      });
      for (const r of run.results) assertPlausible(r);
      const twin = run.results.find((r) => r.server === "hyperio-twin")!;
      assert.equal(twin.native?.native, false);
      assert.match(twin.native!.reason, /HYPERIO_NO_NATIVE/);
      const main = run.results.find((r) => r.server === "hyperio")!;
      assert.ok(main.native, "hyperio reports nativeInfo");
      for (const r of run.results) {
        assert.ok(r.profileDir);
        assert.ok(profilesUnder(r.profileDir).length > 0, `no profile for ${r.server}`);
      }
      assert.match(run.markdown, /## CPU profiles/);
      assert.match(run.markdown, /src\/[\w/-]+\.ts:\d+/);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  },
);
