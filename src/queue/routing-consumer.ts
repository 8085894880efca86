import { availabilityOf, poolAvailability } from "../assign/availability";
import { nextAvailableAt } from "../assign/next-available";
import type { SourceConfig } from "../config/schema";
import type { ActiveConfig } from "../config/store";
import { loadConfig } from "../config/store";
import type { Database } from "../db/client";
import { createDb } from "../db/client";
import { decideEventsQueries, type EventDecision } from "../db/decisions";
import { pendingDeliveriesOf } from "../db/deliveries";
import { getEvents } from "../db/events";
import { holdStatement } from "../db/holds";
import type { BuiltStatement, RawQuery } from "../db/json-rows";
import { findLeadsForKeys } from "../db/leads";
import { type RuntimeAway, runtimeAwayAfter } from "../db/owner-away";
import type { EventRow } from "../db/schema";
import { startSlaStatement } from "../db/sla-timers";
import { writeInParts } from "../db/write-in-parts";
import { retryDelaySeconds } from "../delivery/retry";
import { createAccountFinder } from "../enrich/account-owner";
import { createEnricher } from "../enrich/lookup";
import type { Enrich, FindAccount } from "../enrich/types";
import { payloadOf } from "../ingest/event-payload";
import { LeadIndex } from "../lead/lead-index";
import { mapLead } from "../lead/mapping";
import { fillLead, type MatchKeys, matchKeys, recordedLeadId } from "../lead/match";
import type { Lead } from "../lead/schema";
import { type EventPoint, writeEventPoint } from "../lib/analytics";
import { errorMessage, type LogFields, log } from "../lib/log";
import { routeOutcomeEvent } from "../outcomes/route-outcome-event";
import { decideLead } from "../routing/decide";
import { type Decision, invalidDecision } from "../routing/decision";
import { holdRowFor, wakeHoldClock } from "../routing/hold-start";
import { decisionRecord } from "../routing/record";
import { slaTimerFor, wakeSlaClock } from "../routing/sla-start";
import { groupBySharedKeys } from "./key-groups";
import { type DeliveryMessage, type RoutingMessage, routingMessageSchema, sendMessages } from "./messages";

/** What routing one event came to: what to store, messages to send afterwards. */
interface Routed {
  /** The event's decided row values; stored with the batch's others in one statement. */
  decided?: EventDecision;
  statements: BuiltStatement[];
  deliveries: DeliveryMessage[];
  /** Logged and written to Analytics Engine once the statements are stored. */
  logFields?: LogFields;
  /** When the SLA clock this decision starts is due: the SLA clock is woken for it once stored. */
  slaDueAt?: number;
  /** When the lead this decision holds is tried again: the hold clock is woken for it once stored. */
  holdWakeAt?: number;
}

/** `deadLetter`: the event fails the same way on every try; send it to the dead-letter queue now. */
type Verdict = ({ ack: true } & Routed) | { ack: false; error: string; deadLetter?: boolean };

/** An event after its first step: settled already, or a mapped lead to decide. */
type Prepared =
  | { kind: "settled"; routed: Routed }
  | { kind: "lead"; event: EventRow; source: SourceConfig; mapped: { lead: Lead; warnings: string[] }; keys: MatchKeys };

/**
 * The first step for one event. Idempotent: an event already decided is left alone;
 * one still delivering has its pending deliveries re-sent (a previous run may have
 * died before sending them). Outcome reports are linked, not routed; events that
 * cannot become a lead are settled as invalid; the rest are mapped.
 */
async function prepare(db: Database, config: ActiveConfig, event: EventRow): Promise<Prepared> {
  const settled = (routed: Routed): Prepared => ({ kind: "settled", routed });
  if (event.status === "delivering") {
    const pending = await pendingDeliveriesOf(db, event.id);
    return settled({
      statements: [],
      deliveries: pending.map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId })),
    });
  }
  if (event.status !== "queued") return settled({ statements: [], deliveries: [] });

  const nowMs = Date.now();
  const source = config.sources.get(event.sourceId);
  // An outcome source's events report what became of routed leads: linked, not routed.
  if (source?.kind === "outcomes") return settled(await routeOutcomeEvent(db, config, source, event, nowMs));
  const payload = source ? payloadOf(event, source) : undefined;
  const mapped = source && payload?.ok ? await mapLead(source, payload.payload) : undefined;
  if (!source || !payload?.ok || !mapped?.ok) {
    const reason = !source
      ? `Source '${event.sourceId}' is no longer configured.`
      : !payload?.ok
        ? (payload?.reason ?? "No payload.")
        : mapped?.ok === false
          ? mapped.reason
          : "No lead.";
    return settled(routedOf(db, event, invalidDecision(reason), nowMs));
  }
  return { kind: "lead", event, source, mapped, keys: matchKeys(mapped.lead) };
}

/** Decides one mapped lead, then records its lead in the batch's index for the events after it. */
async function decideOne(
  env: Env,
  db: Database,
  config: ActiveConfig,
  item: Extract<Prepared, { kind: "lead" }>,
  index: LeadIndex,
  lookups: { enrich: Enrich; accountOwner: FindAccount },
  away: readonly RuntimeAway[],
): Promise<Routed> {
  const decision = await decideLead(config.document, item.source, item.event, item.mapped, {
    findLead: async (keys) => index.find(keys),
    assignOwner: async (pool, eventId) => {
      const nowMs = Date.now();
      const availability = poolAvailability(pool, config.document.owners, away, nowMs);
      const result = await env.OWNER_POOL.getByName(pool.id).assign({ eventId, pool, nowMs, availability });
      if (result.ok || !result.hold) return result;
      const holdUntilMs = nextAvailableAt(pool, config.document.owners, away, nowMs);
      return holdUntilMs === undefined ? result : { ...result, holdUntilMs };
    },
    ...lookups,
    ownerUnavailable: (ownerId) => availabilityOf([ownerId], config.document.owners, away, Date.now(), { workingHours: true }).unavailable[ownerId],
  });
  const nowMs = Date.now();
  const leadId = decision.status === "invalid" ? undefined : recordedLeadId(decision.match, nowMs);
  if (decision.status !== "invalid" && leadId) rememberLead(index, decision, leadId, nowMs);
  const routed = routedOf(db, item.event, decision, nowMs, leadId);
  if (decision.status === "routed" && decision.hold && leadId) {
    // The SLA waits for the owner too: it starts when the hold is released.
    const hold = holdRowFor(decision.hold, decision.sla, item.event.id, leadId, nowMs);
    routed.statements.push(holdStatement(db, hold));
    routed.holdWakeAt = hold.wakeAt;
    return routed;
  }
  const sla = decision.status === "routed" && leadId ? slaTimerFor(config.document, decision, item.event.id, leadId, nowMs) : undefined;
  if (sla) {
    routed.statements.push(startSlaStatement(db, sla));
    routed.slaDueAt = sla.dueAt;
  }
  return routed;
}

/** What the stored decision will make of the leads table, mirrored in the batch's index. */
function rememberLead(index: LeadIndex, decision: Exclude<Decision, { status: "invalid" }>, leadId: string, nowMs: number): void {
  const keys = matchKeys(decision.lead);
  const ownerId = (decision.status === "routed" ? decision.ownerId : undefined) ?? decision.match?.lead.ownerId ?? null;
  const later = { phone: keys.phone ?? null, domain: keys.domain ?? null, ownerId };
  const matched = decision.match && decision.match.by !== "domain" ? decision.match.lead : undefined;
  index.add(matched ? fillLead(matched, later) : { id: leadId, email: keys.email ?? null, ...later, createdAt: nowMs });
}

function routedOf(db: Database, event: EventRow, decision: Decision, nowMs: number, leadId?: string): Routed {
  const record = decisionRecord(db, event.id, decision, nowMs, leadId);
  return {
    decided: record.event,
    statements: record.statements,
    deliveries:
      decision.status === "routed"
        ? decision.deliveries.map((p) => ({ deliveryId: p.delivery.deliveryId, eventId: event.id, destinationId: p.destinationId }))
        : [],
    logFields: {
      eventId: event.id,
      sourceId: event.sourceId,
      status: decision.status,
      routeId: decision.status === "routed" ? decision.routeId : undefined,
      ownerId: decision.status === "routed" ? decision.ownerId : undefined,
      arm: decision.status === "routed" ? decision.experiment?.arm : undefined,
      deliveries: decision.status === "routed" ? decision.deliveries.length : 0,
    },
  };
}

/**
 * Decides every mapped lead of a batch. One D1 query finds every earlier lead the
 * batch could match (not one per event); events sharing an email, phone or domain
 * are decided one after the other, so the second sees the lead the first created
 * and keeps its owner; the other groups are decided at once.
 */
async function decideLeads(env: Env, db: Database, config: ActiveConfig, items: Extract<Prepared, { kind: "lead" }>[]): Promise<Map<string, Verdict>> {
  const verdicts = new Map<string, Verdict>();
  if (items.length === 0) return verdicts;
  let index: LeadIndex;
  let away: RuntimeAway[];
  try {
    index = new LeadIndex(
      await findLeadsForKeys(
        db,
        items.map((item) => item.keys),
      ),
    );
    // Time away set at runtime, read once per batch (only pools need it).
    away = config.document.pools.length > 0 ? await runtimeAwayAfter(db, Date.now()) : [];
  } catch (error) {
    for (const item of items) verdicts.set(item.event.id, { ack: false, error: errorMessage(error) });
    return verdicts;
  }
  const live = { writeCache: true, callLookups: true, destinations: config.document.destinations };
  const lookups = { enrich: createEnricher(env, live), accountOwner: createAccountFinder(env, live) };
  const groups = groupBySharedKeys(
    [...items].sort((a, b) => (a.event.id < b.event.id ? -1 : 1)),
    (item) => item.keys,
  );
  await Promise.all(
    groups.map(async (group) => {
      for (const item of group) {
        try {
          verdicts.set(item.event.id, { ack: true, ...(await decideOne(env, db, config, item, index, lookups, away)) });
        } catch (error) {
          verdicts.set(item.event.id, { ack: false, error: errorMessage(error) });
        }
      }
    }),
  );
  return verdicts;
}

/** The queries that store these verdicts' decisions, as one D1 batch. */
function queriesOf(verdicts: readonly Verdict[]): RawQuery[] {
  const decided = verdicts.flatMap((v) => (v.ack && v.decided ? [v.decided] : []));
  const statements = verdicts.flatMap((v) => (v.ack ? v.statements : []));
  return [...decideEventsQueries(decided), ...statements.map((s) => s.toSQL())];
}

/**
 * Stores every decision of the batch in one D1 batch, split down to single events
 * when it fails (src/db/write-in-parts.ts): one event never holds the batch back.
 * An event whose own write fails is retried alone, or dead-lettered when D1 will
 * refuse it every time. When D1 itself is failing (a lost connection, busy) the
 * batch is retried whole.
 */
async function storeDecisions(env: Env, verdicts: Verdict[]): Promise<Verdict[]> {
  const storing = verdicts.flatMap((v, i) => (v.ack && (v.decided !== undefined || v.statements.length > 0) ? [i] : []));
  if (storing.length === 0) return verdicts;
  const stored = [...verdicts];
  const failures = await writeInParts(
    env.DB,
    storing.map((i) => verdicts[i] as Verdict),
    queriesOf,
    (error) => log("warn", "routing batch not stored at once; storing it in parts", { count: storing.length, error }),
  );
  for (const [j, failure] of failures) {
    const i = storing[j];
    if (i !== undefined) stored[i] = { ack: false, error: failure.error, deadLetter: failure.permanent };
  }
  for (const v of stored) {
    if (!v.ack || !v.logFields) continue;
    log("info", "routed", v.logFields);
    writeEventPoint(env, eventPointOf(v.logFields));
  }
  return stored;
}

/** The analytics data point of a stored decision, from the fields its log line has. */
function eventPointOf(fields: LogFields): EventPoint {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  return {
    eventId: text(fields.eventId) ?? "",
    sourceId: text(fields.sourceId) ?? "",
    status: text(fields.status) ?? "",
    routeId: text(fields.routeId),
    ownerId: text(fields.ownerId),
    arm: text(fields.arm),
    deliveries: typeof fields.deliveries === "number" ? fields.deliveries : 0,
  };
}

/**
 * Sends the events that fail the same way on every try to the dead-letter queue,
 * whose consumer marks them dead with the reason and alerts. Returns the positions
 * sent; if the send fails, those events are retried like the others.
 */
async function sendDeadLetters(env: Env, bodies: RoutingMessage[], verdicts: Verdict[]): Promise<Set<number>> {
  const letters = bodies.flatMap((body, i) => {
    const verdict = verdicts[i];
    if (!verdict || verdict.ack || !verdict.deadLetter) return [];
    log("error", "routing dead-lettered: D1 refuses this event's decision", { eventId: body.eventId, sourceId: body.sourceId, error: verdict.error });
    return [{ i, letter: { eventId: body.eventId, sourceId: body.sourceId, reason: `Its decision could not be stored: ${verdict.error}` } }];
  });
  if (letters.length === 0) return new Set();
  try {
    await sendMessages(
      env.DEAD_LETTER_QUEUE,
      letters.map((l) => l.letter),
    );
    return new Set(letters.map((l) => l.i));
  } catch (error) {
    log("error", "dead letters not sent; those events will be retried", { count: letters.length, error: errorMessage(error) });
    return new Set();
  }
}

/**
 * The routing queue's consumer. Events of a batch are routed concurrently; their
 * delivery messages are sent before any message is acked, because an ack survives
 * a later failure of the handler and a lost delivery message would strand a lead.
 */
export async function handleRoutingBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const valid: { message: Message<unknown>; body: RoutingMessage }[] = [];
  for (const message of batch.messages) {
    const parsed = routingMessageSchema.safeParse(message.body);
    if (parsed.success) valid.push({ message, body: parsed.data });
    else {
      // A message we cannot read will never become readable: drop it loudly.
      log("error", "malformed routing message dropped", { messageId: message.id });
      message.ack();
    }
  }
  if (valid.length === 0) return;

  let config: ActiveConfig;
  try {
    config = await loadConfig(env, (p) => ctx.waitUntil(p));
  } catch (error) {
    // No event can be routed without the configuration (e.g. no key opens its
    // secrets): back off instead of burning the queue's retries at once.
    log("error", "configuration not readable; routing batch retried", { count: valid.length, error: errorMessage(error) });
    for (const { message } of valid) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  const rows = await getEvents(
    createDb(env.DB),
    env.BODIES,
    valid.map((v) => v.body.eventId),
  );
  const byId = new Map(rows.map((row) => [row.id, row]));

  const db = createDb(env.DB);
  const prepared = await Promise.all(
    valid.map(async ({ body }): Promise<Prepared | Verdict> => {
      const event = byId.get(body.eventId);
      if (!event) {
        // Routing messages are sent only after the event is in D1.
        log("error", "routing message for an unknown event dropped", { eventId: body.eventId });
        return { ack: true, statements: [], deliveries: [] };
      }
      try {
        return await prepare(db, config, event);
      } catch (error) {
        return { ack: false, error: errorMessage(error) };
      }
    }),
  );
  const leads = prepared.flatMap((p) => ("kind" in p && p.kind === "lead" ? [p] : []));
  const decided = await decideLeads(env, db, config, leads);
  const routed: Verdict[] = prepared.map((p): Verdict => {
    if (!("kind" in p)) return p;
    if (p.kind === "settled") return { ack: true, ...p.routed };
    return decided.get(p.event.id) ?? { ack: false, error: "not decided" };
  });
  const verdicts = await storeDecisions(env, routed);
  const slaDue = verdicts.flatMap((v) => (v.ack && v.slaDueAt !== undefined ? [v.slaDueAt] : []));
  if (slaDue.length > 0) {
    // The clocks are stored; a failed wake-up is covered by the cron sweeper within a minute.
    await wakeSlaClock(env, Math.min(...slaDue)).catch((error: unknown) => log("warn", "SLA clock not woken", { error: errorMessage(error) }));
  }

  const holdWakes = verdicts.flatMap((v) => (v.ack && v.holdWakeAt !== undefined ? [v.holdWakeAt] : []));
  if (holdWakes.length > 0) {
    // The holds are stored; a failed wake-up is covered by the cron within a minute.
    await wakeHoldClock(env, Math.min(...holdWakes)).catch((error: unknown) => log("warn", "hold clock not woken", { error: errorMessage(error) }));
  }

  const outgoing = verdicts.flatMap((v) => (v.ack ? v.deliveries : []));
  let sendFailed = false;
  try {
    await sendMessages(env.DELIVERY_QUEUE, outgoing);
  } catch (error) {
    sendFailed = true;
    log("error", "delivery messages not sent; events will be retried", { count: outgoing.length, error: errorMessage(error) });
  }
  const buried = await sendDeadLetters(
    env,
    valid.map((v) => v.body),
    verdicts,
  );
  valid.forEach(({ message, body }, i) => {
    const verdict = verdicts[i];
    if ((verdict?.ack && !(sendFailed && verdict.deliveries.length > 0)) || buried.has(i)) {
      message.ack();
      return;
    }
    if (verdict && !verdict.ack) log("warn", "routing failed; retrying", { eventId: body.eventId, attempt: message.attempts, error: verdict.error });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  });
}
