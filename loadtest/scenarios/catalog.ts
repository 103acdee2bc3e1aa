// The scenario families and the cases each expands to.
//
// Defaults are the full comparison; --clients narrows every family to the given counts, and
// --smoke shrinks everything to a run of a few seconds per server (CI, and the harness test).
import { isBinaryPayload, type PayloadName } from "../protocol/payloads";
import type { CaseSpec } from "./types";

export const FAMILIES = ["fanout", "rooms", "multiroom", "echo", "storm", "idle", "polling", "polling-echo", "mixed"] as const;
export type Family = (typeof FAMILIES)[number];

export function isFamily(s: string): s is Family {
  return (FAMILIES as readonly string[]).includes(s);
}

/** Families that need long-polling, which the bare floor does not speak. */
export const NEEDS_POLLING: ReadonlySet<Family> = new Set(["polling", "polling-echo", "mixed"]);

export interface CatalogOptions {
  clients?: number[];
  durationS: number;
  smoke: boolean;
  payloads?: PayloadName[];
  bursts?: number[];
}

/** The polling echo's payloads: the small event, then the sizes where codec work shows. */
const POLLING_ECHO_PAYLOADS: PayloadName[] = ["small", "4KiB", "64KiB", "64KiB-utf8", "64KiB-bin"];

/** Queued broadcasts per window in the "several in flight" cases. */
const QUEUED = 20;
const SMOKE_QUEUED = 5;

export function casesFor(family: Family, o: CatalogOptions): CaseSpec[] {
  const pick = (full: number[], smoke: number[]) => o.clients ?? (o.smoke ? smoke : full);
  const durationS = o.smoke ? Math.min(o.durationS, 0.3) : o.durationS;
  // Smoke: one window size per family except fanout, which checks both shapes once each.
  const bursts = o.bursts ?? (o.smoke ? [SMOKE_QUEUED] : [1, QUEUED]);
  const payloads: PayloadName[] = o.payloads ?? ["small", "4KiB"];
  const binary = o.payloads?.find(isBinaryPayload);
  if (binary !== undefined && family !== "polling-echo") {
    throw new Error(`payload ${binary} is binary: only the polling-echo family sends it`);
  }
  const out: CaseSpec[] = [];
  const add = (c: Omit<CaseSpec, "family" | "durationS"> & { durationS?: number }) =>
    out.push({ family, durationS, ...c });
  switch (family) {
    case "fanout":
      if (o.smoke && !o.clients && !o.payloads && !o.bursts) {
        add({ id: "fanout n=40 small burst=1", kind: "fanout", clients: 40, pollingShare: 0, layout: "single", payload: "small", burst: 1 });
        add({ id: `fanout n=40 4KiB burst=${SMOKE_QUEUED}`, kind: "fanout", clients: 40, pollingShare: 0, layout: "single", payload: "4KiB", burst: SMOKE_QUEUED });
        break;
      }
      for (const n of pick([100, 1000, 10000], [40]))
        for (const payload of payloads)
          for (const burst of bursts)
            add({ id: `fanout n=${n} ${payload} burst=${burst}`, kind: "fanout", clients: n, pollingShare: 0, layout: "single", payload, burst });
      break;
    case "rooms":
      for (const n of pick([1000], [60]))
        for (const burst of bursts)
          add({ id: `rooms+except n=${n} small burst=${burst}`, kind: "fanout", clients: n, pollingShare: 0, layout: "rooms-except", payload: "small", burst });
      break;
    case "multiroom":
      // One shape only, io.to(["r0","r1","r2"]).except("x") (issue 11), so its CPU per delivery
      // is not averaged with single-room broadcasts as in "rooms".
      for (const n of pick([1000, 10000], [60]))
        for (const burst of bursts)
          add({ id: `r0+r1+r2-x n=${n} small burst=${burst}`, kind: "fanout", clients: n, pollingShare: 0, layout: "union-except", payload: "small", burst });
      break;
    case "echo":
      for (const n of pick([100, 1000], [20]))
        for (const payload of o.payloads ?? ["small"])
          add({ id: `echo n=${n} ${payload}`, kind: "echo", clients: n, pollingShare: 0, layout: "none", payload, burst: 1 });
      break;
    case "storm":
      for (const n of pick([5000], [100]))
        add({ id: `connect storm n=${n}`, kind: "storm", clients: n, pollingShare: 0, layout: "none", payload: "small", burst: 1 });
      break;
    case "idle":
      for (const n of pick([10000], [200]))
        add({ id: `idle n=${n}`, kind: "idle", clients: n, pollingShare: 0, layout: "single", payload: "small", burst: 1 });
      break;
    case "polling":
      for (const n of pick([1000], [30]))
        for (const burst of bursts)
          add({ id: `polling fanout n=${n} small burst=${burst}`, kind: "fanout", clients: n, pollingShare: 1, layout: "single", payload: "small", burst });
      break;
    case "polling-echo":
      // Large bodies both ways: what the polling codec (and its native addon) does end to end.
      for (const n of pick([100], [10]))
        for (const payload of o.payloads ?? (o.smoke ? ["small", "64KiB-bin"] : POLLING_ECHO_PAYLOADS))
          add({ id: `polling echo n=${n} ${payload}`, kind: "echo", clients: n, pollingShare: 1, layout: "none", payload, burst: 1 });
      break;
    case "mixed":
      for (const n of pick([1000], [50]))
        for (const burst of o.bursts ?? [o.smoke ? SMOKE_QUEUED : QUEUED])
          add({ id: `mixed 90% ws/10% polling n=${n} small burst=${burst}`, kind: "fanout", clients: n, pollingShare: 0.1, layout: "single", payload: "small", burst });
      break;
  }
  return out;
}
