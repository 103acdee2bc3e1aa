// Deeply nested JSON echoed back (issue 9, item 8; no CVE: upstream socket.io 4.8 crashes).
//
// The attack: `42["echo",[[[[...]]]]]` with 100,000 levels. JSON.parse is iterative in V8
// and accepts it; an app that sends it back (an echo, a relay, a broadcast) used to run it
// through recursive walks (hasBinary, deconstruct) and V8's recursive JSON.stringify:
// "Maximum call stack size exceeded", thrown out of the app's handler, kills the process.
//
// Safe outcome: the echo works and the client receives the very same structure (the same
// bytes), over WebSocket and polling, on both backends, for events, acks and binary
// packets; inbound traffic upstream accepts is never refused. With the msgpack parser, the
// codec's own recursive decoder refuses such a frame: that connection closes, nothing else.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as msgpackParser from "socket.io-msgpack-parser";
import { connectedPolling, connectedWs, http, onEachBackend, rawWs } from "./helpers";

const DEPTH = 100_000;
const deepArray = "[".repeat(DEPTH) + "]".repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + "null" + "}".repeat(DEPTH);

test("a 100,000-deep array or object is echoed back intact over WebSocket", async (t) => {
  await onEachBackend(t, {}, async (server) => {
    const peer = await connectedWs(server.port);
    peer.send(`42["echo",${deepArray}]`);
    assert.equal(await peer.next(), `42["echo",${deepArray}]`);
    peer.send(`427["echo",${deepObject}]`);
    assert.equal(await peer.next(), `437[${deepObject}]`, "an ack carrying it");
    // Binary placeholder at the bottom: the echo re-numbers it and sends the attachment.
    const withBinary = "[".repeat(DEPTH) + '{"_placeholder":true,"num":0}' + "]".repeat(DEPTH);
    peer.send(`451-["bin",${withBinary}]`);
    peer.send(Buffer.from("bottom"));
    assert.equal(await peer.next(), `451-["bin",${withBinary}]`);
    assert.deepEqual(await peer.next(), Buffer.from("bottom"));
    assert.equal(peer.isClosed(), false);
    peer.ws.close();
  });
});

test("a 100,000-deep array is echoed back intact over polling", async (t) => {
  await onEachBackend(t, {}, async (server) => {
    const { path } = await connectedPolling(server.port);
    const post = await http(server.port, "POST", path, `42["echo",${deepArray}]`, { "content-type": "text/plain;charset=UTF-8" });
    assert.equal(post.status, 200);
    const reply = await http(server.port, "GET", path);
    assert.equal(reply.body, `42["echo",${deepArray}]`);
  });
});

test("a broadcast (io.emit, through the adapter, with connection state recovery) carries it too", async (t) => {
  await onEachBackend(t, { connectionStateRecovery: {} }, async (server) => {
    const ws = await connectedWs(server.port);
    const { path } = await connectedPolling(server.port);
    server.io.emit("deep", JSON.parse(deepArray));
    // With recovery on, the adapter appends the packet's offset as a last argument.
    const frame = (await ws.next()) as string;
    assert.ok(frame.startsWith(`42["deep",${deepArray},"`), "the WebSocket client got it");
    const reply = await http(server.port, "GET", path);
    assert.ok(reply.body.includes(`["deep",${deepArray},"`), "the polling client got it");
    ws.ws.close();
  });
});

/** msgpack bytes of { type: 2, nsp: "/", data: ["echo", <depth nested one-item arrays>] }. */
function deepMsgpackEvent(depth: number): Buffer {
  const head = Buffer.from([0x83, 0xa4, ...Buffer.from("type"), 0x02, 0xa3, ...Buffer.from("nsp"), 0xa1, 0x2f, 0xa4, ...Buffer.from("data"), 0x92, 0xa4, ...Buffer.from("echo")]);
  return Buffer.concat([head, Buffer.alloc(depth, 0x91), Buffer.of(0x90)]);
}

test("with the msgpack parser, a deep frame closes that connection only", async (t) => {
  await onEachBackend(t, { parser: msgpackParser }, async (server) => {
    const peer = await rawWs(server.port);
    await peer.next((f) => typeof f === "string" && f.startsWith("0"));
    // Its typings say ArrayBuffer; it returns [ArrayBuffer], as any parser's Encoder does.
    const [connect] = new msgpackParser.Encoder().encode({ type: 0, nsp: "/" }) as unknown as ArrayBuffer[];
    peer.send(Buffer.from(connect!));
    await peer.next((f) => Buffer.isBuffer(f)); // the CONNECT answer
    peer.send(deepMsgpackEvent(DEPTH));
    // Either outcome is safe: the echo (if the codec coped) or a closed connection.
    await Promise.race([peer.next((f) => Buffer.isBuffer(f)), peer.closed]);
    peer.ws.close();
  });
});
