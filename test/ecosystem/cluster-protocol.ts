// What the test process and cluster-fixture.ts exchange over IPC. Kept apart from the
// fixture, which starts a primary or a worker as soon as it is loaded.

export type Impl = "upstream" | "hyperio";
export const WORKER_NAMES = ["A", "B", "C"] as const;
/** Namespaces every worker creates (adapters need them on every worker before use). */
export const NSPS = ["/", "/chat"];

/** Where a call starts: the server, a namespace, a local socket or a fetched socket (by label). */
export type Root = "io" | { nsp: string } | { socket: string; nsp?: string } | { fetched: string };
/**
 * `[method or getter, ...args]`; an argument `{ $fn: "ack" }` becomes a callback whose
 * arguments are the result, `{ $buffer: [bytes] }` a Buffer (JSON IPC cannot carry one). The single step `["$heard"]` returns (and clears) what the
 * worker's serverSideEmit listeners heard.
 */
export type Step = [string, ...unknown[]];

export interface CallRequest {
  rpc: "call";
  id: number;
  worker: number;
  root: Root;
  steps: Step[];
}

export interface CallReply {
  rpc: "reply";
  id: number;
  ok: boolean;
  /** The result as plain JSON, or the error's stack when !ok. */
  value: unknown;
}
