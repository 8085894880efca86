import type { AssignResult } from "../assign/owner-pool";
import type { SlaConfig } from "../config/schema";
import type { DestinationAction } from "../connectors/connector";
import type { LeadDelivery } from "../connectors/types";
import type { EnrichResult } from "../enrich/types";
import type { LeadMatch } from "../lead/match";
import type { Lead } from "../lead/schema";
import type { AccountTrace } from "./account-owner";
import type { ArmChoice } from "./split";
import type { RouteTrace } from "./trace";

// What deciding a lead produces (decide.ts builds it, budget.ts fits it, the
// routing consumer stores it): types only, so each step can name them.

/**
 * The pool's answer; for a lead the pool holds, when it should next be taken
 * (`holdUntilMs`, absent when no member will be available) and, in the simulator,
 * by whom.
 */
export type OwnerAnswer = AssignResult & { holdUntilMs?: number; holdThen?: { ownerId: string; reason: string } };

/**
 * A lead held by a `hold` pool: the assign and the deliveries planned after it wait
 * until a member can take the lead; the routing consumer stores this in `held_leads`.
 */
export interface HoldPlan {
  route: string;
  pool: string;
  reason: string;
  /** The first moment a member should be available; absent when none will be. */
  untilMs?: number;
  /** Deliveries planned after the assign: sent with the owner once the lead has one. */
  deliveries: PlannedDelivery[];
  /** Who the simulator says takes the lead at `untilMs`. */
  thenOwnerId?: string;
}

/** The route actions that send a lead somewhere, as connectors declare them. */
export type ActionKind = DestinationAction;

export interface PlannedDelivery {
  destinationId: string;
  action: ActionKind;
  delivery: LeadDelivery;
}

/** One `enrich` action as it went. */
export interface EnrichmentTrace {
  route: string;
  enrichment: string;
  outcome: EnrichResult["outcome"] | "not_configured";
  /** The domain or email looked up. */
  key?: string;
  /** Lead fields the answer filled or replaced. */
  merged?: string[];
  /** Fields the answer had that the lead already held (kept: `overwrite` is off). */
  kept?: string[];
  reason?: string;
  error?: string;
}

/** The experiment arm a lead landed in, and how. */
export interface ExperimentTrace extends ArmChoice {
  route: string;
  weights: Record<string, number>;
}

/** Why the lead went where it went; stored with the event and returned by the admin API. */
export interface DecisionTrace {
  mapping: { ok: boolean; warnings: string[]; reason?: string };
  match?: { by: LeadMatch["by"]; leadId: string; ownerId: string | null };
  routes: RouteTrace[];
  enrichments?: EnrichmentTrace[];
  experiments?: ExperimentTrace[];
  /** The `accountOwner` assignment: which CRM record matched and how, or why the fallback pool assigned. */
  account?: AccountTrace;
  owner?: { ownerId?: string; reason: string; pool?: string; sticky: boolean; fallback?: boolean; held?: boolean; account?: boolean };
  /** Set when a `hold` pool held the lead; `releasedAt` and `ownerId` once an owner took it (src/hold/release.ts). */
  hold?: { pool: string; reason: string; until?: string; releasedAt?: string; ownerId?: string };
  actions: { route: string; action: string; destination?: string; deliveryId?: string; arm?: string; note?: string }[];
  explain: string[];
  /** Set when the lead or the trace was over its storage budget (budget.ts). */
  trimmed?: TrimmedTrace;
  /** Added after routing by the deliveries consumer: a delivery that landed changed (an owner the CRM refused). */
  deliveryNotes?: { deliveryId: string; destinationId: string; note: string; at: string }[];
}

/** An SLA the routed lead's owner is held to; the routing consumer starts its clock. */
export interface SlaPlan {
  route: string;
  /** The pool a reassignment picks from: the route's (or arm's) `assign` pool. */
  pool?: string;
  config: SlaConfig;
}

export type Decision =
  | { status: "invalid"; reason: string; trace: DecisionTrace }
  | { status: "unmatched"; lead: Lead; match?: LeadMatch; trace: DecisionTrace }
  | {
      status: "routed";
      lead: Lead;
      match?: LeadMatch;
      routeId: string;
      ownerId?: string;
      /** The first experiment the lead went through: its route and arm. */
      experiment?: { route: string; arm: string };
      deliveries: PlannedDelivery[];
      sla?: SlaPlan;
      /** Set when the lead waits for an owner: `deliveries` are only those planned before the assign. */
      hold?: HoldPlan;
      trace: DecisionTrace;
    };

/** A decision for an event that cannot become a lead. */
export function invalidDecision(reason: string): Decision {
  return {
    status: "invalid",
    reason,
    trace: { mapping: { ok: false, warnings: [], reason }, routes: [], actions: [], explain: [`invalid: ${reason}`] },
  };
}

/** What had to go to fit the budgets; stored in the trace so the console shows it. */
export interface TrimmedTrace {
  /** Custom fields dropped from the lead, largest first, with the size of their value's JSON. */
  custom?: { field: string; bytes: number }[];
  /** Entries left out of the trace's lists. */
  routes?: number;
  actions?: number;
  explain?: number;
  enrichments?: number;
  experiments?: number;
  warnings?: number;
}
