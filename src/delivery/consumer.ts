import type { DestinationConfig } from "../config/schema";
import { type ActiveConfig, loadConfig } from "../config/store";
import type { DeliveryOutcome, LeadDelivery } from "../connectors/types";
import { type Database, createDb } from "../db/client";
import {
  type AttemptRecord,
  claimDeliveries,
  getDeliveries,
  recordAttemptsQueries,
  releaseDeliveries,
  settleEventsStatement,
} from "../db/deliveries";
import type { DeliveryRow } from "../db/schema";
import { runQueries } from "../db/json-rows";
import { newId } from "../lib/ids";
import { errorMessage, log } from "../lib/log";
import { type DeliveryMessage, deliveryMessageSchema, sendMessages } from "../queue/messages";
import { rateOf } from "./default-rates";
import { connectorOptionsFrom, deliveriesPerCall, dispatch } from "./dispatch";
import { retryDelaySeconds } from "./retry";

interface Item {
  message: Message<unknown>;
  body: DeliveryMessage;
}

/** How long a consumer holds a delivery: past the destination's timeout, with room for the D1 write. */
const leaseMsFor = (destination: DestinationConfig | undefined) => (destination?.timeoutMs ?? 10_000) * 2 + 30_000;

/**
 * The deliveries queue's consumer. A batch is grouped by destination so that
 * HubSpot gets one batch-upsert call for up to 100 leads; every call first takes a
 * token from the destination's shared limiter. Each outcome is an attempt row; a
 * delivery then succeeds, fails for good (a 4xx the API will never accept), waits
 * for a retry with backoff (Retry-After as a floor), or — out of attempts — is
 * marked dead and handed to the dead-letter queue for the alert.
 */
export async function handleDeliveryBatch(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const groups = new Map<string, Item[]>();
  for (const message of batch.messages) {
    const parsed = deliveryMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      log("error", "malformed delivery message dropped", { messageId: message.id });
      message.ack();
      continue;
    }
    const group = groups.get(parsed.data.destinationId) ?? [];
    group.push({ message, body: parsed.data });
    groups.set(parsed.data.destinationId, group);
  }
  if (groups.size === 0) return;
  const config = await loadConfig(env, (p) => ctx.waitUntil(p));
  await Promise.all(
    [...groups].map(([destinationId, items]) =>
      deliverGroup(env, config, destinationId, items).catch((error: unknown) => {
        log("error", "delivery group failed; retrying", { destinationId, error: errorMessage(error) });
        for (const { message } of items) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }),
    ),
  );
}

async function deliverGroup(env: Env, config: ActiveConfig, destinationId: string, items: Item[]): Promise<void> {
  const db = createDb(env.DB);
  const destination = config.document.destinations.find((d) => d.id === destinationId);
  const byId = new Map(items.map((item) => [item.body.deliveryId, item]));
  const claimed = await claimDeliveries(db, [...byId.keys()], Date.now(), leaseMsFor(destination));
  await settleUnclaimed(db, byId, new Set(claimed.map((d) => d.id)));
  if (claimed.length === 0) return;

  if (!destination) {
    const reason = `Destination '${destinationId}' is no longer configured.`;
    await recordOutcomes(env, db, undefined, claimed, claimed.map(() => ({ ok: false, retryable: false, error: reason, latencyMs: 0 })), byId);
    return;
  }

  const perCall = deliveriesPerCall(destination);
  const limiter = env.DESTINATION_LIMITER.getByName(destination.id);
  const { perSecond, burst } = rateOf(destination);
  for (let i = 0; i < claimed.length; i += perCall) {
    const chunk = claimed.slice(i, i + perCall);
    const wait = await limiter.take(perSecond, burst);
    if (wait > 0) {
      // Over the destination's rate: come back later. Not an attempt.
      const rest = claimed.slice(i);
      await releaseDeliveries(
        db,
        rest.map((d) => d.id),
      );
      for (const d of rest) byId.get(d.id)?.message.retry({ delaySeconds: Math.ceil(wait) });
      return;
    }
    const payloads = chunk.map((d) => JSON.parse(d.payload) as LeadDelivery);
    const outcomes = await dispatch(destination, payloads, connectorOptionsFrom(env, config.version));
    await recordOutcomes(env, db, destination, chunk, outcomes, byId);
  }
}

/** Messages whose delivery this consumer could not claim: done already, or held by another. */
async function settleUnclaimed(db: Database, byId: Map<string, Item>, claimed: Set<string>): Promise<void> {
  const unclaimed = [...byId.keys()].filter((id) => !claimed.has(id));
  if (unclaimed.length === 0) return;
  const rows = new Map((await getDeliveries(db, unclaimed)).map((d) => [d.id, d]));
  for (const id of unclaimed) {
    const item = byId.get(id);
    const row = rows.get(id);
    if (row?.status === "pending") item?.message.retry({ delaySeconds: 30 });
    else item?.message.ack();
  }
}

async function recordOutcomes(
  env: Env,
  db: Database,
  destination: DestinationConfig | undefined,
  rows: DeliveryRow[],
  outcomes: DeliveryOutcome[],
  byId: Map<string, Item>,
): Promise<void> {
  const at = Date.now();
  const maxAttempts = destination?.maxAttempts ?? 1;
  const records: AttemptRecord[] = [];
  const after: (() => void)[] = [];
  const deadLetters: (DeliveryMessage & { reason: string })[] = [];
  rows.forEach((row, i) => {
    const outcome: DeliveryOutcome = outcomes[i] ?? { ok: false, retryable: true, error: "No outcome for this delivery.", latencyMs: 0 };
    const attempt = row.attempts + 1;
    const message = byId.get(row.id)?.message;
    const base = {
      id: newId("att", at),
      deliveryId: row.id,
      eventId: row.eventId,
      destinationId: row.destinationId,
      attempt,
      httpStatus: outcome.status ?? null,
      latencyMs: Math.round(outcome.latencyMs),
      excerpt: outcome.ok ? outcome.excerpt : (outcome.excerpt ?? null),
      at,
    };
    if (outcome.ok) {
      records.push({ attempt: { ...base, outcome: "succeeded" }, update: { status: "succeeded", ...(outcome.externalId === undefined ? {} : { externalId: outcome.externalId }), lastError: null } });
      after.push(() => message?.ack());
    } else if (!outcome.retryable) {
      records.push({ attempt: { ...base, outcome: "failed", error: outcome.error }, update: { status: "failed", lastError: outcome.error } });
      after.push(() => message?.ack());
    } else if (attempt >= maxAttempts) {
      const reason = `Out of attempts (${attempt}/${maxAttempts}): ${outcome.error}`;
      records.push({ attempt: { ...base, outcome: "retryable", error: outcome.error }, update: { status: "dead", lastError: reason } });
      deadLetters.push({ deliveryId: row.id, eventId: row.eventId, destinationId: row.destinationId, reason });
      after.push(() => message?.ack());
    } else {
      const delay = retryDelaySeconds(attempt, outcome.retryAfterSeconds);
      records.push({
        attempt: { ...base, outcome: "retryable", error: outcome.error, retryAt: at + delay * 1000 },
        update: { status: "pending", lastError: outcome.error, nextAttemptAt: at + delay * 1000 },
      });
      after.push(() => message?.retry({ delaySeconds: delay }));
    }
  });
  // Attempts first, then the events they settle: one D1 batch, one transaction.
  const queries = [...recordAttemptsQueries(records), settleEventsStatement(db, [...new Set(rows.map((r) => r.eventId))], at).toSQL()];
  await runQueries(env.DB, queries);
  // The dead letter carries the alert; send it before acking so it cannot be lost.
  await sendMessages(env.DEAD_LETTER_QUEUE, deadLetters);
  for (const settle of after) settle();
  for (const [i, row] of rows.entries()) {
    const outcome = outcomes[i];
    log(outcome?.ok ? "info" : "warn", "delivery attempt", {
      deliveryId: row.id,
      eventId: row.eventId,
      destinationId: row.destinationId,
      attempt: row.attempts + 1,
      ok: outcome?.ok ?? false,
      status: outcome?.status,
      latencyMs: outcome ? Math.round(outcome.latencyMs) : undefined,
      error: outcome && !outcome.ok ? outcome.error : undefined,
    });
  }
}
