// k6/websockets over the `ws` package: the subset the load scripts use (on* handlers,
// binaryType "arraybuffer", send, close).
import NodeWebSocket from "ws";
import { hold, record, release } from "./runtime.mjs";

export class WebSocket {
  constructor(url) {
    this.url = url;
    this.binaryType = "blob";
    this.onopen = () => {};
    this.onmessage = () => {};
    this.onerror = () => {};
    this.onclose = () => {};
    this.socket = new NodeWebSocket(url);
    hold();
    let released = false;
    const done = () => {
      if (!released) {
        released = true;
        release();
      }
    };
    record("ws_sessions", "counter", 1);
    this.socket.on("open", () => this.onopen());
    this.socket.on("message", (data, isBinary) => {
      record("ws_msgs_received", "counter", 1);
      const payload = isBinary
        ? new Uint8Array(data).slice().buffer
        : Buffer.from(data).toString("utf8");
      this.onmessage({ data: payload, type: "message", timestamp: Date.now() });
    });
    this.socket.on("error", (err) => {
      this.onerror({ type: "error", error: String(err && err.message), timestamp: Date.now() });
      done();
    });
    this.socket.on("close", () => {
      this.onclose();
      done();
    });
  }
  get readyState() {
    return this.socket.readyState;
  }
  send(data) {
    record("ws_msgs_sent", "counter", 1);
    this.socket.send(data);
  }
  close() {
    this.socket.close();
  }
}
