// Connection state recovery through @socket.io/redis-streams-adapter, against a real
// redis-server, in the three windows where a restore races live broadcasts (src/restore-catch-up.ts):
//  - broadcasts applied while the restore is in flight (the socket does not exist yet);
//  - broadcasts applied while the recovered socket waits in middleware;
//  - a node's live stream reader lagging the restore, then applying what was replayed.
// Each window is held open on node A by the test (the restore's promise, a middleware, the
// reader's callback held back, in order), so the race happens every run. Upstream socket.io
// 4.8 runs the same steps first, as the control: it loses the first two and duplicates the
// third, which shows each scenario really opens its window. hyperio must deliver every
// broadcast once, in order.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, nextEvent, until, type Impl, type Peer } from "./cluster";
import { closeClient, connectClient, streamsKit } from "./kits";
import { skipWithoutRedis, startRedis, type RedisProcess } from "./redis-server";

const skip = skipWithoutRedis();
let redis: RedisProcess | undefined;
let control: Awaited<ReturnType<typeof connectClient>> | undefined;
const kit = streamsKit(
  () => redis!.url,
  () => control!,
);

before(async () => {
  if (skip) return;
  redis = await startRedis();
  control = await connectClient(redis.url, "control");
});

after(async () => {
  if (control) await closeClient(control);
  await redis?.stop();
});

/** A gate the test opens: `reached` resolves when code stops at it, `open()` lets it go on. */
function gate(): { reached: Promise<void>; wait(): Promise<void>; open(): void } {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const opened = new Promise<void>((r) => (release = r));
  return {
    reached,
    wait: () => {
      arrive();
      return opened;
    },
    open: () => release(),
  };
}

const messages = (peer: Peer): string[] => peer.received.filter((e) => e[0] === "m").map((e) => String(e[1]));

/**
 * X on node A in room1, with a witness W on A in room1 (it shows when A has applied a
 * broadcast). "before" reaches X; X's transport drops; "missed" is sent; then `hold` opens
 * its window on A, X reconnects to A with its pid and offset, `during` is sent from B inside
 * the window, the window closes, and "after" is sent. Returns what X received.
 */
async function raceOnNodeA(
  impl: Impl,
  opts: { skipMiddlewares: boolean; maxStoredPackets?: number },
  hold: (c: Cluster, reconnected: Promise<unknown>, sendDuring: () => Promise<void>) => Promise<void>,
): Promise<{ recovered: boolean; got: string[] }> {
  const c = await Cluster.start(impl, kit, ["/"], { connectionStateRecovery: { maxDisconnectionDuration: 60_000, ...opts } });
  try {
    const [, B] = c.nodes.map((n) => n.io);
    const w = await c.connect(0, "websocket", "/", "W");
    const x = await c.connect(0, "websocket", "/", "X");
    w.socket.join("room1");
    x.socket.join("room1");
    B.to("room1").emit("m", "before");
    await c.flush([w, x]);
    const gone = nextEvent(x.socket, "disconnect");
    (x.client.io as any).engine.close();
    await gone;
    B.to("room1").emit("m", "missed");
    await c.flush([w]);
    const reconnected = nextEvent(x.client, "connect");
    await hold(c, reconnected, async () => {
      B.to("room1").emit("m", "during 1");
      B.to("room1").emit("m", "during 2");
      await until(() => messages(w).includes("during 2"), "node A to apply the broadcasts sent in the window");
    });
    await reconnected;
    B.to("room1").emit("m", "after");
    await c.flush([w, x]);
    return { recovered: x.client.recovered, got: messages(x) };
  } finally {
    await c.close();
  }
}

/**
 * A window held open on node A by `hold` (installed with the gate it must wait at): X
 * reconnects, reaches the gate, the broadcasts of the window are sent, the gate opens.
 */
const heldBy =
  (hold: (c: Cluster, g: ReturnType<typeof gate>) => void) =>
  async (c: Cluster, reconnected: Promise<unknown>, sendDuring: () => Promise<void>) => {
    const g = gate();
    hold(c, g);
    c.peer("X").client.connect();
    await g.reached;
    await sendDuring();
    g.open();
    await reconnected;
  };

/** The restore's promise on node A resolves only once the window is closed. */
const restoreInFlight = heldBy((c, g) => {
  const adapter = c.nodes[0].io.of("/").adapter;
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid: string, offset: string) => {
    const session = await restore(pid, offset);
    await g.wait();
    return session;
  };
});

/** A middleware on node A holds the recovered socket until the window is closed. */
const inMiddleware = heldBy((c, g) => {
  c.nodes[0].io.use(async (socket: any, next: () => void) => {
    if (socket.recovered) await g.wait();
    next();
  });
});

test("streams adapter restore races", { skip }, async (t) => {
  const everything = ["before", "missed", "during 1", "during 2", "after"];

  await t.test("a broadcast applied while the restore is in flight", async () => {
    const upstream = await raceOnNodeA("upstream", { skipMiddlewares: true }, restoreInFlight);
    // the control: upstream's recovered socket misses what came during its restore
    assert.deepEqual(upstream, { recovered: true, got: ["before", "missed", "after"] });
    const hyperio = await raceOnNodeA("hyperio", { skipMiddlewares: true }, restoreInFlight);
    assert.deepEqual(hyperio, { recovered: true, got: everything });
  });

  await t.test("past maxStoredPackets during the restore, the client is told it was not recovered", async () => {
    // two broadcasts in the window, one kept: rather than a recovery with a hole, a fresh
    // session (recovered: false, so the app knows to resynchronise), as for a trimmed history
    const hyperio = await raceOnNodeA("hyperio", { skipMiddlewares: true, maxStoredPackets: 1 }, restoreInFlight);
    assert.deepEqual(hyperio, { recovered: false, got: ["before"] });
  });

  await t.test("a broadcast applied while the recovered socket waits in middleware", async () => {
    const upstream = await raceOnNodeA("upstream", { skipMiddlewares: false }, inMiddleware);
    assert.deepEqual(upstream, { recovered: true, got: ["before", "missed", "after"] });
    const hyperio = await raceOnNodeA("hyperio", { skipMiddlewares: false }, inMiddleware);
    assert.deepEqual(hyperio, { recovered: true, got: everything });
  });

  await t.test("a live reader lagging the restore does not deliver the replay again", async () => {
    // Node A's reader holds back what it reads (in order) while X is away and reconnects: the
    // restore replays "during 1" and "during 2" from the stream, then the reader applies them.
    const lagging = async (c: Cluster, reconnected: Promise<unknown>) => {
      const adapter = c.nodes[0].io.of("/").adapter;
      const onRawMessage = adapter.onRawMessage.bind(adapter);
      const held: unknown[][] = [];
      let holding = true;
      adapter.onRawMessage = (raw: { type?: string }, offset: string) => {
        if (holding) held.push([raw, offset]);
        else onRawMessage(raw, offset);
      };
      const B = c.nodes[1].io;
      B.to("room1").emit("m", "during 1");
      B.to("room1").emit("m", "during 2");
      await until(() => held.filter(([raw]) => (raw as { type?: string }).type === "3").length >= 2, "node A's reader to read both");
      c.peer("X").client.connect();
      await reconnected;
      holding = false;
      for (const [raw, offset] of held.splice(0)) onRawMessage(raw, offset);
    };
    const upstream = await raceOnNodeA("upstream", { skipMiddlewares: true }, lagging);
    assert.deepEqual(upstream, { recovered: true, got: ["before", "missed", "during 1", "during 2", "during 1", "during 2", "after"] });
    const hyperio = await raceOnNodeA("hyperio", { skipMiddlewares: true }, lagging);
    assert.deepEqual(hyperio, { recovered: true, got: everything });
  });
});
