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

/** Reads the cap on kept broadcasts (hyperio's `maxStoredPackets`; none by default, as upstream). */
function storedPacketsCap(nsp: any): number {
  const csr = nsp.server.opts.connectionStateRecovery;
  return (csr && csr.maxStoredPackets) ?? Infinity;
}

type AdapterClass = new (...args: any[]) => Adapter;

/** What withSessionRecovery adds to an adapter. */
export interface SessionRecovering {
  /** Missed packets and persisted sessions of this namespace. */
  readonly sessionStore: SessionStore;
}

/**
 * Adds connection state recovery to an adapter class (a subclass, not a patch): replayable
 * broadcasts get their offset appended before the base class encodes them once, and
 * sessions are kept for the recovery window. One implementation for every base adapter,
 * so the in-memory and uWS variants cannot drift apart.
 */
export function withSessionRecovery<Base extends AdapterClass>(
  base: Base,
): Base & (new (...args: any[]) => SessionRecovering) {
  // Declared, not inferred: an inferred anonymous class type would expose the base's
  // private members in the .d.ts, which TypeScript refuses to emit.
  return class SessionRecoveringAdapter extends base {
    readonly sessionStore: SessionStore = new SessionStore(recoveryWindow((this as any).nsp), storedPacketsCap((this as any).nsp));

    override broadcast(packet: any, opts: BroadcastOptions): void {
      if (SessionStore.isRecordable(packet, opts)) packet.data.push(this.sessionStore.record(packet.data, opts));
      super.broadcast(packet, opts);
    }

    override persistSession(session: SessionToPersist): void {
      this.sessionStore.persist(session);
    }

    override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> {
      return Promise.resolve(this.sessionStore.restore(pid, offset));
    }

    override close(): Promise<void> | void {
      this.sessionStore.close();
      return super.close();
    }
  };
}

/**
 * In-memory adapter with session persistence, used when `connectionStateRecovery` is set.
 *
 * @example
 * const io = new Server({ connectionStateRecovery: {} }); // picks this adapter
 */
export class SessionAwareAdapter extends withSessionRecovery(Adapter) {}
