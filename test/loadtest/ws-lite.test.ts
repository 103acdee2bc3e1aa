// The load client's lean WebSocket client against the `ws` server: messages split across TCP
// chunks, fragmented messages, pings, masked client frames, close.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { WsLite } from "../../loadtest/client/ws-lite";

test("WsLite receives whole, large and fragmented messages, answers pings, sends text", { timeout: 10000 }, async () => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const port = (wss.address() as AddressInfo).port;
  const big = "y".repeat(200_000);
  let ponged!: () => void;
  const pong = new Promise<void>((r) => (ponged = r));
  wss.on("connection", (sock) => {
    sock.on("pong", () => ponged());
    sock.on("message", (data) => {
      const text = data.toString();
      if (text !== "hello") return;
      sock.send("small");
      sock.send(big);
      sock.send("frag-", { fin: false });
      sock.send("ment", { fin: true });
      sock.send(Buffer.from([1, 2, 3]), { binary: true });
      sock.ping();
      sock.send("last");
    });
  });
  const got: string[] = [];
  let binary = 0;
  const closed = new Promise<string>((resolve) => {
    const ws = new WsLite(
      { host: "127.0.0.1", port, path: "/" },
      {
        onOpen: () => ws.sendText("hello"),
        onMessage: (data, isBinary) => {
          if (isBinary) binary++;
          else got.push(data.length > 100 ? `big:${data.length}` : data.toString());
          if (got.at(-1) === "last") void pong.then(() => wss.clients.forEach((c) => c.close()));
        },
        onClose: resolve,
      },
    );
  });
  try {
    // Closing waits for the pong, so reaching here also proves the ping was answered.
    assert.equal(await closed, "close frame");
    assert.deepEqual(got, ["small", `big:${big.length}`, "frag-ment", "last"]);
    assert.equal(binary, 1);
  } finally {
    await new Promise<void>((r) => wss.close(() => r()));
  }
});

test("WsLite reports a refused upgrade", { timeout: 10000 }, async () => {
  const { createServer } = await import("node:http");
  const srv = createServer((_req, res) => res.writeHead(400).end("no"));
  srv.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as AddressInfo).port;
  const reason = await new Promise<string>((resolve) => {
    new WsLite({ host: "127.0.0.1", port, path: "/" }, { onOpen: () => undefined, onMessage: () => undefined, onClose: resolve });
  });
  assert.match(reason, /upgrade refused: HTTP\/1.1 400/);
  await new Promise<void>((r) => srv.close(() => r()));
});

test("a WebSocket the server closes right after its 101 fails as CUT_AFTER_UPGRADE (retried by the load client); later closes keep their reason", { timeout: 10000 }, async () => {
  const { createServer } = await import("node:net");
  const { createHash } = await import("node:crypto");
  const { WsLiteConn, CUT_AFTER_UPGRADE } = await import("../../loadtest/client/conn-ws-lite");
  const { ExpectationCache, patternFor } = await import("../../loadtest/client/membership");
  // A peer that completes the handshake, then either closes at once or sends one frame first.
  let sendFrameFirst = false;
  const server = createServer((sock) => {
    sock.once("data", (head) => {
      const key = /sec-websocket-key: (\S+)/i.exec(head.toString())![1];
      const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      if (sendFrameFirst) sock.write(Buffer.from([0x81, 0x01, 0x36])); // "6", an Engine.IO noop
      sock.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  const failOnce = () =>
    new Promise<string>((resolve) => {
      const host = { onReady() {}, onFail: (_c: unknown, reason: string) => resolve(reason), onDelivery() {}, onAck() {}, onClose() {} };
      const expect = new ExpectationCache(patternFor("none" as never)).get([]);
      new WsLiteConn(0, [], expect, host, { host: "127.0.0.1", port });
    });
  try {
    assert.equal(await failOnce(), CUT_AFTER_UPGRADE);
    sendFrameFirst = true;
    assert.equal(await failOnce(), "socket closed");
  } finally {
    server.close();
  }
});
