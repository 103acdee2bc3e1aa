// hyperio/engine: an Engine.IO v4 server on uWebSockets.js (or node:http + ws), with the
// surface of upstream engine.io 6.x.
//
//   import { Server } from "hyperio/engine";
//   const engine = new Server({ pingInterval: 10000, maxBufferedBytes: 1 << 20 });
//   engine.on("connection", (socket) => {
//     socket.subscribe("news");                 // uWS topic, used by engine.publish
//     socket.on("message", (data) => socket.send(data));
//     socket.on("close", (reason) => console.log(socket.id, reason));
//   });
//   await engine.listen(3000);                  // or engine.attachApp(app) / engine.attach(httpServer)
//   engine.publish("news", "4hello", false);    // an encoded Engine.IO message, to every subscriber
//
// Debug output: DEBUG=hyperio:engine:*
export { EngineServer, EngineServer as Server } from "./server";
export { listen, attach } from "./standalone";
export type { ConnectionError, ListenOptions } from "./server";
export { Socket } from "./socket";
export type { SocketState, CloseReason, SendData, SendOptions, SendCallback } from "./socket";
export type { EngineMetrics } from "./metrics";
export { Transport, TransportError } from "./transport";
export type { TransportState } from "./transport";
export { PollingTransport } from "./transports/polling";
export { UwsWebSocketTransport, SendStatus } from "./transports/uws-websocket";
export { NodeWebSocketTransport } from "./transports/node-websocket";
export { EngineErrorCode, EngineErrorMessage, InvalidOptionError } from "./errors";
export type { ServerOptions, TransportName, CookieOptions, HttpCompressionOptions, AllowRequest } from "./options";
export type { CorsOptions } from "./cors";
export type { Middleware, NextFunction } from "./middleware";
export type { EngineRequest } from "./request";
export type { UwsAttachOptions } from "./uws-backend";
export type { NodeAttachOptions } from "./node-backend";
export { loadUws } from "./uws-loader";
export * as parser from "../parser/engine-io";
export {
  encodePacket,
  decodePacket,
  encodePayload,
  decodePayload,
  EngineParseError,
  EngineParseErrorCode,
  protocol,
} from "../parser/engine-io";
export type { Packet, PacketType } from "../parser/engine-io";
