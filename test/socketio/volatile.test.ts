// `volatile` parity with socket.io 4.8: upstream drops a volatile packet whenever the
// recipient's transport is not writable, i.e. has a write in flight (WebSocket: from a send
// until its callback, so a second volatile emit in the same tick is dropped) or cannot
// write at all (polling without a pending GET). Each scenario runs against upstream and
// hyperio (new Server(0) on uWS, and node:http), and compares what the clients receive.
import { parityTests, sleep, type ParityCtx } from "./helpers";
import type { Socket as ClientSocket } from "socket.io-client";

type Kind = "text" | "binary";

/** The payload of the n-th emit of a scenario: a number, or a small Buffer. */
function payload(kind: Kind, n: number): number | Buffer {
  return kind === "text" ? n : Buffer.from([n, n + 1]);
}

/** What a client observed, comparable across implementations (Buffer vs ArrayBuffer). */
function norm(v: unknown): unknown {
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return "bin:" + Buffer.from(v as Uint8Array).toString("hex");
  return v;
}

/** Records every event `client` receives until "done"; resolves with them in order. */
function recordUntilDone(client: ClientSocket): Promise<unknown[]> {
  const seen: unknown[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "done" after ${JSON.stringify(seen)}`)), 5000);
    client.onAny((event: string, ...args: unknown[]) => {
      seen.push([event, ...args.map(norm)]);
      if (event === "done") {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

/** A connected client, past the moment its polling transport has a GET pending again. */
async function ready(ctx: ParityCtx): Promise<ClientSocket> {
  const client = ctx.connect();
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("connect_error", reject);
  });
  // Setup, not a measurement: after the CONNECT reply the polling client sends its next
  // POST before its next GET; let the GET reach the server so "go" finds it pending.
  await sleep(50);
  return client;
}

for (const kind of ["text", "binary"] as const) {
  parityTests(`volatile, ${kind}`, "two volatile emits in one tick reach the client once", async (ctx) => {
    ctx.io.on("connection", (socket: any) => {
      socket.on("go", () => {
        socket.volatile.emit("v", payload(kind, 1));
        socket.volatile.emit("v", payload(kind, 2));
        socket.emit("done");
      });
    });
    const client = await ready(ctx);
    const seen = recordUntilDone(client);
    client.emit("go");
    return await seen;
  });

  parityTests(`volatile, ${kind}`, "a regular emit after a dropped volatile one arrives", async (ctx) => {
    ctx.io.on("connection", (socket: any) => {
      socket.on("go", () => {
        socket.volatile.emit("v", payload(kind, 1));
        socket.emit("r", payload(kind, 2));
        socket.volatile.emit("v", payload(kind, 3));
        socket.emit("r", payload(kind, 4));
        socket.emit("done");
      });
    });
    const client = await ready(ctx);
    const seen = recordUntilDone(client);
    client.emit("go");
    return await seen;
  });

  parityTests(`volatile, ${kind}`, "volatile emits in separate event-loop turns all arrive", async (ctx) => {
    ctx.io.on("connection", (socket: any) => {
      socket.on("go", async () => {
        socket.volatile.emit("v", payload(kind, 1));
        // the polling client needs a round trip to have a GET pending again
        await sleep(ctx.transport === "polling" ? 100 : 20);
        socket.volatile.emit("v", payload(kind, 2));
        await sleep(ctx.transport === "polling" ? 100 : 20);
        socket.emit("done");
      });
    });
    const client = await ready(ctx);
    const seen = recordUntilDone(client);
    client.emit("go");
    return await seen;
  });

  parityTests(`volatile, ${kind}`, "volatile broadcast to a room: dropped per recipient with a write in flight", async (ctx) => {
    ctx.io.on("connection", (socket: any) => {
      socket.join("room");
      socket.on("go", () => {
        // The sender has a write in flight after this; the other member does not.
        socket.emit("x", payload(kind, 0));
        ctx.io.to("room").volatile.emit("b", payload(kind, 1));
        ctx.io.to("room").volatile.emit("b", payload(kind, 2));
        ctx.io.to("room").emit("done");
      });
    });
    const a = await ready(ctx);
    const b = await ready(ctx);
    const seenA = recordUntilDone(a);
    const seenB = recordUntilDone(b);
    a.emit("go");
    return { sender: await seenA, other: await seenB };
  });

  parityTests(`volatile, ${kind}`, "volatile broadcast to the namespace and with except", async (ctx) => {
    ctx.io.on("connection", (socket: any) => {
      socket.on("go", () => {
        ctx.io.volatile.emit("all", payload(kind, 1));
        ctx.io.volatile.emit("all", payload(kind, 2));
        socket.broadcast.volatile.emit("others", payload(kind, 3));
        ctx.io.emit("done");
      });
    });
    const a = await ready(ctx);
    const b = await ready(ctx);
    const c = await ready(ctx);
    const seen = [a, b, c].map(recordUntilDone);
    a.emit("go");
    return await Promise.all(seen);
  });

  parityTests(`volatile, ${kind}`, "after a regular broadcast in the same tick, volatile packets to its recipients are dropped", async (ctx) => {
    let connections = 0;
    ctx.io.on("connection", (socket: any) => {
      // Two members in "first" (hyperio's uWS adapter publishes to rooms from two members).
      socket.join(++connections <= 2 ? "first" : "second");
      socket.on("go", () => {
        ctx.io.to("first").emit("r", payload(kind, 1));
        socket.volatile.emit("direct", payload(kind, 2));
        ctx.io.volatile.emit("all", payload(kind, 3));
        ctx.io.emit("done");
      });
    });
    const a = await ready(ctx);
    const b = await ready(ctx);
    const c = await ready(ctx);
    const seen = [a, b, c].map(recordUntilDone);
    b.emit("go");
    return await Promise.all(seen);
  });

  parityTests(
    `volatile, ${kind}`,
    "volatile while the polling client has no pending GET is dropped, a regular emit waits",
    async (ctx) => {
      // A raw long-polling client, so that no GET is pending while the server emits.
      const base = `http://127.0.0.1:${ctx.port}/socket.io/?EIO=4&transport=polling`;
      const handled = new Promise<void>((resolve) => {
        ctx.io.on("connection", (socket: any) => {
          socket.on("go", () => {
            socket.volatile.emit("v", payload(kind, 1));
            socket.emit("r", payload(kind, 2));
            socket.volatile.emit("v", payload(kind, 3));
            resolve();
          });
        });
      });
      const open = await (await fetch(base)).text();
      const sid = JSON.parse(open.slice(1)).sid as string;
      const url = `${base}&sid=${sid}`;
      const post = async (body: string) => (await fetch(url, { method: "POST", body })).text();
      const get = async () => (await fetch(url)).text();
      await post("40");
      const connectReply = await get();
      await post('42["go"]');
      await handled;
      const afterGo = await get();
      return { connect: connectReply.slice(0, 2), afterGo };
    },
    { transports: ["polling"] },
  );
}
