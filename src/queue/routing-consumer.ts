import { loadConfig } from "../config/store";
import { createDb } from "../db/client";
import type { BatchItem } from "drizzle-orm/batch";
import { decisionStatements } from "../db/decisions";
import { pendingDeliveriesOf } from "../db/deliveries";
import { getEvents } from "../db/events";
import { findMatchingLead } from "../db/leads";
import type { EventRow } from "../db/schema";
import { retryDelaySeconds } from "../delivery/retry";
import { errorMessage, type LogFields, log } from "../lib/log";
import { createEnricher } from "../enrich/lookup";
import { decide, invalidDecision } from "../routing/decide";
import { payloadOf } from "../routing/payload";
import { routeOutcomeEvent } from "../outcomes/route-outcome-event";
import type { ActiveConfig } from "../config/store";
import { type DeliveryMessage, type RoutingMessage, routingMessageSchema, sendMessages } from "./messages";

/** What routing one event came to: statements to store, messages to send afterwards. */
interface Routed {
  statements: BatchItem<"sqlite">[];
  deliveries: DeliveryMessage[];
  /** Written once the statements are stored. */
  logFields?: LogFields;
}

type Verdict = ({ ack: true } & Routed) | { ack: false; error: string };

/**
 * Routes one event and says what to store and which delivery messages to send.
 * Idempotent: an event already decided is not decided again; one still delivering
 * has its pending deliveries re-sent (a previous run may have died before sending
 * them).
 */
async function routeOne(env: Env, config: ActiveConfig, event: EventRow): Promise<Routed> {
  const db = createDb(env.DB);
  if (event.status === "delivering") {
    const pending = await pendingDeliveriesOf(db, event.id);
    return {
      statements: [],
      deliveries: pending.map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId })),
    };
  }
  if (event.status !== "queued") return { statements: [], deliveries: [] };

  const nowMs = Date.now();
  const source = config.sources.get(event.sourceId);
  // An outcome source's events report what became of routed leads: linked, not routed.
  if (source?.kind === "outcomes") return routeOutcomeEvent(db, config, source, event, nowMs);
  const payload = source ? payloadOf(event, source) : undefined;
  const decision = !source
    ? invalidDecision(`Source '${event.sourceId}' is no longer configured.`)
    : !payload?.ok
      ? invalidDecision(payload?.reason ?? "No payload.")
      : await decide(config.document, source, event, payload.payload, {
          findLead: (keys) => findMatchingLead(db, keys),
          assignOwner: (pool, eventId) => env.OWNER_POOL.getByName(pool.id).assign({ eventId, pool }),
          enrich: createEnricher(env, { writeCache: true, callLookups: true }),
        });
  return {
    statements: decisionStatements(db, event.id, decision, nowMs),
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
      deliveries: decision.status === "routed" ? decision.deliveries.length : 0,
    },
  };
}

/**
 * Stores every decision of the batch in one D1 batch (one round trip instead of one
 * per event). If it fails, none was stored, and every one of those events is
 * retried; redoing a decision is harmless.
 */
async function storeDecisions(env: Env, verdicts: Verdict[]): Promise<Verdict[]> {
  const statements = verdicts.flatMap((v) => (v.ack ? v.statements : []));
  if (statements.length === 0) return verdicts;
  try {
    await createDb(env.DB).batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  } catch (error) {
    const message = errorMessage(error);
    return verdicts.map((v) => (v.ack && v.statements.length > 0 ? { ack: false, error: message } : v));
  }
  for (const v of verdicts) if (v.ack && v.logFields) log("info", "routed", v.logFields);
  return verdicts;
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

  const config = await loadConfig(env, (p) => ctx.waitUntil(p));
  const rows = await getEvents(
    createDb(env.DB),
    valid.map((v) => v.body.eventId),
  );
  const byId = new Map(rows.map((row) => [row.id, row]));

  const routed: Verdict[] = await Promise.all(
    valid.map(async ({ body }): Promise<Verdict> => {
      const event = byId.get(body.eventId);
      if (!event) {
        // Routing messages are sent only after the event is in D1.
        log("error", "routing message for an unknown event dropped", { eventId: body.eventId });
        return { ack: true, statements: [], deliveries: [] };
      }
      try {
        return { ack: true, ...(await routeOne(env, config, event)) };
      } catch (error) {
        return { ack: false, error: errorMessage(error) };
      }
    }),
  );
  const verdicts = await storeDecisions(env, routed);

  const outgoing = verdicts.flatMap((v) => (v.ack ? v.deliveries : []));
  let sendFailed = false;
  try {
    await sendMessages(env.DELIVERY_QUEUE, outgoing);
  } catch (error) {
    sendFailed = true;
    log("error", "delivery messages not sent; events will be retried", { count: outgoing.length, error: errorMessage(error) });
  }
  valid.forEach(({ message, body }, i) => {
    const verdict = verdicts[i];
    if (verdict?.ack && !(sendFailed && verdict.deliveries.length > 0)) {
      message.ack();
      return;
    }
    if (verdict && !verdict.ack) log("warn", "routing failed; retrying", { eventId: body.eventId, attempt: message.attempts, error: verdict.error });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  });
}
