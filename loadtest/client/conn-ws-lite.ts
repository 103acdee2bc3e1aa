// A Socket.IO client session over WsLite, the load client's default WebSocket transport.
import { nowUs } from "../lib/clock";
import { parseBroadcast, type SeqStamp } from "../protocol/frames";
import { SOCKET_PATH } from "../protocol/control";
import { Conn, type ConnHost } from "./conn";
import type { Expectation } from "./membership";
import { WsLite } from "./ws-lite";

const scratch: SeqStamp = { seq: 0, stampUs: 0 };

/**
 * The failure reason of a WebSocket closed by the server after its 101 and before any frame:
 * what the pinned uWS's cork() does to a fraction of asynchronously completed upgrades
 * (README "Multi-core fanout", uNetworking/uWebSockets#1928). The worker retries these,
 * counted, instead of failing the whole run for one of them.
 */
export const CUT_AFTER_UPGRADE = "closed by the server right after its 101, before any frame";

export class WsLiteConn extends Conn {
  private ws: WsLite;
  private upgraded = false;
  private framed = false;

  constructor(
    index: number,
    rooms: string[],
    expect: Expectation,
    host: ConnHost,
    endpoint: { host: string; port: number; localAddress?: string },
  ) {
    super(index, rooms, expect, host);
    this.startedUs = nowUs();
    this.ws = new WsLite(
      { ...endpoint, path: `${SOCKET_PATH}?EIO=4&transport=websocket` },
      {
        // The Engine.IO open packet, not the upgrade, moves the state on.
        onOpen: () => {
          this.upgraded = true;
        },
        onMessage: (data, isBinary) => {
          this.framed = true;
          if (isBinary) return;
          if (parseBroadcast(data, scratch)) this.accept(scratch.seq, scratch.stampUs);
          else this.onText(data.toString("utf8"));
        },
        onClose: (reason) => this.fail(this.upgraded && !this.framed && reason === "socket closed" ? CUT_AFTER_UPGRADE : reason),
      },
    );
  }

  sendText(text: string): void {
    this.ws.sendText(text);
  }

  close(): void {
    this.state = "closed";
    this.ws.reset();
  }
}
