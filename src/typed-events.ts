// Type machinery that lets `Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>`
// flow event signatures into every emitter of the API, the same way socket.io 4.8 does, so
// code typed against socket.io compiles unchanged against hyperio.
//
// The runtime part is tiny: StrictEventEmitter is a node EventEmitter whose methods are
// re-declared with typed signatures. Everything else is compile-time only.
import { EventEmitter } from "node:events";

/** A map of event names to listener signatures. */
export interface EventsMap {
  [event: string]: any;
}

/** The map used when no type argument is given: any event, any arguments. */
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}

/** The event names of a map. */
export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

/** The arguments of an event. */
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

type IsAny<T> = 0 extends 1 & T ? true : false;
type WhenAny<T, Yes, No> = IsAny<T> extends true ? Yes : No;

/** The last element of a tuple. */
export type Last<T extends readonly unknown[]> = T extends readonly [infer Only]
  ? Only
  : T extends readonly [unknown, ...infer Rest]
    ? Last<Rest>
    : T extends ReadonlyArray<infer Item>
      ? Item
      : never;

/** Every element of a tuple but the last. */
export type AllButLast<T extends any[]> = T extends [...infer Head, any] ? Head : any[];

type ParamsOf<T> = T extends (...args: infer P) => any ? P : never;

/** Events whose last parameter is a callback, i.e. events that can be acknowledged. */
export type EventNamesWithAck<
  Map extends EventsMap,
  K extends EventNames<Map> = EventNames<Map>,
> = WhenAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (
    Parameters<Map[K]> extends never[]
      ? never
      : Last<Parameters<Map[K]>> extends (...args: any[]) => any
        ? K
        : never
  )
    ? K
    : never
>;

/** Events without a trailing callback. */
export type EventNamesWithoutAck<
  Map extends EventsMap,
  K extends EventNames<Map> = EventNames<Map>,
> = WhenAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (Parameters<Map[K]> extends never[] ? K : never)
    ? K
    : K extends (Last<Parameters<Map[K]>> extends (...args: any[]) => any ? never : K)
      ? K
      : never
>;

/** The events of a map that carry no acknowledgement (broadcasts without timeout allow only these). */
export type RemoveAcknowledgements<E extends EventsMap> = {
  [K in EventNamesWithoutAck<E>]: E[K];
};

/** Acknowledged events whose callback takes an Error first. */
export type EventNamesWithError<
  Map extends EventsMap,
  K extends EventNamesWithAck<Map> = EventNamesWithAck<Map>,
> = WhenAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (ParamsOf<Last<Parameters<Map[K]>>>[0] extends Error ? K : never) ? K : never
>;

export type ReservedOrUserEventNames<ReservedEvents extends EventsMap, UserEvents extends EventsMap> =
  | EventNames<ReservedEvents>
  | EventNames<UserEvents>;

type UntypedWhenNever<T> = [T] extends [never] ? (...args: any[]) => void | Promise<void> : T;

export type ReservedOrUserListener<
  ReservedEvents extends EventsMap,
  UserEvents extends EventsMap,
  Ev extends ReservedOrUserEventNames<ReservedEvents, UserEvents>,
> = UntypedWhenNever<
  Ev extends EventNames<ReservedEvents>
    ? ReservedEvents[Ev]
    : Ev extends EventNames<UserEvents>
      ? UserEvents[Ev]
      : never
>;

/** Anything that can emit typed events to clients. */
export interface TypedEventBroadcaster<EmitEvents extends EventsMap> {
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean;
}

/** First argument of a callback, skipping a leading Error (what `emitWithAck` resolves to). */
export type FirstNonErrorTuple<T extends unknown[]> = T[0] extends Error ? T[1] : T[0];
export type FirstNonErrorArg<T> = T extends (...args: infer P) => any ? FirstNonErrorTuple<P> : any;

/** Turns every element type of a tuple into an array of it (one answer per recipient). */
export type MultiplyArray<T extends unknown[]> = { [K in keyof T]: T[K][] };

// With a timeout, every ack callback gets an Error first (null when answered in time).
type WithLeadingError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer P) => infer R
    ? P[0] extends Error
      ? T[K]
      : (err: Error, ...args: P) => R
    : T[K];
};

// Keeps tuple labels while taking the first element only.
type FirstKeepingLabel<T extends any[]> = T extends [any, ...infer R]
  ? T extends [...infer H, ...R]
    ? H
    : never
  : never;

// A broadcast with ack gets one answer per recipient: the callback receives arrays.
type ManyAnswers<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer P) => infer R
    ? P extends [Error]
      ? (err: Error) => R
      : P extends [Error, ...infer Rest]
        ? (err: Error, ...args: FirstKeepingLabel<MultiplyArray<Rest>>) => R
        : P extends []
          ? () => R
          : (...args: FirstKeepingLabel<MultiplyArray<P>>) => R
    : T[K];
};

export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: WithLeadingError<P>) => R : E[K];
};

export type DecorateAcknowledgementsWithTimeoutAndMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R
    ? (...args: ManyAnswers<WithLeadingError<P>>) => R
    : E[K];
};

export type DecorateAcknowledgementsWithMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: ManyAnswers<P>) => R : E[K];
};

/**
 * An EventEmitter with typed `on`/`once`/`emit`. `emitReserved` is how the library fires
 * its own events (connection, disconnect, ...), which user code may listen to but not emit.
 *
 * @example
 * class Room extends StrictEventEmitter<{ joined: (id: string) => void }, {}, {}> {}
 */
export abstract class StrictEventEmitter<
    ListenEvents extends EventsMap,
    EmitEvents extends EventsMap,
    ReservedEvents extends EventsMap = {},
  >
  extends EventEmitter
  implements TypedEventBroadcaster<EmitEvents>
{
  override on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.on(ev, listener as (...args: any[]) => void);
  }

  override once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.once(ev, listener as (...args: any[]) => void);
  }

  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return super.emit(ev, ...args);
  }

  protected emitReserved<Ev extends EventNames<ReservedEvents>>(
    ev: Ev,
    ...args: EventParams<ReservedEvents, Ev>
  ): boolean {
    return super.emit(ev, ...args);
  }

  protected emitUntyped(ev: string, ...args: any[]): boolean {
    return super.emit(ev, ...args);
  }

  override listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    event: Ev,
  ): ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[] {
    return super.listeners(event) as ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[];
  }
}
