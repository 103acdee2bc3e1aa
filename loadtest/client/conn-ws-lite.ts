// A Socket.IO client session over WsLite, the load client's default WebSocket transport.
import { nowUs } from "../lib/clock";
import { parseBroadcast, type SeqStamp } from "../protocol/frames";
import { SOCKET_PATH } from "../protocol/control";
import { Conn, type ConnHost } from "./conn";
import type { Expectation } from "./membership";
import { WsLite } from "./ws-lite";

const scratch: SeqStamp = { seq: 0, stampUs: 0 };

export class WsLiteConn extends Conn {
  private ws: WsLite;

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
        onOpen: () => undefined, // the Engine.IO open packet, not the upgrade, moves the state on
        onMessage: (data, isBinary) => {
          if (isBinary) return;
          if (parseBroadcast(data, scratch)) this.accept(scratch.seq, scratch.stampUs);
          else this.onText(data.toString("utf8"));
        },
        onClose: (reason) => this.fail(reason),
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
