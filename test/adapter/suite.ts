// Registers each scenario twice: against upstream socket.io 4.8 (its own assertions must
// hold: this proves the scenario and the adapter), then against hyperio (same assertions,
// and its observations must equal upstream's). One redis-server serves the whole file.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, type AdapterKit, type Impl } from "./cluster";
import { closeClient, connectClient } from "./kits";
import { skipWithoutRedis, startRedis, type RedisProcess } from "./redis-server";
import type { Scenario } from "./scenarios";

export interface RedisEnv {
  url: string;
  control: Awaited<ReturnType<typeof connectClient>>;
}

/**
 * @example
 * adapterSuite("redis-adapter", (env) => pubSubKit(() => env.url, () => env.control), COMMON);
 */
export function adapterSuite(title: string, makeKit: (env: RedisEnv) => AdapterKit, scenarios: Scenario[]): void {
  const skip = skipWithoutRedis();
  if (skip) console.log(`${title}: skipped, ${skip}`);
  let redis: RedisProcess | undefined;
  const env = {} as RedisEnv;
  let kit: AdapterKit;

  before(async () => {
    if (skip) return;
    redis = await startRedis();
    env.url = redis.url;
    env.control = await connectClient(redis.url, "control");
    kit = makeKit(env);
  });

  after(async () => {
    if (env.control) await closeClient(env.control);
    await redis?.stop();
  });

  async function run(impl: Impl, scenario: Scenario): Promise<unknown> {
    const cluster = await Cluster.start(impl, kit, scenario.nsps ?? ["/"], scenario.serverOpts ?? {});
    try {
      return await scenario.run(cluster);
    } finally {
      await cluster.close();
    }
  }

  for (const scenario of scenarios) {
    // upstream's observations, computed once and shared with the hyperio test
    let upstream: Promise<unknown> | undefined;
    const upstreamResult = () => (upstream ??= run("upstream", scenario));
    test(`${title} (upstream socket.io): ${scenario.name}`, { skip }, async () => {
      await upstreamResult();
    });
    test(`${title} (hyperio, parity): ${scenario.name}`, { skip, todo: scenario.hyperioTodo }, async () => {
      const expected = await upstreamResult().catch((err) => {
        throw new Error(`upstream run failed, nothing to compare with: ${err}`);
      });
      const actual = await run("hyperio", scenario);
      assert.deepEqual(actual, expected);
    });
  }
}
