// The autocannon polling scenario (loadtest/autocannon/polling.ts) against upstream socket.io
// 4.8 in its own process: the chain must run clean, and the server's own counters must show
// that the POSTed events reached live sessions, which only happens when the sid read from
// each handshake was carried into the requests after it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { processCpuMs, runPollingScenario, startUpstreamChild } from "../../loadtest/autocannon/polling";

test("polling chain runs 2 s against upstream with a valid sid on every request", { timeout: 25_000 }, async (t) => {
  const server = await startUpstreamChild();
  t.after(() => server.stop());

  const result = await runPollingScenario({ url: server.url, duration: 2, connections: 2, rounds: 4, size: 32 });
  const counters = await server.stats();
  const c = result.chain;

  assert.equal(result.errors, 0, "connection errors");
  assert.equal(result.timeouts, 0, "timeouts");
  assert.equal(result.non2xx, 0, "non-2xx responses");
  assert.equal(c.protocolErrors, 0, `protocol errors (first: ${c.firstProtocolError})`);
  assert.equal(c.badAcks, 0, "acks that did not echo the payload");
  assert.ok(result.totalRequests > 0, "no requests completed");
  assert.ok(c.sessions > 0 && c.connected > 0 && c.acks > 0, JSON.stringify(c));

  // The server counted the echoes it received: at least every one acked, at most every one sent
  // (the run may stop between a POST and the GET that reads its ack).
  assert.ok(counters.echoes >= c.acks, `server saw ${counters.echoes} echoes, client got ${c.acks} acks`);
  assert.ok(counters.echoes <= c.echoesSent, `server saw ${counters.echoes} echoes, client sent ${c.echoesSent}`);
  assert.ok(counters.connections >= c.connected && counters.connections <= c.sessions, JSON.stringify({ counters, c }));
});

test("runPollingScenario rejects bad options with the option's name", async () => {
  const base = { url: "http://127.0.0.1:1", duration: 1, connections: 1, rounds: 1, size: 0 };
  await assert.rejects(runPollingScenario({ ...base, url: "127.0.0.1:1" }), /url must be/);
  await assert.rejects(runPollingScenario({ ...base, duration: 0 }), /duration must be/);
  await assert.rejects(runPollingScenario({ ...base, connections: 1.5 }), /connections must be/);
  await assert.rejects(runPollingScenario({ ...base, size: -1 }), /size must be/);
});

test("processCpuMs reads this process's CPU time from /proc", { skip: process.platform !== "linux" && "Linux only" }, () => {
  const ms = processCpuMs(process.pid);
  assert.equal(typeof ms, "number");
  assert.ok((ms as number) >= 0);
  assert.equal(processCpuMs(2 ** 22 + 12345), undefined);
});
