import type { OutcomeName } from "../../src/config/schema";
import type { Database } from "../../src/db/client";
import { attempts, deliveries, type EventStatus, events, outcomes } from "../../src/db/schema";
import { newId } from "../../src/lib/ids";

/**
 * Rows written straight into D1 for the KPI tests: just the columns the KPIs read,
 * with times chosen so that every figure can be worked out by hand.
 */

export interface EventSpec {
  lead?: string;
  status?: EventStatus;
  route?: string;
  experiment?: string;
  arm?: string;
  owner?: string;
  source?: string;
  receivedAt: number;
}

export interface DeliverySpec {
  action: "upsert" | "notify" | "forward";
  status: "pending" | "succeeded" | "failed" | "dead";
  /** Attempts, as ms after the event's arrival with their outcome. */
  attempts?: { afterMs: number; outcome: "succeeded" | "retryable" | "failed" }[];
}

/** Inserts an event (with a time-ordered id of its arrival) and its deliveries and attempts; returns the event id. */
export async function insertEvent(db: Database, spec: EventSpec, deliveryList: DeliverySpec[] = []): Promise<string> {
  const id = newId("evt", spec.receivedAt);
  await db.insert(events).values({
    id,
    sourceId: spec.source ?? "forms",
    status: spec.status ?? "routed",
    headers: "{}",
    bodySize: 2,
    verification: "{}",
    receivedAt: spec.receivedAt,
    storedAt: spec.receivedAt,
    updatedAt: spec.receivedAt,
    routeId: spec.route ?? null,
    ownerId: spec.owner ?? null,
    leadId: spec.lead ?? null,
    experiment: spec.experiment ?? null,
    arm: spec.arm ?? null,
  });
  for (const [index, delivery] of deliveryList.entries()) {
    const deliveryId = `${id}:${index}`;
    const destinationId = delivery.action === "upsert" ? "crm" : "slack";
    await db.insert(deliveries).values({
      id: deliveryId,
      eventId: id,
      destinationId,
      action: delivery.action,
      status: delivery.status,
      attempts: delivery.attempts?.length ?? 0,
      payload: "{}",
      nextAttemptAt: spec.receivedAt,
      createdAt: spec.receivedAt,
      updatedAt: spec.receivedAt,
    });
    for (const [n, attempt] of (delivery.attempts ?? []).entries()) {
      await db.insert(attempts).values({
        id: newId("att", spec.receivedAt + attempt.afterMs),
        deliveryId,
        eventId: id,
        destinationId,
        attempt: n + 1,
        outcome: attempt.outcome,
        latencyMs: 100,
        at: spec.receivedAt + attempt.afterMs,
      });
    }
  }
  return id;
}

/** Records an outcome of `lead`, credited to `eventId`, happening at `occurredAt`. */
export async function insertOutcome(db: Database, lead: string, outcome: OutcomeName, eventId: string, occurredAt: number): Promise<void> {
  await db.insert(outcomes).values({
    id: `out_${lead}_${outcome}`,
    leadId: lead,
    outcome,
    occurredAt,
    leadEventId: eventId,
    reportEventId: `evt_report_${lead}`,
    recordedAt: occurredAt,
  });
}

export interface ArmSpec {
  arm: string;
  leads: number;
  /** How many of them (the first ones) reached each outcome. */
  outcomes?: Partial<Record<OutcomeName, number>>;
}

/**
 * An experiment's leads, one routed event each (no deliveries), arms in turn, from
 * `startMs` one second apart; outcomes an hour after arrival. Returns the count inserted.
 */
export async function seedExperiment(db: Database, experiment: string, arms: ArmSpec[], startMs: number): Promise<number> {
  let n = 0;
  for (const spec of arms) {
    for (let i = 0; i < spec.leads; i++) {
      const lead = `${experiment}-${spec.arm}-${i}`;
      const receivedAt = startMs + n++ * 1_000;
      const eventId = await insertEvent(db, { lead, route: experiment, experiment, arm: spec.arm, receivedAt });
      for (const [outcome, count] of Object.entries(spec.outcomes ?? {}) as [OutcomeName, number][]) {
        if (i < count) await insertOutcome(db, lead, outcome, eventId, receivedAt + 3_600_000);
      }
    }
  }
  return n;
}
