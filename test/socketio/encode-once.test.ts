// A broadcast is encoded exactly once, whatever its shape, adapter (uWS topics or in-memory),
// connection state recovery (offsets appended once, not per socket) and codec (hyperio's,
// through encodeOnce, or a third-party codec that only has encode), and every recipient,
// on WebSocket or long-polling, still gets it exactly once.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as codec from "../../src/parser/socketio";
import { SessionAwareAdapter, SessionAwareUwsAdapter, UwsAdapter, Adapter } from "../../src/index";
import { connected, once, sleep, start, type Backend } from "./helpers";

interface Counter {
  encode: number;
  encodeOnce: number;
}

/** hyperio's codec with its encoder calls counted; `withEncodeOnce: false` hides encodeOnce. */
function countingParser(withEncodeOnce: boolean): { parser: unknown; counter: Counter } {
  const counter: Counter = { encode: 0, encodeOnce: 0 };
  class CountingEncoder extends codec.Encoder {
    override encode(packet: codec.Packet) {
      counter.encode++;
      return super.encode(packet);
    }
    override encodeOnce(packet: codec.Packet) {
      counter.encodeOnce++;
      return super.encodeOnce(packet);
    }
  }
  class EncodeOnlyEncoder {
    private readonly inner = new codec.Encoder();
    encode(packet: codec.Packet) {
      counter.encode++;
      return this.inner.encode(packet);
    }
  }
  const parser = {
    protocol: codec.protocol,
    PacketType: codec.PacketType,
    Encoder: withEncodeOnce ? CountingEncoder : EncodeOnlyEncoder,
    Decoder: codec.Decoder,
  };
  return { parser, counter };
}

for (const backend of ["uws", "node"] as Backend[]) {
  for (const recovery of [false, true]) {
    for (const withEncodeOnce of [true, false]) {
      const label = `${backend}, ${recovery ? "with" : "without"} connectionStateRecovery, codec ${withEncodeOnce ? "with" : "without"} encodeOnce`;
      test(`one encode per broadcast (${label})`, async () => {
        const { parser, counter } = countingParser(withEncodeOnce);
        const h = await start(backend, { parser, ...(recovery ? { connectionStateRecovery: {} } : {}) });
        try {
          const expectedAdapter =
            backend === "uws" ? (recovery ? SessionAwareUwsAdapter : UwsAdapter) : recovery ? SessionAwareAdapter : Adapter;
          assert.equal(h.io.of("/").adapter.constructor, expectedAdapter);
          // 2 WebSocket and 2 polling clients; A = {0, 1, 2}, B = {2, 3}
          const sockets: any[] = [];
          const clients = [];
          const received: unknown[][] = [[], [], [], []];
          for (let i = 0; i < 4; i++) {
            const conn = once<[any]>(h.io, "connection");
            const c = h.client("/", { transports: [i % 2 === 0 ? "websocket" : "polling"] });
            // volatile packets may be dropped for a polling client between two requests
            c.on("m", (tag: string, payload: unknown) => tag !== "vol" && received[i].push([tag, payload]));
            c.on("q", (tag: string, cb: (x: number) => void) => {
              received[i].push([tag]);
              cb(i);
            });
            await connected(c);
            clients.push(c);
            sockets.push((await conn)[0]);
          }
          sockets[0].join("A");
          sockets[1].join("A");
          sockets[2].join(["A", "B"]);
          sockets[3].join("B");
          const bin = Buffer.from([1, 2, 3]);
          const shapes: Array<[string, () => void, number[]]> = [
            ["io.emit", () => h.io.emit("m", "all", 1), [0, 1, 2, 3]],
            ["to(A)", () => h.io.to("A").emit("m", "A", 1), [0, 1, 2]],
            ["to([A, B]).except(id 0)", () => h.io.to(["A", "B"]).except(sockets[0].id).emit("m", "AB-0", 1), [1, 2, 3]],
            ["to(A).except(B)", () => h.io.to("A").except("B").emit("m", "A-B", 1), [0, 1]],
            ["socket.broadcast", () => sockets[0].broadcast.emit("m", "bc", 1), [1, 2, 3]],
            ["binary", () => h.io.emit("m", "bin", bin), [0, 1, 2, 3]],
            ["volatile + compress(false)", () => h.io.volatile.compress(false).emit("m", "vol", 1), []],
            ["to(id)", () => h.io.to(sockets[3].id).emit("m", "id3", 1), [3]],
            ["with acks", () => h.io.timeout(2000).emit("q", "ack", () => {}), [0, 1, 2, 3]],
          ];
          const expected: unknown[][] = [[], [], [], []];
          for (const [name, emit, targets] of shapes) {
            counter.encode = 0;
            counter.encodeOnce = 0;
            emit();
            const calls = counter.encode + counter.encodeOnce;
            assert.equal(calls, 1, `${name}: ${calls} encoder calls`);
            if (withEncodeOnce) assert.equal(counter.encodeOnce, 1, `${name}: encodeOnce is used`);
            const shown = name === "binary" ? "bin" : undefined;
            for (const t of targets) expected[t].push(shown ? ["bin", bin] : name === "with acks" ? ["ack"] : undefined);
          }
          // wait for every delivery (polling clients take a request round trip)
          const total = expected.reduce((n, e) => n + e.length, 0);
          for (let i = 0; i < 200 && received.reduce((n, r) => n + r.length, 0) < total; i++) await sleep(10);
          await sleep(30); // nothing extra arrives
          for (let i = 0; i < 4; i++) {
            assert.equal(received[i].length, expected[i].length, `client ${i} got ${JSON.stringify(received[i])}`);
            const bins = received[i].filter((r: any) => r[0] === "bin");
            for (const b of bins as any[]) assert.ok(Buffer.from(b[1] as ArrayBuffer).equals(bin));
          }
        } finally {
          await h.cleanup();
        }
      });
    }
  }
}
