// Packets sent before the CONNECT answer (no CVE; found by the inbound fuzz).
//
// Official clients wait for the server's CONNECT answer before sending anything for that
// namespace. A raw client that sends `40` and `42[...]` back to back used to have its event
// dropped silently on the node:http backend (ws hands both frames over in one tick, before
// the CONNECT completes), leaving it connected and waiting. Upstream socket.io 4.8 closes the
// connection in that case ("invalid state"); so does hyperio now, on both backends.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { Server as UpstreamServer } from "socket.io";
import { onEachBackend, rawWs } from "./helpers";

/** Sends CONNECT and an event in one write; resolves with what the peer saw. */
async function connectAndEmitAtOnce(port: number): Promise<{ closed: boolean; frames: Array<string | Buffer> }> {
  const peer = await rawWs(port);
  await peer.next((f) => typeof f === "string" && f.startsWith("0"));
  // Both frames in one TCP write, as a fast raw client would send them.
  const socket = (peer.ws as unknown as { _socket: import("node:net").Socket })._socket;
  socket.cork();
  peer.send("40");
  peer.send('42["early",1]');
  socket.uncork();
  const closed = await Promise.race([peer.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1500))]);
  peer.ws.terminate();
  return { closed, frames: peer.frames };
}

test("an event sent before the CONNECT answer closes the connection, as upstream", async (t) => {
  // Upstream socket.io 4.8 on node:http, for reference.
  const httpServer = createServer();
  const upstream = new UpstreamServer(httpServer);
  upstream.on("connection", (s) => s.onAny((ev, ...args) => s.emit(ev, ...args)));
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  const theirs = await connectAndEmitAtOnce((httpServer.address() as { port: number }).port);
  upstream.close();
  assert.equal(theirs.closed, true, "upstream closes");

  await onEachBackend(t, {}, async (server) => {
    const ours = await connectAndEmitAtOnce(server.port);
    // uWS may run the CONNECT to completion between the two frames: then the event is
    // echoed. What must never happen is the event vanishing on an open connection.
    const echoed = ours.frames.some((f) => f === '42["early",1]');
    assert.ok(ours.closed || echoed, `event dropped on an open connection: ${JSON.stringify(ours.frames)}`);
  });
});
