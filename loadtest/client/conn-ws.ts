// A Socket.IO client session over a raw `ws` WebSocket (no socket.io-client: its per-message
// cost would dominate the load client's CPU at 10,000 connections).
import WebSocket from "ws";
import { nowUs } from "../lib/clock";
import { parseBroadcast, type SeqStamp } from "../protocol/frames";
import { SOCKET_PATH } from "../protocol/control";
import { Conn, type ConnHost } from "./conn";
import type { Expectation } from "./membership";

const scratch: SeqStamp = { seq: 0, stampUs: 0 };

export class WsConn extends Conn {
  private ws: WebSocket;

  constructor(
    index: number,
    rooms: string[],
    expect: Expectation,
    host: ConnHost,
    endpoint: { host: string; port: number; localAddress?: string },
  ) {
    super(index, rooms, expect, host);
    this.startedUs = nowUs();
    const url = `ws://${endpoint.host}:${endpoint.port}${SOCKET_PATH}?EIO=4&transport=websocket`;
    this.ws = new WebSocket(url, {
      perMessageDeflate: false,
      // The harness checks content by sequence number; UTF-8 validation would only add client CPU.
      skipUTF8Validation: true,
      handshakeTimeout: 60000,
      localAddress: endpoint.localAddress,
    });
    this.ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      if (parseBroadcast(data, scratch)) this.accept(scratch.seq, scratch.stampUs);
      else this.onText(data.toString("utf8"));
    });
    this.ws.on("error", (err) => this.fail(`ws error: ${err.message}`));
    this.ws.on("close", () => this.fail("ws closed"));
  }

  sendText(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  close(): void {
    this.state = "closed";
    if (this.ws.readyState === WebSocket.OPEN) {
      // Reset instead of FIN: the run is over, and a FIN would leave this side in TIME_WAIT
      // for 60 s, eating the ephemeral ports the next run needs (10,000 per case).
      const sock = (this.ws as unknown as { _socket?: { resetAndDestroy?: () => void } })._socket;
      if (sock?.resetAndDestroy) sock.resetAndDestroy();
      else this.ws.terminate();
    } else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}
