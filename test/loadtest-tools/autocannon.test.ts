// The autocannon polling scenario (loadtest/autocannon/polling.ts) for real, against hyperio
// and upstream socket.io 4.8, each the main harness's server process (servers/*.ts, with the
// load-test convention's handlers): the chain must run clean on both, every ack must carry
// back the round and payload it was sent with (which only happens when the sid read from each
// handshake was carried into the requests after it), and the side-by-side table names both.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_OPTIONS, formatComparison, runAgainst, runPollingScenario, type ServerRun } from "../../loadtest/autocannon/polling";
import { TargetLauncher } from "../../loadtest/k6/runner/targets";

// hyperio from src/ through tsx: no build step in a test.
const launcher = new TargetLauncher("tsx");
after(() => launcher.dispose());

const runs: ServerRun[] = [];

for (const kind of ["hyperio", "upstream-ws"] as const) {
  test(`polling chain runs 1 s against ${kind} with a valid sid on every request`, { timeout: 90_000 }, async () => {
    const run = await runAgainst(launcher, kind, { duration: 1, connections: 2, rounds: 4, payload: "4KiB" });
    runs.push(run);
    const result = run.result;
    const c = result.chain;
    assert.equal(result.errors, 0, "connection errors");
    assert.equal(result.timeouts, 0, "timeouts");
    assert.equal(result.non2xx, 0, "non-2xx responses");
    assert.equal(c.protocolErrors, 0, `protocol errors (first: ${c.firstProtocolError})`);
    assert.equal(c.badAcks, 0, "acks that did not echo the round and payload");
    assert.ok(result.totalRequests > 0, "no requests completed");
    assert.ok(c.sessions > 0 && c.connected > 0 && c.acks > 0, JSON.stringify(c));
    // Acks only come back for echoes that were sent, on sessions that connected.
    assert.ok(c.acks <= c.echoesSent && c.connected <= c.sessions, JSON.stringify(c));
    assert.ok(run.serverCpuUs !== undefined && run.serverCpuUs > 0, "server CPU read from /proc");
  });
}

test("the comparison table has a row per server and the ratio against upstream", () => {
  assert.equal(runs.length, 2, "both runs above completed");
  const table = formatComparison(runs);
  assert.match(table, /^\| hyperio \| /m);
  assert.match(table, /^\| upstream-ws \| .* \| 1\.00× \| /m);
});

test("runPollingScenario rejects bad options with the option's name", async () => {
  const base = { url: "http://127.0.0.1:1", ...DEFAULT_OPTIONS, duration: 1, connections: 1, rounds: 1 };
  await assert.rejects(runPollingScenario({ ...base, url: "127.0.0.1:1" }), /url must be/);
  await assert.rejects(runPollingScenario({ ...base, duration: 0 }), /duration must be/);
  await assert.rejects(runPollingScenario({ ...base, connections: 1.5 }), /connections must be/);
  await assert.rejects(runPollingScenario({ ...base, payload: "1MiB" as never }), /payload must be/);
});
