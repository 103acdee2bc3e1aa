// Decode side of binary support: finds the `{ _placeholder: true, num }` objects in a binary
// packet's parsed data when its text arrives (so bad placeholders are refused before any
// attachment is awaited), and later puts the received attachments in their place.
import { SocketIOParseError, SocketIOParseErrorCode } from "./errors";
import type { Binary } from "./packet";

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Where placeholders sit: flat triples (container, key, attachment index). Its length is
 * bounded by the size of the parsed data, never by a number read from the wire.
 */
export type PlaceholderSlots = unknown[];

/**
 * Collects the placeholders of `root`, checking each `num` is an integer in
 * [0, attachments). Iterative (deep input cannot overflow the stack).
 *
 * @throws SocketIOParseError `SIO_ILLEGAL_PLACEHOLDER`
 */
export function findPlaceholders(root: unknown, attachments: number): PlaceholderSlots {
  const slots: PlaceholderSlots = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as object;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) visit(node, i, node[i], attachments, slots, stack);
    } else {
      for (const key in node) {
        if (hasOwn.call(node, key)) {
          visit(node, key, (node as Record<string, unknown>)[key], attachments, slots, stack);
        }
      }
    }
  }
  return slots;
}

function visit(
  container: object,
  key: string | number,
  value: unknown,
  attachments: number,
  slots: PlaceholderSlots,
  stack: unknown[],
): void {
  if (typeof value !== "object" || value === null) return;
  if ((value as { _placeholder?: unknown })._placeholder === true) {
    const num: unknown = (value as { num?: unknown }).num;
    if (typeof num !== "number" || !Number.isInteger(num) || num < 0 || num >= attachments) {
      throw new SocketIOParseError(
        SocketIOParseErrorCode.ILLEGAL_PLACEHOLDER,
        `placeholder num (${typeof num === "number" ? num : typeof num}) does not name one of ${attachments} attachment(s)`,
      );
    }
    slots.push(container, key, num);
    return;
  }
  stack.push(value);
}

/** Replaces every collected placeholder with its attachment, in place. */
export function fillPlaceholders(slots: PlaceholderSlots, buffers: readonly Binary[]): void {
  for (let i = 0; i < slots.length; i += 3) {
    const container = slots[i] as Record<string | number, unknown>;
    const key = slots[i + 1] as string | number;
    const value = buffers[slots[i + 2] as number];
    if (key === "__proto__") {
      // Never assign through the prototype setter, whatever the container looks like.
      Object.defineProperty(container, key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      container[key] = value;
    }
  }
}
