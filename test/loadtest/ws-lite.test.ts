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
