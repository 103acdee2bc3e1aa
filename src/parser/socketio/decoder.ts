// The upstream-shaped Decoder: an event emitter fed one Engine.IO message at a time.
//
// State: either idle, or holding one binary packet whose attachments are still arriving.
// Invariants: the number of attachments awaited is at most `maxAttachments`; every
// placeholder was checked against that count before the first attachment is accepted; any
// error (and `destroy()`) drops the pending packet, so a broken stream holds no memory.
import { EventEmitter } from "node:events";
import createDebug from "debug";
import { decodeText, TextDecodeOptions } from "./decode-text";
import { SocketIOParseError, SocketIOParseErrorCode } from "./errors";
import { Binary, Packet, PacketType, Reviver } from "./packet";
import { isPayloadValid } from "./payload";
import { fillPlaceholders, findPlaceholders, PlaceholderSlots } from "./reconstruct";

const debug = createDebug("hyperio:parser:socketio-decoder");

/** Options of `new Decoder(opts)`. A bare function is taken as the `reviver`, as upstream. */
export interface DecoderOptions {
  /** Passed to JSON.parse for every payload. */
  reviver?: Reviver;
  /** Most attachments one binary packet may announce (default 10, as upstream). */
  maxAttachments?: number;
  /**
   * Refuse payloads holding an own `__proto__` key (default true). JSON.parse never
   * re-parents anything; this protects user code that merges payloads into other objects.
   */
  rejectProtoKeys?: boolean;
}

export const DEFAULT_MAX_ATTACHMENTS = 10;

/** A binary packet waiting for its attachments. */
interface PendingBinary {
  packet: Packet;
  expected: number;
  slots: PlaceholderSlots;
  buffers: Binary[];
}

/** The options of every `new Decoder()` (one per client): shared, not one object each. */
const DEFAULT_TEXT_OPTIONS: TextDecodeOptions = Object.freeze({
  reviver: undefined,
  maxAttachments: DEFAULT_MAX_ATTACHMENTS,
  rejectProtoKeys: true,
});

/** A direct reader of decoded packets (hyperio's Client), told before the "decoded" listeners. */
export interface DecodedPacketConsumer {
  onDecodedPacket(packet: Packet): void;
}

function resolveOptions(opts: DecoderOptions | Reviver | undefined): TextDecodeOptions {
  if (opts === undefined) return DEFAULT_TEXT_OPTIONS;
  const o: DecoderOptions = typeof opts === "function" ? { reviver: opts } : opts ?? {};
  if (typeof o !== "object" || o === null) {
    throw new TypeError("Decoder: options must be an object or a reviver function");
  }
  const { reviver, maxAttachments = DEFAULT_MAX_ATTACHMENTS, rejectProtoKeys = true } = o;
  if (reviver !== undefined && typeof reviver !== "function") {
    throw new TypeError("Decoder: option `reviver` must be a function");
  }
  if (!Number.isSafeInteger(maxAttachments) || maxAttachments < 0) {
    throw new RangeError(`Decoder: option \`maxAttachments\` must be a non-negative integer, got ${String(maxAttachments)}`);
  }
  if (typeof rejectProtoKeys !== "boolean") {
    throw new TypeError("Decoder: option `rejectProtoKeys` must be a boolean");
  }
  return { reviver, maxAttachments, rejectProtoKeys };
}

/**
 * Decodes Socket.IO packets, emitting `decoded` with each complete packet, as
 * `socket.io-parser`'s Decoder does. Throws `SocketIOParseError` (stable `code`) on bad input.
 *
 * @example
 * const decoder = new Decoder({ maxAttachments: 4 });
 * decoder.on("decoded", (packet) => console.log(packet));
 * decoder.add('51-["file",{"_placeholder":true,"num":0}]'); // waits for one attachment
 * decoder.add(Buffer.from("hello"));                       // emits { type: 2, data: ["file", <Buffer>] }
 */
export class Decoder extends EventEmitter {
  /** Upstream's static payload check, for code that calls `Decoder.isPayloadValid`. */
  static isPayloadValid = isPayloadValid;

  private readonly opts: TextDecodeOptions;
  private pending: PendingBinary | null = null;
  private consumer: DecodedPacketConsumer | undefined = undefined;

  constructor(opts?: DecoderOptions | Reviver) {
    super();
    // No listener dictionary until a first listener (node's EventEmitter creates `_events`
    // on demand while it is undefined): the server's decoders, one per client, are read
    // through attachConsumer and never get a listener.
    (this as unknown as { _events: unknown })._events = undefined;
    this.opts = resolveOptions(opts);
  }

  /**
   * @internal Makes `consumer` this decoder's direct reader, called with each packet right
   * before the "decoded" listeners; false when another consumer is attached.
   */
  attachConsumer(consumer: DecodedPacketConsumer): boolean {
    if (this.consumer !== undefined && this.consumer !== consumer) return false;
    this.consumer = consumer;
    return true;
  }

  /** @internal Detaches `consumer` if it is the attached one. */
  detachConsumer(consumer: DecodedPacketConsumer): void {
    if (this.consumer === consumer) this.consumer = undefined;
  }

  /** Feeds one Engine.IO message: a packet text, or one attachment of the pending packet. */
  add(chunk: unknown): void {
    if (typeof chunk === "string") {
      if (this.pending !== null) {
        this.pending = null;
        this.fail(SocketIOParseErrorCode.UNEXPECTED_TEXT, "got a text packet while waiting for binary attachments");
      }
      this.addText(chunk);
    } else if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) {
      this.addBinary(chunk);
    } else {
      this.pending = null;
      this.fail(SocketIOParseErrorCode.INVALID_INPUT, `cannot decode a chunk of type ${typeof chunk}`);
    }
  }

  /** Drops a partly received binary packet. The decoder stays usable. */
  destroy(): void {
    this.pending = null;
  }

  private addText(text: string): void {
    let decoded;
    try {
      decoded = decodeText(text, this.opts);
    } catch (err) {
      debug("refused text packet: %s", (err as Error).message);
      throw err;
    }
    const { packet, attachments } = decoded;
    if (attachments === 0) {
      this.deliver(packet);
      return;
    }
    packet.type = packet.type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
    const slots = findPlaceholders(packet.data, attachments);
    this.pending = { packet, expected: attachments, slots, buffers: [] };
  }

  private addBinary(chunk: Binary): void {
    const pending = this.pending;
    if (pending === null) {
      this.fail(SocketIOParseErrorCode.UNEXPECTED_BINARY, "got binary data while no binary packet was pending");
    }
    pending.buffers.push(chunk);
    if (pending.buffers.length < pending.expected) return;
    this.pending = null;
    fillPlaceholders(pending.slots, pending.buffers);
    this.deliver(pending.packet);
  }

  private deliver(packet: Packet): void {
    this.consumer?.onDecodedPacket(packet);
    this.emit("decoded", packet);
  }

  private fail(code: SocketIOParseErrorCode, message: string): never {
    debug("refused input: %s", message);
    throw new SocketIOParseError(code, message);
  }
}
