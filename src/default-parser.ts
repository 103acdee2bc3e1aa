// The codec used when the `parser` option is not given: hyperio's own (src/parser/socketio),
// which has upstream socket.io-parser's interface.
import * as socketioParser from "./parser/socketio";
import type { Parser } from "./parser-types";

/** Returns the default Socket.IO codec module. */
export function defaultParser(): Parser {
  return socketioParser as unknown as Parser;
}
