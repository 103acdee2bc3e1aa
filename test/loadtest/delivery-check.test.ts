// The load client's exactly-once / in-order check, its frame parsing and its histogram, tested
// without any server: a harness that cannot see loss would report a broken server as fast.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Conn, type ConnHost } from "../../loadtest/client/conn";
import { Expectation, patternFor, roomsFor } from "../../loadtest/client/membership";
import { broadcastFrame, parseAck, parseBroadcast, parseBroadcastStr, firstIntArg, type SeqStamp } from "../../loadtest/protocol/frames";
import { Histogram } from "../../loadtest/lib/histogram";

class FakeConn extends Conn {
  sent: string[] = [];
  sendText(text: string): void {
    this.sent.push(text);
  }
  close(): void {
    this.state = "closed";
  }
  feed(text: string): void {
    this.onText(text);
  }
}

function host(): ConnHost & { delivered: number[]; ready: number } {
  const h = {
    delivered: [] as number[],
    ready: 0,
    onReady: () => void h.ready++,
    onFail: () => undefined,
    onDelivery: (_c: Conn, seq: number) => void h.delivered.push(seq),
    onAck: () => undefined,
    onClose: () => undefined,
  };
  return h;
}

const frame = (seq: number) => broadcastFrame(seq, 123, '{"a":1}');

test("handshake: open → 40 → join → ready", () => {
  const h = host();
  const c = new FakeConn(0, ["r0"], new Expectation(["r0"], patternFor("single")), h);
  c.feed('0{"sid":"x","pingInterval":25000}');
  assert.deepEqual(c.sent, ["40"]);
  c.feed('40{"sid":"y"}');
  assert.equal(c.sent[1], '420["join",["r0"]]');
  c.feed("430[]");
  assert.equal(c.state, "ready");
  assert.equal(h.ready, 1);
  c.feed("2");
  assert.equal(c.sent.at(-1), "3");
});

test("in-order exactly-once deliveries are accepted, gaps count as lost", () => {
  const h = host();
  const c = new FakeConn(0, ["r0"], new Expectation(["r0"], patternFor("single")), h);
  for (const s of [0, 1, 2, 4, 5]) c.feed(frame(s));
  assert.deepEqual(h.delivered, [0, 1, 2, 4, 5]);
  assert.equal(c.lost, 1); // 3 skipped
  c.feed(frame(3)); // late arrival is a reordering, not a recovery
  c.feed(frame(5)); // duplicate
  assert.equal(c.outOfOrder, 2);
  assert.equal(c.lostAtEnd(8), 1 + 2); // 6 and 7 never came
});

test("rooms and except: misdelivery is caught, skipped non-member broadcasts are not loss", () => {
  const pattern = patternFor("rooms-except");
  // Client 0 is in r0, r1 (index % 3 === 0) and x (index % 5 === 0).
  const rooms = roomsFor("rooms-except", 0);
  assert.deepEqual(rooms, ["r0", "r1", "x"]);
  const e = new Expectation(rooms, pattern);
  // pattern: [r0,r1 except x] [r2,r3,r0] [r1 except x] [r3]
  assert.deepEqual(e.hits, [false, true, false, false]);
  assert.equal(e.countIn(0, 8), 2);
  assert.equal(e.countIn(1, 2), 1);
  assert.equal(e.countIn(2, 5), 0);
  const h = host();
  const c = new FakeConn(0, rooms, e, h);
  c.feed(frame(1));
  c.feed(frame(2)); // excluded by except: must not arrive
  c.feed(frame(5));
  assert.deepEqual(h.delivered, [1, 5]);
  assert.equal(c.unexpected, 1);
  assert.equal(c.lost, 0);
  assert.equal(c.lostAtEnd(9), 0);
  assert.equal(c.lostAtEnd(10), 1);
});

test("frame parsing from bytes and strings", () => {
  const out: SeqStamp = { seq: -1, stampUs: -1 };
  const f = broadcastFrame(4711, 987654321, JSON.stringify("x".repeat(4096)));
  assert.equal(parseBroadcast(Buffer.from(f), out), true);
  assert.deepEqual(out, { seq: 4711, stampUs: 987654321 });
  assert.equal(parseBroadcastStr(f, out), true);
  assert.deepEqual(out, { seq: 4711, stampUs: 987654321 });
  assert.equal(parseBroadcast(Buffer.from('42["other",1,2]'), out), false);
  assert.equal(parseBroadcast(Buffer.from('42["m","a",2]'), out), false);
  assert.deepEqual(parseAck('4312[7,{"a":1}]'), { id: 12, args: '[7,{"a":1}]', attachments: 0 });
  assert.deepEqual(parseAck('461-12[7,{"_placeholder":true,"num":0}]'), {
    id: 12,
    args: '[7,{"_placeholder":true,"num":0}]',
    attachments: 1,
  });
  assert.equal(parseAck("46x-12[7]"), null);
  assert.equal(firstIntArg('[7,{"a":1}]'), 7);
  assert.equal(parseAck("42[1]"), null);
});

test("histogram percentiles stay within 2% and merge", () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).record(i * 10);
  const m = Histogram.from(a.toJSON());
  m.merge(b.toJSON());
  assert.equal(m.count, 1000);
  for (const [q, v] of [[0.5, 5000], [0.99, 9900]] as const) {
    const p = m.percentile(q);
    assert.ok(Math.abs(p - v) / v < 0.025, `p${q * 100} = ${p}, want ~${v}`);
  }
  assert.equal(m.max, 10000);
});
