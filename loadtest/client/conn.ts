// One Socket.IO client session as the load client sees it: the handshake state machine and
// the per-client delivery check, independent of the transport carrying the frames.
//
// Delivery check invariant: `last` is the highest sequence accepted; a broadcast is accepted
// only if it is expected for this client's rooms and greater than `last`. Anything else is a
// duplicate, a reordering or a misdelivery, counted, never silently absorbed. Expected
// sequences skipped over are counted lost at once (if they turn up later they count again as
// out of order: both are failures).
import type { Expectation } from "./membership";
import { joinFrame, parseAck, parseBroadcastStr, type SeqStamp } from "../protocol/frames";

export interface ConnHost {
  onReady(c: Conn): void;
  onFail(c: Conn, reason: string): void;
  /** An accepted broadcast (already checked for order and membership). */
  onDelivery(c: Conn, seq: number, stampUs: number): void;
  onAck(c: Conn, id: number, args: string): void;
  onClose(c: Conn): void;
}

export type ConnState = "connecting" | "open" | "connected" | "ready" | "closed";

/** Ack id used by the join right after connect; echo acks count up from 1. */
const JOIN_ACK_ID = 0;

const scratch: SeqStamp = { seq: 0, stampUs: 0 };

export abstract class Conn {
  state: ConnState = "connecting";
  /** performance-free start stamp (µs, monotonic) of the connection attempt. */
  startedUs = 0;
  readyUs = 0;

  last = -1;
  received = 0;
  lost = 0;
  outOfOrder = 0;
  unexpected = 0;

  // Closed-loop echo state, used by the echo scenario only.
  echoSeq = 0;
  echoSentUs = 0;
  echoActive = false;
  /** A binary ack whose attachments are still arriving: it completes with the last one. */
  private pendingAck: { id: number; args: string; attachments: number } | undefined;

  constructor(
    readonly index: number,
    readonly rooms: string[],
    readonly expect: Expectation,
    protected readonly host: ConnHost,
  ) {}

  abstract sendText(text: string): void;
  abstract close(): void;

  /** A binary event: its text record, then one attachment. Only the polling client sends them. */
  sendBinaryEvent(_header: string, _attachment: Buffer): void {
    throw new Error("binary payloads are sent over polling only (use the polling-echo family)");
  }

  /** A broadcast arrived: check it, then hand it to the host. */
  protected accept(seq: number, stampUs: number): void {
    if (seq <= this.last) {
      this.outOfOrder++;
      return;
    }
    if (!this.expect.expects(seq)) {
      this.unexpected++;
      return;
    }
    this.lost += this.expect.countIn(this.last + 1, seq);
    this.last = seq;
    this.received++;
    this.host.onDelivery(this, seq, stampUs);
  }

  /** Loss still outstanding once the run has emitted every sequence below endSeq. */
  lostAtEnd(endSeq: number): number {
    return this.lost + this.expect.countIn(this.last + 1, endSeq);
  }

  /** Any text frame (or polling record) other than a broadcast already parsed from bytes. */
  protected onText(text: string): void {
    switch (text.charCodeAt(0)) {
      case 50: // "2" ping
        this.sendText("3");
        return;
      case 48: // "0" open
        if (this.state === "connecting") {
          this.state = "open";
          this.sendText("40");
        }
        return;
      case 49: // "1" close
        this.close();
        return;
      case 52: // "4" message
        break;
      case 98: // "b": a binary record (polling), here only ever an ack's attachment
        this.onAttachment();
        return;
      default:
        return;
    }
    const t = text.charCodeAt(1);
    if (t === 48) {
      // "40" connect reply (or a namespace connect echo)
      if (this.state !== "open") return;
      this.state = "connected";
      if (this.rooms.length === 0) this.becomeReady();
      else this.sendText(joinFrame(JOIN_ACK_ID, this.rooms));
    } else if (t === 50) {
      if (parseBroadcastStr(text, scratch)) this.accept(scratch.seq, scratch.stampUs);
    } else if (t === 51 || t === 54) {
      const ack = parseAck(text);
      if (!ack) return;
      if (ack.id === JOIN_ACK_ID && this.state === "connected") this.becomeReady();
      else if (ack.attachments > 0) this.pendingAck = ack;
      else this.host.onAck(this, ack.id, ack.args);
    } else if (t === 52) {
      this.fail(`connect_error ${text.slice(2, 200)}`);
    }
  }

  private onAttachment(): void {
    const ack = this.pendingAck;
    if (ack === undefined) return;
    if (--ack.attachments > 0) return;
    this.pendingAck = undefined;
    this.host.onAck(this, ack.id, ack.args);
  }

  private becomeReady(): void {
    this.state = "ready";
    this.host.onReady(this);
  }

  protected fail(reason: string): void {
    if (this.state === "closed") return;
    const wasReady = this.state === "ready";
    this.state = "closed";
    if (wasReady) this.host.onClose(this);
    else this.host.onFail(this, reason);
    this.close();
  }
}
