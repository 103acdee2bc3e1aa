// The promise form shared by the multi-recipient acknowledged emits (io.emitWithAck,
// serverSideEmitWithAck): the callback form stays the single implementation, and a
// rejection carries the answers that did arrive, as upstream's does.

/** Callback receiving every recipient's answer, or an error (a timeout) first. */
export type MultiAckCallback = (err: Error | null, responses: any) => void;

/**
 * Runs `invoke` with an ack callback and settles with the responses.
 *
 * @example
 * return ackPromise((ack) => this.emit("ping", ack)); // resolves with every answer
 */
export function ackPromise<T>(invoke: (ack: MultiAckCallback) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    invoke((err, responses) => {
      if (err) {
        (err as Error & { responses?: unknown }).responses = responses;
        reject(err);
      } else resolve(responses);
    });
  });
}
