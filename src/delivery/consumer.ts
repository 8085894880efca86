import type { DestinationConfig } from "../config/schema";
import { type ActiveConfig, loadConfig } from "../config/store";
import { allowHttpFrom } from "../connectors/http";
import type { DeliveryOutcome, LeadDelivery, OwnerFallback } from "../connectors/types";
import { type Database, createDb } from "../db/client";
import {
  type AttemptRecord,
  type DeliveryNote,
  appendDeliveryNotesQueries,
  claimDeliveries,
  getDeliveries,
  recordAttemptsQueries,
  releaseDeliveries,
  settleEventsStatement,
} from "../db/deliveries";
import type { DeliveryRow } from "../db/schema";
import { type LearnedRecord, type RecordIds, recordIdsOf, rememberRecordsQueries } from "../db/crm-records";
import { runQueries } from "../db/json-rows";
import { writeAttemptPoint } from "../lib/analytics";
import { newId } from "../lib/ids";
import { errorMessage, log } from "../lib/log";
import { type DeliveryMessage, deliveryMessageSchema, sendMessages } from "../queue/messages";
import { rateOf } from "./default-rates";
import { deliveriesPerCall, dispatch, usesRecordMap } from "./dispatch";
import { costOf, searchRateOf } from "./call-costs";
import { handOverTurns, turnDelays } from "./lead-order";
import { holdDestination } from "./hold";
import { alertOwnerFallbacks, ownerFallbackNote } from "./owner-fallback";
import { retryDelaySeconds } from "./retry";

interface Item {
  message: Message<unknown>;
  body: DeliveryMessage;
}

/** How long a consumer holds a delivery: past the destination's timeout, with room for the D1 write. */
const leaseMsFor = (destination: DestinationConfig | undefined) => (destination?.timeoutMs ?? 10_000) * 2 + 30_000;

/**
 * The deliveries queue's consumer. A batch is grouped by destination so that
 * HubSpot gets one batch-upsert call for up to 100 leads. Only the oldest pending
 * delivery of a lead to a destination is claimed (src/db/deliveries.ts,
 * src/delivery/lead-order.ts). Every dispatch first takes a token per call it will
 * make from the destination's shared limiter (and one per search from its search
 * limiter, src/delivery/call-costs.ts); a destination's hold (a Pipedrive 429)
 * pauses the limiter for everyone. The connector gets the lead's known record ids
 * (the record map), and the ids it reports are remembered with the attempt. Each
 * outcome is an attempt row; a delivery then succeeds, fails for good (a 4xx the
 * API will never accept), waits for a retry with backoff (Retry-After as a floor),
 * or — out of attempts — is marked dead and handed to the dead-letter queue for
 * the alert.
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
  await settleUnclaimed(db, destinationId, byId, new Set(claimed.map((d) => d.id)));
  if (claimed.length === 0) return;

  if (!destination) {
    const reason = `Destination '${destinationId}' is no longer configured.`;
    await recordOutcomes(env, config, db, undefined, claimed, claimed.map(() => ({ ok: false, retryable: false, error: reason, latencyMs: 0 })), byId);
    return;
  }

  const perCall = deliveriesPerCall(destination);
  const limiter = env.DESTINATION_LIMITER.getByName(destination.id);
  const { perSecond, burst } = rateOf(destination);
  const searchRate = searchRateOf(destination);
  const leadIdsOf = (rows: DeliveryRow[]) => rows.flatMap((d) => (d.leadId ? [d.leadId] : []));
  // Claimed deliveries are one per lead (claimDeliveries), so this holds for the whole group.
  const known = usesRecordMap(destination) ? await recordIdsOf(db, destination.id, leadIdsOf(claimed)) : new Map<string, RecordIds>();
  // Calls a connector makes beyond the first (a refused batch split up) take tokens too.
  const pace = async () => {
    const wait = await limiter.take(perSecond, burst);
    if (wait > 0) await sleep(Math.min(wait, maxPaceSeconds) * 1000);
  };
  const recorded: DeliveryRow[] = [];
  for (let i = 0; i < claimed.length; i += perCall) {
    const chunk = claimed.slice(i, i + perCall);
    const payloads = chunk.map((d) => {
      const payload = JSON.parse(d.payload) as LeadDelivery;
      const records = d.leadId ? known.get(d.leadId) : undefined;
      return records ? { ...payload, records } : payload;
    });
    // Both buckets reserve under the chunk's first delivery, so a message sent back to
    // wait finds its tokens waiting when it returns (src/delivery/destination-limiter.ts).
    const cost = costOf(destination, payloads);
    const key = chunk[0]?.id;
    const [searchWait, callWait] = await Promise.all([
      searchRate && cost.searches > 0 ? searchLimiterOf(env, destination.id).take(searchRate.perSecond, searchRate.burst, cost.searches, key) : 0,
      limiter.take(perSecond, burst, cost.calls, key),
    ]);
    const wait = Math.max(searchWait, callWait);
    if (wait > 0) {
      // Over the destination's rate: come back later. Not an attempt.
      await comeBackLater(db, claimed.slice(i), byId, wait);
      break;
    }
    const outcomes = await dispatch(destination, payloads, { allowHttp: allowHttpFrom(env), pace });
    const holds = outcomes.flatMap((o) => (!o.ok && o.hold ? [o.hold] : []));
    if (holds.length > 0) {
      // Rate-limited by the destination itself: the held deliveries and everything
      // after them wait out the hold; not an attempt. The others are recorded.
      const hold = holds.reduce((a, b) => (b.untilMs > a.untilMs ? b : a));
      await holdDestination(env, config, limiter, destination, hold);
      const finished = chunk.filter((_, j) => !isHeld(outcomes[j]));
      await recordOutcomes(env, config, db, destination, finished, outcomes.filter((o) => !isHeld(o)), byId);
      recorded.push(...finished);
      const waiting = [...chunk.filter((_, j) => isHeld(outcomes[j])), ...claimed.slice(i + perCall)];
      await comeBackLater(db, waiting, byId, (hold.untilMs - Date.now()) / 1000);
      break;
    }
    await recordOutcomes(env, config, db, destination, chunk, outcomes, byId);
    recorded.push(...chunk);
    // The destination said it holds every caller (a rate limit): every consumer waits it out.
    const pause = Math.max(0, ...outcomes.map((o) => o.holdSeconds ?? 0));
    if (pause > 0) await limiter.pause(perSecond, burst, pause);
  }
  await handOverTurns(db, env.DELIVERY_QUEUE, destination.id, leadIdsOf(recorded), Date.now());
}

/** The longest a connector waits for a token between its own calls. */
const maxPaceSeconds = 10;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const isHeld = (outcome: DeliveryOutcome | undefined) => outcome !== undefined && !outcome.ok && outcome.hold !== undefined;

/** Releases deliveries for another try after `seconds` (capped by the queue's 12 h). Not an attempt. */
async function comeBackLater(db: Database, rows: DeliveryRow[], byId: Map<string, Item>, seconds: number): Promise<void> {
  if (rows.length === 0) return;
  const delaySeconds = Math.min(maxQueueDelaySeconds, Math.max(1, Math.ceil(seconds)));
  await releaseDeliveries(
    db,
    rows.map((d) => d.id),
    Date.now() + delaySeconds * 1000,
  );
  for (const d of rows) byId.get(d.id)?.message.retry({ delaySeconds });
}

/** Queues cap a message's delay at 12 hours; a longer hold is waited out in steps. */
const maxQueueDelaySeconds = 43_200;

/** The bucket for a destination's searches, apart from its calls (Pipedrive's Search API limit). */
const searchLimiterOf = (env: Env, destinationId: string) => env.DESTINATION_LIMITER.getByName(`${destinationId}#search`);

/**
 * Messages whose delivery this consumer could not claim: done already (ack), held by
 * another consumer, or waiting behind an older delivery of the same lead (retry when
 * its turn can have come).
 */
async function settleUnclaimed(db: Database, destinationId: string, byId: Map<string, Item>, claimed: Set<string>): Promise<void> {
  const unclaimed = [...byId.keys()].filter((id) => !claimed.has(id));
  if (unclaimed.length === 0) return;
  const rows = await getDeliveries(db, unclaimed);
  const pending = rows.filter((d) => d.status === "pending");
  const delays = await turnDelays(db, destinationId, pending, Date.now());
  for (const id of unclaimed) {
    const delaySeconds = delays.get(id);
    if (delaySeconds === undefined) byId.get(id)?.message.ack();
    else byId.get(id)?.message.retry({ delaySeconds });
  }
}

/** The record ids a batch's successful outcomes report, for the record map. */
function learnedRecords(rows: DeliveryRow[], outcomes: DeliveryOutcome[], at: number): LearnedRecord[] {
  return rows.flatMap((row, i) => {
    const outcome = outcomes[i];
    if (!outcome?.ok || !outcome.records || !row.leadId) return [];
    const leadId = row.leadId;
    return Object.entries(outcome.records).map(([kind, externalId]) => ({ destinationId: row.destinationId, leadId, kind, externalId, deliveryId: row.id, at }));
  });
}

async function recordOutcomes(
  env: Env,
  config: ActiveConfig,
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
  const deadLetters: (DeliveryMessage & { reason: string; refused?: boolean })[] = [];
  const notes: DeliveryNote[] = [];
  const fallbacks: { row: DeliveryRow; fallback: OwnerFallback }[] = [];
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
      // A succeeded attempt's `error` is a warning: the CRM took the lead, not all of it.
      const note = outcome.ownerFallback ? ownerFallbackNote(outcome.ownerFallback) : null;
      if (outcome.ownerFallback) fallbacks.push({ row, fallback: outcome.ownerFallback });
      if (note) notes.push({ eventId: row.eventId, deliveryId: row.id, destinationId: row.destinationId, note, at: new Date(at).toISOString() });
      records.push({
        attempt: { ...base, outcome: "succeeded", ...(note ? { error: note } : {}) },
        update: { status: "succeeded", ...(outcome.externalId === undefined ? {} : { externalId: outcome.externalId }), lastError: note },
      });
      after.push(() => message?.ack());
    } else if (!outcome.retryable) {
      // Refused for good: a dead letter like one out of attempts (listed, alerted,
      // counted), its status `failed` saying the destination refused it.
      const reason = `Refused by ${row.destinationId}: ${outcome.error}`;
      records.push({ attempt: { ...base, outcome: "failed", error: outcome.error }, update: { status: "failed", lastError: reason } });
      deadLetters.push({ deliveryId: row.id, eventId: row.eventId, destinationId: row.destinationId, reason, refused: true });
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
  const queries = [
    ...recordAttemptsQueries(records),
    ...rememberRecordsQueries(learnedRecords(rows, outcomes, at)),
    ...appendDeliveryNotesQueries(notes),
    settleEventsStatement(db, [...new Set(rows.map((r) => r.eventId))], at).toSQL(),
  ];
  await runQueries(env.DB, queries);
  // The dead letter carries the alert; send it before acking so it cannot be lost.
  await sendMessages(env.DEAD_LETTER_QUEUE, deadLetters);
  for (const settle of after) settle();
  await alertOwnerFallbacks(env, config, fallbacks);
  for (const { attempt: a, update } of records) {
    const outcome = update.status === "dead" ? "dead" : a.outcome;
    writeAttemptPoint(env, { deliveryId: a.deliveryId, eventId: a.eventId, destinationId: a.destinationId, outcome, httpStatus: a.httpStatus ?? undefined, attempt: a.attempt, latencyMs: a.latencyMs });
  }
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

