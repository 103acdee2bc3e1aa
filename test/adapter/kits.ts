// The two official Redis adapters as cluster kits: how one node gets its adapter, and how to
// tell that every node is listening before a test publishes anything (Redis pub/sub drops
// messages for channels nobody subscribed yet; a stream reader starting at "$" skips entries
// added before its first XREAD).
//
// Client: node-redis (`redis` 5.x), the client both adapters document first and the one
// @socket.io/redis-streams-adapter 0.3's own tests run on; @socket.io/redis-adapter 8.3
// drives it through the same v4-style API (pSubscribe/subscribe with buffer listeners).
//
// Every cluster uses its own key prefix, stream name and client name, so clusters never hear
// each other and readiness counts only this cluster's connections.
import { createAdapter as createPubSubAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { until, type AdapterKit } from "./cluster";

type RedisClient = ReturnType<typeof createClient>;

/** Connects a node-redis client; errors are logged once instead of crashing the test. */
export async function connectClient(url: string, name?: string): Promise<RedisClient> {
  const client = createClient({ url, name });
  client.on("error", (err: Error) => console.error(`redis client ${name ?? ""}: ${err.message}`));
  await client.connect();
  return client;
}

/** Closes a client, waiting for its pending replies; never throws. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  try {
    await client.close();
  } catch {
    client.destroy();
  }
}

/** Subscriber counts for `channels` (PUBSUB NUMSUB). */
async function numsub(control: RedisClient, channels: string[]): Promise<number[]> {
  const reply = (await control.sendCommand(["PUBSUB", "NUMSUB", ...channels])) as unknown[];
  const counts: number[] = [];
  for (let i = 1; i < reply.length; i += 2) counts.push(Number(reply[i]));
  return counts;
}

/** Nodes a cluster may have (client names are numbered up to this). */
const NODES_PER_CLUSTER = 3;

function nodeClientName(clusterId: string, node: number): string {
  return `${clusterId}-n${node}`;
}

/**
 * @socket.io/redis-adapter (pub/sub). Readiness: every node subscribed to each namespace's
 * request channel. A node's subscriber connection sends PSUBSCRIBE (broadcasts) before
 * SUBSCRIBE (requests), and Redis handles one connection's commands in order, so a counted
 * SUBSCRIBE implies the PSUBSCRIBE is in place too.
 */
export function pubSubKit(url: () => string, control: () => RedisClient): AdapterKit {
  return {
    name: "@socket.io/redis-adapter",
    async createNode(clusterId, node) {
      const pub = await connectClient(url(), nodeClientName(clusterId, node));
      const sub = pub.duplicate();
      sub.on("error", (err: Error) => console.error(`redis sub client: ${err.message}`));
      await sub.connect();
      return {
        adapter: createPubSubAdapter(pub, sub, { key: clusterId, requestsTimeout: 5000 }),
        async close() {
          await closeClient(sub);
          await closeClient(pub);
        },
      };
    },
    async waitReady(clusterId, nsps, nodeCount) {
      const channels = nsps.map((nsp) => `${clusterId}-request#${nsp}#`);
      await until(async () => (await numsub(control(), channels)).every((n) => n === nodeCount), `${nodeCount} subscribers on ${channels}`);
    },
    async waitUnsubscribed(clusterId, nsp) {
      // only call this when no node has a live adapter for `nsp`
      await until(async () => (await numsub(control(), [`${clusterId}-request#${nsp}#`]))[0] === 0, `no subscriber on ${nsp}`);
    },
  };
}

/**
 * @socket.io/redis-streams-adapter. Readiness: every node subscribed to each namespace's
 * public channel (ephemeral messages), and every node's stream reader blocked in its first
 * XREAD (seen in CLIENT LIST under the node's client name, which duplicates inherit).
 */
export function streamsKit(url: () => string, control: () => RedisClient): AdapterKit {
  return {
    name: "@socket.io/redis-streams-adapter",
    async createNode(clusterId, node) {
      const client = await connectClient(url(), nodeClientName(clusterId, node));
      return {
        adapter: createStreamsAdapter(client, {
          streamName: `${clusterId}-stream`,
          channelPrefix: clusterId,
          sessionKeyPrefix: `${clusterId}:session:`,
          // The adapter's reader starts at "$" and, while it has read nothing yet, re-issues
          // XREAD with "$" after each empty BLOCK timeout: an entry added between the
          // timeout and the next XREAD is never read (an upstream adapter race, seen here
          // under CPU load). A block longer than any test keeps that window out of the tests:
          // the first entry read gives the reader a concrete offset. Readers of closed
          // clusters stay blocked, idle, until the file's redis-server stops.
          blockTimeInMs: 60_000,
        }),
        close: () => closeClient(client),
      };
    },
    async waitReady(clusterId, nsps, nodeCount) {
      const channels = nsps.map((nsp) => `${clusterId}#${nsp}#`);
      await until(async () => (await numsub(control(), channels)).every((n) => n === nodeCount), `${nodeCount} subscribers on ${channels}`);
      await until(async () => {
        const list = String(await control().sendCommand(["CLIENT", "LIST"]));
        let readers = 0;
        for (let node = 0; node < NODES_PER_CLUSTER; node++) {
          const name = `name=${nodeClientName(clusterId, node)} `;
          if (list.split("\n").some((line) => line.includes(name) && line.includes("cmd=xread"))) readers++;
        }
        // one reader per node, shared by its namespaces: some may serve none of `nsps`
        return readers >= nodeCount;
      }, `${nodeCount} stream readers blocked in XREAD`);
    },
    async waitUnsubscribed() {
      // Nothing to wait for: this adapter's close() never unsubscribes the namespace's
      // channels (the node's subscriber connection keeps them), and broadcasts come through
      // the node's one stream reader, which a namespace's adapter coming and going leaves alone.
    },
  };
}
