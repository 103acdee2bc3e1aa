// What "the figures are present and plausible" means for one case result; shared by the smoke
// tests of each server set.
import assert from "node:assert/strict";
import type { CaseResult } from "../../loadtest/scenarios/types";

export function assertPlausible(r: CaseResult): void {
  const what = `${r.spec.id} on ${r.server}`;
  if (r.skipped) return;
  assert.equal(r.ok, true, `${what} failed: ${r.error}`);
  assert.ok(r.connect, `${what}: no connect figures`);
  assert.equal(r.connect.ready, r.spec.clients, `${what}: not every client connected`);
  assert.equal(r.connect.failed, 0, what);
  assert.ok(r.serverMem && r.serverMem.rssAfterBytes > 10e6, `${what}: server RSS missing`);
  assert.ok(Number.isFinite(r.serverMem.perConnBytes), what);
  if (r.spec.kind === "idle") return;
  assert.ok(r.rate && r.rate.count > 0 && r.rate.perSecond > 0 && Number.isFinite(r.rate.perSecond), `${what}: no rate`);
  assert.ok(r.serverCpu && r.serverCpu.totalUs >= 0 && r.serverCpu.userUs >= 0 && r.serverCpu.systemUs >= 0, `${what}: server CPU`);
  assert.ok(Number.isFinite(r.serverCpu.perOp.totalUs), `${what}: CPU per op`);
  assert.ok(r.clientCpu && r.clientCpu.totalUs >= 0, `${what}: client CPU`);
  assert.ok(r.latency?.each && r.latency.each.count > 0, `${what}: latency samples`);
  assert.ok(r.latency.each.p50 > 0 && r.latency.each.p50 <= r.latency.each.p99, `${what}: percentiles out of order`);
  if (r.spec.kind === "fanout") {
    const l = r.loss;
    assert.ok(l, `${what}: no loss figures`);
    assert.ok(l.expected > 0, `${what}: nothing expected`);
    assert.equal(l.received, l.expected, `${what}: deliveries counted != expected`);
    assert.equal(l.lost, 0, `${what}: lost`);
    assert.equal(l.outOfOrder, 0, `${what}: out of order or duplicated`);
    assert.equal(l.unexpected, 0, `${what}: delivered to a non-member`);
    assert.equal(l.disconnects, 0, `${what}: disconnects`);
    // Measured deliveries are part of all deliveries (warm-up windows come on top).
    assert.ok(r.rate.count <= l.received, `${what}: measured more than received`);
    assert.ok(r.latency.lastRecipient && r.latency.lastRecipient.count > 0, `${what}: last-recipient latency`);
  }
  if (r.spec.kind === "echo") assert.equal(r.latency.each.count, r.rate.count, `${what}: one RTT per ack`);
}
