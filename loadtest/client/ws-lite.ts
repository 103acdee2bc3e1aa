// A minimal WebSocket client over node:net, for the load client's hot path.
//
// At 10,000 connections the load client's own CPU per delivery decides how far the servers
// can be pushed on a 2-core machine. `ws` runs every chunk through a Writable stream and
// event emitters; this client parses frames straight out of the socket's chunks and hands
// each message to one callback. It implements only what a Socket.IO server sends a client:
// unmasked text/binary frames, continuation frames, ping (answered with pong), close; no
// extensions (no permessage-deflate is offered). Frames it sends are masked with a zero key,
// which RFC 6455 allows servers not to check and which leaves the payload bytes unchanged.
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";

export interface WsLiteHandlers {
  onOpen(): void;
  /** One complete message; `data` is only valid during the call (it may view a reused buffer). */
  onMessage(data: Buffer, isBinary: boolean): void;
  onClose(reason: string): void;
}

const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from("\r\n\r\n");

export class WsLite {
  private readonly socket: Socket;
  private open = false;
  private closed = false;
  /** Bytes received but not yet parsed (a partial frame, or the HTTP response head). */
  private rest: Buffer = EMPTY;
  /** Fragments of a message split over continuation frames. */
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;

  constructor(
    opts: { host: string; port: number; path: string; localAddress?: string },
    private readonly h: WsLiteHandlers,
  ) {
    this.socket = connect({ host: opts.host, port: opts.port, localAddress: opts.localAddress });
    this.socket.setNoDelay(true);
    this.socket.on("connect", () => {
      this.socket.write(
        `GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (err) => this.finish(`socket error: ${err.message}`));
    this.socket.on("close", () => this.finish("socket closed"));
  }

  get isOpen(): boolean {
    return this.open && !this.closed;
  }

  /**
   * Stops reading for real, as a client that stopped reading does. socket.pause() alone only
   * stops 'data' events: node goes on reading from the kernel into the stream's buffer up to
   * its high-water mark (16 KiB, a whole burst of small messages). Stopping the handle's reads
   * leaves every further byte in the kernel's buffers, which fill and push back on the server.
   */
  stopReading(): void {
    this.socket.pause();
    const handle = (this.socket as unknown as { _handle?: { reading: boolean; readStop(): number } })._handle;
    if (handle?.reading) {
      handle.reading = false;
      handle.readStop();
    }
  }

  /**
   * Reads again after stopReading(). The stream still counts a read as under way, so resume()
   * alone would not call _read again: the handle's reads restart as net's tryReadStart does.
   */
  resumeReading(): void {
    const handle = (this.socket as unknown as { _handle?: { reading: boolean; readStart(): number } })._handle;
    if (handle && !handle.reading) {
      handle.reading = true;
      handle.readStart();
    }
    this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    if (!this.open) {
      const end = buf.indexOf(HEADER_END);
      if (end < 0) {
        this.rest = buf;
        return;
      }
      const head = buf.toString("latin1", 0, end);
      if (!/^HTTP\/1\.1 101/.test(head)) {
        this.finish(`upgrade refused: ${head.split("\r\n")[0]}`);
        return;
      }
      this.open = true;
      buf = buf.subarray(end + 4);
      this.h.onOpen();
    }
    let pos = 0;
    const len = buf.length;
    while (len - pos >= 2 && !this.closed) {
      const b0 = buf[pos];
      const b1 = buf[pos + 1];
      let size = b1 & 0x7f;
      let start = pos + 2;
      if (size === 126) {
        if (len - pos < 4) break;
        size = buf.readUInt16BE(pos + 2);
        start = pos + 4;
      } else if (size === 127) {
        if (len - pos < 10) break;
        size = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        start = pos + 10;
      }
      if (b1 & 0x80) start += 4; // a masked server frame is a protocol error; skip the key anyway
      if (len < start + size) break;
      this.onFrame(b0 & 0x80, b0 & 0x0f, buf.subarray(start, start + size));
      pos = start + size;
    }
    // Keep the unparsed tail; copy it only when it views a chunk we do not own past this call.
    this.rest = pos >= len ? EMPTY : Buffer.from(buf.subarray(pos));
  }

  private onFrame(fin: number, opcode: number, payload: Buffer): void {
    if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (fin) this.h.onMessage(payload, opcode === OP_BINARY);
      else {
        this.fragmentOpcode = opcode;
        this.fragments = [Buffer.from(payload)];
      }
    } else if (opcode === OP_CONT) {
      this.fragments.push(Buffer.from(payload));
      if (fin) {
        const whole = Buffer.concat(this.fragments);
        this.fragments = [];
        this.h.onMessage(whole, this.fragmentOpcode === OP_BINARY);
      }
    } else if (opcode === OP_PING) {
      this.writeFrame(0xa, payload);
    } else if (opcode === OP_CLOSE) {
      this.finish("close frame");
    }
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    const n = payload.length;
    const headLen = n < 126 ? 2 : n < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headLen + 4 + n);
    frame[0] = 0x80 | opcode;
    if (n < 126) frame[1] = 0x80 | n;
    else if (n < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(n, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
      frame.writeUInt32BE(n >>> 0, 6);
    }
    frame.writeUInt32BE(0, headLen); // zero masking key: payload goes out as is
    payload.copy(frame, headLen + 4);
    this.socket.write(frame);
  }

  sendText(text: string): void {
    if (this.isOpen) this.writeFrame(OP_TEXT, Buffer.from(text, "utf8"));
  }

  /** Ends the connection with a TCP reset: no close handshake, no TIME_WAIT left behind. */
  reset(): void {
    this.closed = true;
    if (typeof this.socket.resetAndDestroy === "function") this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.h.onClose(reason);
  }
}
