// @socket.io/cluster-adapter with setupPrimary() in a Node `cluster` primary and one server
// per worker (three workers, clients on WebSocket and on polling connected to each worker's
// own port). Every scenario runs on upstream socket.io 4.8 first (its own assertions must
// hold: this proves the scenario and the adapter), then on hyperio (same assertions, and its
// observations must equal upstream's).
//
// One cluster per implementation serves every scenario of this file (starting four tsx
// processes costs about two seconds); each scenario starts with no client connected and
// leaves none behind (ProcessCluster.resetPeers), so rooms start empty.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { Impl } from "./cluster-protocol";
import { CLUSTER_SCENARIOS, type ClusterScenario } from "./cluster-scenarios";
import { ProcessCluster } from "./process-cluster";

const clusters = new Map<Impl, Promise<ProcessCluster>>();
const clusterFor = (impl: Impl) => {
  let c = clusters.get(impl);
  if (!c) clusters.set(impl, (c = ProcessCluster.start(impl)));
  return c;
};

after(async () => {
  await Promise.allSettled([...clusters.values()].map(async (c) => (await c).close()));
});

async function run(impl: Impl, scenario: ClusterScenario): Promise<unknown> {
  const cluster = await clusterFor(impl);
  let result: unknown;
  try {
    result = await scenario.run(cluster);
  } catch (err) {
    // the scenario's own failure is the one to report, not a reset that fails after it
    await cluster.resetPeers().catch(() => {});
    throw err;
  }
  await cluster.resetPeers();
  return result;
}

for (const scenario of CLUSTER_SCENARIOS) {
  // upstream's observations, computed once and shared with the hyperio test
  let upstream: Promise<unknown> | undefined;
  const upstreamResult = () => (upstream ??= run("upstream", scenario));
  test(`cluster-adapter (upstream socket.io): ${scenario.name}`, async () => {
    await upstreamResult();
  });
  test(`cluster-adapter (hyperio, parity): ${scenario.name}`, { todo: scenario.hyperioTodo }, async () => {
    const expected = await upstreamResult().catch((err) => {
      throw new Error(`upstream run failed, nothing to compare with: ${err}`);
    });
    const actual = await run("hyperio", scenario);
    assert.deepEqual(actual, expected);
  });
}
