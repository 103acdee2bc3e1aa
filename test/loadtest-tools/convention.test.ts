// The load-test event convention (loadtest/k6/lib/convention.js) as every Socket.IO server
// under test installs it (loadtest/servers/sio-app.ts): join, echo, the network `broadcast`
// request and its `m` broadcasts, on hyperio (uWS and node:http) and upstream socket.io 4.8,
// driven by the official client; plus the request checks and the payload table the harness
// shares with the k6 scripts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import {
  BROADCAST_EVENT,
  BROADCAST_REQUEST_EVENT,
  ECHO_EVENT,
  JOIN_EVENT,
  MAX_REQUESTED_BROADCASTS,
  checkBroadcastRequest,
  payloadSize,
  payloadValue,
} from "../../loadtest/k6/lib/convention.js";
import { PAYLOAD_NAMES, isBinaryPayload, payloadBytes, payloadJson, payloadValue as harnessPayload } from "../../loadtest/protocol/payloads";
import { startConventionServer } from "./convention-server";

test("checkBroadcastRequest: defaults, and every refusal names what is wrong", () => {
  assert.deepEqual(checkBroadcastRequest({ rooms: ["a"] }), { rooms: ["a"], except: [], count: 1, payload: "small" });
  assert.deepEqual(checkBroadcastRequest({ rooms: ["a", "b"], except: ["x"], count: 3, payload: "4KiB" }), {
    rooms: ["a", "b"],
    except: ["x"],
    count: 3,
    payload: "4KiB",
  });
  assert.match(String((checkBroadcastRequest(null) as { error: string }).error), /object/);
  assert.match(String((checkBroadcastRequest({ rooms: "a" }) as { error: string }).error), /rooms/);
  assert.match(String((checkBroadcastRequest({ rooms: [] }) as { error: string }).error), /rooms/);
  assert.match(String((checkBroadcastRequest({ rooms: [1] }) as { error: string }).error), /rooms/);
  assert.match(String((checkBroadcastRequest({ rooms: Array(65).fill("r") }) as { error: string }).error), /rooms/);
  assert.match(String((checkBroadcastRequest({ rooms: ["a"], except: "x" }) as { error: string }).error), /except/);
  assert.match(String((checkBroadcastRequest({ rooms: ["a"], count: 0 }) as { error: string }).error), /count/);
  assert.match(String((checkBroadcastRequest({ rooms: ["a"], count: 1.5 }) as { error: string }).error), /count/);
  assert.match(String((checkBroadcastRequest({ rooms: ["a"], count: MAX_REQUESTED_BROADCASTS + 1 }) as { error: string }).error), /count/);
  assert.match(String((checkBroadcastRequest({ rooms: ["a"], payload: "1MiB" }) as { error: string }).error), /payload/);
});

test("the harness's payloads are the convention's (binary as a Buffer of the same bytes)", () => {
  for (const name of PAYLOAD_NAMES) {
    const shared = payloadValue(name);
    if (isBinaryPayload(name)) {
      assert.ok(Buffer.isBuffer(harnessPayload(name)));
      assert.deepEqual(payloadBytes(name), Buffer.from(shared as Uint8Array));
      assert.equal(payloadSize(payloadBytes(name)), 65536);
    } else {
      assert.deepEqual(harnessPayload(name), shared);
      assert.equal(payloadJson(name), JSON.stringify(shared));
    }
  }
  assert.equal(payloadSize(payloadValue("4KiB")), 4096);
  assert.equal(Buffer.byteLength(payloadValue("64KiB-utf8") as string), 65536);
});

function ask<T extends unknown[]>(client: ClientSocket, event: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve) => client.emit(event, ...args, (...reply: unknown[]) => resolve(reply as T)));
}

for (const impl of ["hyperio", "hyperio-node", "upstream"] as const) {
  test(`${impl}: join, echo and a requested broadcast to rooms except one, each recipient once`, { timeout: 10_000 }, async (t) => {
    const server = await startConventionServer(impl);
    const clients: ClientSocket[] = [];
    t.after(async () => {
      for (const c of clients) c.disconnect();
      await server.close();
    });
    const connect = async (rooms: string[]): Promise<{ client: ClientSocket; got: unknown[][] }> => {
      const client = ioc(server.url, { transports: ["websocket"], forceNew: true, reconnection: false });
      clients.push(client);
      const got: unknown[][] = [];
      client.on(BROADCAST_EVENT, (...args: unknown[]) => got.push(args));
      assert.deepEqual(await ask(client, JOIN_EVENT, rooms), []);
      return { client, got };
    };
    const a = await connect(["r0"]);
    const b = await connect(["r0", "x"]);
    const c = await connect(["r1", "r0"]);
    const d = await connect(["r2"]);

    assert.deepEqual(await ask(a.client, ECHO_EVENT, 7, "é", { k: [1] }), [7, "é", { k: [1] }]);

    const before = Date.now() * 1000;
    const reply = await ask(a.client, BROADCAST_REQUEST_EVENT, { rooms: ["r0", "r1"], except: ["x"], count: 2, payload: "4KiB" });
    assert.deepEqual(reply, [{ from: 0, count: 2 }]);
    const second = await ask(d.client, BROADCAST_REQUEST_EVENT, { rooms: ["r2"], payload: "64KiB-bin" });
    assert.deepEqual(second, [{ from: 2, count: 1 }]);
    const refused = await ask<[{ error: string }]>(a.client, BROADCAST_REQUEST_EVENT, { rooms: ["r0"], count: 0 });
    assert.match(refused[0].error, /count/);

    // Every socket asks once more after the broadcasts: a broadcast to it was written before
    // this ack, so whatever it holds now is all it will get.
    for (const s of [a, b, c, d]) await ask(s.client, ECHO_EVENT, 0);
    for (const s of [a, c]) {
      assert.deepEqual(s.got.map(([seq]) => seq), [0, 1]);
      for (const [, stamp, payload] of s.got) {
        assert.equal(payload, payloadValue("4KiB"));
        // Unix-epoch microseconds, stamped between the request and its ack.
        assert.ok(typeof stamp === "number" && stamp >= before - 1000 && stamp <= Date.now() * 1000 + 1000, String(stamp));
      }
    }
    assert.deepEqual(b.got, []);
    assert.equal(d.got.length, 1);
    assert.equal(d.got[0][0], 2);
    assert.deepEqual(d.got[0][2], Buffer.from(payloadValue("64KiB-bin") as Uint8Array));
  });
}
