import type { ArmConfig } from "../config/schema";
import type { Lead } from "../lead/schema";

/** Which lead value chose the arm: the most stable one the lead has. */
export type ArmKeyKind = "email" | "phone" | "domain" | "event";

export interface ArmChoice {
  arm: string;
  by: ArmKeyKind;
  /** Where the lead fell in [0, total weight): the arm owns a slice of that range. */
  bucket: number;
  total: number;
}

/**
 * Picks an experiment arm for a lead. Deterministic: a hash of the route id and the
 * lead's email (else phone, company domain, event id) places the lead in one of the
 * arms' weighted slices, so the same person lands in the same arm every time, on
 * every Worker, with no state. Salting with the route id keeps two experiments
 * independent of each other: an arm-A lead of one is not always arm A of the next.
 */
export function pickArm(routeId: string, arms: readonly ArmConfig[], lead: Lead, eventId: string): ArmChoice {
  const [by, key] = armKey(lead, eventId);
  const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
  // A 32-bit hash scaled (not reduced modulo) into the range: no bias towards low buckets.
  const bucket = Math.floor((hash32(`${routeId}\u0000${key}`) / 2 ** 32) * total);
  let edge = 0;
  for (const arm of arms) {
    edge += arm.weight;
    if (bucket < edge) return { arm: arm.arm, by, bucket, total };
  }
  // Unreachable (bucket < total); keeps the type honest without a non-null assertion.
  const last = arms[arms.length - 1];
  return { arm: last?.arm ?? "", by, bucket, total };
}

function armKey(lead: Lead, eventId: string): [ArmKeyKind, string] {
  if (lead.email) return ["email", lead.email];
  if (lead.phone) return ["phone", lead.phone];
  if (lead.domain) return ["domain", lead.domain];
  return ["event", eventId];
}

const encoder = new TextEncoder();

/**
 * FNV-1a over the UTF-8 bytes, then MurmurHash3's finalizer so that keys differing
 * in one character spread over the whole range. Synchronous and cheap; this is
 * bucketing, not security.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
