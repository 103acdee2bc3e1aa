// The in-memory adapter plus connection state recovery: every replayable broadcast gets an
// offset appended to its data (the client echoes the last one it saw when reconnecting) and
// is kept for the recovery window.
import { Adapter } from "./in-memory-adapter";
import { SessionStore } from "./session-store";
import type { BroadcastOptions, PrivateSessionId, Session, SessionToPersist } from "./types";

/** Default recovery window, as upstream. */
export const DEFAULT_MAX_DISCONNECTION_DURATION = 2 * 60 * 1000;

/** Reads the recovery window from the server options of a namespace. */
export function recoveryWindow(nsp: any): number {
  const csr = nsp.server.opts.connectionStateRecovery;
  return (csr && csr.maxDisconnectionDuration) ?? DEFAULT_MAX_DISCONNECTION_DURATION;
}

/**
 * In-memory adapter with session persistence, used when `connectionStateRecovery` is set.
 *
 * @example
 * const io = new Server({ connectionStateRecovery: {} }); // picks this adapter
 */
export class SessionAwareAdapter extends Adapter {
  private readonly store: SessionStore;

  constructor(nsp: any) {
    super(nsp);
    this.store = new SessionStore(recoveryWindow(nsp));
  }

  override broadcast(packet: any, opts: BroadcastOptions): void {
    if (SessionStore.isRecordable(packet, opts)) packet.data.push(this.store.record(packet.data, opts));
    super.broadcast(packet, opts);
  }

  override persistSession(session: SessionToPersist): void {
    this.store.persist(session);
  }

  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    return Promise.resolve(this.store.restore(pid, offset));
  }

  override close(): void {
    this.store.close();
  }
}
