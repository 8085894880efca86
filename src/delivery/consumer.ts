import type { DestinationConfig } from "../config/schema";
import { type ActiveConfig, loadConfig } from "../config/store";
import type { DeliveryOutcome, LeadDelivery, OwnerFallback } from "../connectors/types";
import { createDb, type Database } from "../db/client";
import { type LearnedRecord, type RecordIds, recordIdsOf, rememberRecordsQueries } from "../db/crm-records";
import {
  type AttemptRecord,
  appendDeliveryNotesQueries,
  claimDeliveries,
  type DeliveryNote,
  getDeliveries,
  recordAttemptsQueries,
  releaseDeliveries,
  settleEventsStatement,
} from "../db/deliveries";
import type { DeliveryRow } from "../db/schema";
import { writeInParts } from "../db/write-in-parts";
import { writeAttemptPoint } from "../lib/analytics";
import { newId } from "../lib/ids";
import { errorMessage, log } from "../lib/log";
import { type DeliveryMessage, deliveryMessageSchema, sendMessages } from "../queue/messages";
import { breakerOf, verdictOf } from "./breaker";
import { costOf, searchRateOf } from "./call-costs";
import { rateOf } from "./default-rates";
import type { DestinationLimiter } from "./destination-limiter";
import { connectorOptionsFrom, deliveriesPerCall, dispatch, usesRecordMap } from "./dispatch";
import { alertBreakerOpened, holdDestination } from "./hold";
import { handOverTurns, turnDelays } from "./lead-order";
import { alertOwnerFallbacks, ownerFallbackNote } from "./owner-fallback";
import { retryDelaySeconds } from "./retry";
import { readStoredPayload } from "./stored-payload";

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
 * src/delivery/lead-order.ts). Every dispatch first asks the destination's shared
 * limiter: paused or its circuit breaker open (src/delivery/breaker.ts), the
 * deliveries are parked there and their messages acked; else it takes a token per
 * call it will make (and one per search from its search limiter,
 * src/delivery/call-costs.ts), and the call's verdict feeds the breaker. A
 * destination's hold (a Pipedrive 429) pauses the limiter for everyone. The connector gets the lead's known record ids
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
  let config: ActiveConfig;
  try {
    config = await loadConfig(env, (p) => ctx.waitUntil(p));
  } catch (error) {
    // No delivery can be made without the configuration (e.g. no key opens its
    // secrets): back off instead of burning the queue's retries at once.
    const items = [...groups.values()].flat();
    log("error", "configuration not readable; delivery batch retried", { count: items.length, error: errorMessage(error) });
    for (const { message } of items) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  await Promise.all(
    [...groups].map(([destinationId, items]) =>
      deliverGroup(env, config, destinationId, items).catch((error: unknown) => {
        // A message settled already (a chunk recorded before the failure) keeps its
        // ack: a queue message's first ack() or retry() is the one that counts.
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
    await recordOutcomes(
      env,
      config,
      db,
      undefined,
      claimed,
      claimed.map(() => ({ ok: false, retryable: false, error: reason, latencyMs: 0 })),
      byId,
    );
    return;
  }

  // A payload that cannot be read fails its own delivery, never the group's.
  const readable: { row: DeliveryRow; payload: LeadDelivery }[] = [];
  const unreadable: { row: DeliveryRow; reason: string }[] = [];
  for (const row of claimed) {
    const read = readStoredPayload(row.payload);
    if (read.ok) readable.push({ row, payload: read.payload });
    else unreadable.push({ row, reason: read.reason });
  }
  if (unreadable.length > 0)
    await storeEntries(
      env,
      config,
      db,
      destination.id,
      unreadable.map((u) => unreadableEntry(u.row, u.reason, byId)),
    );

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
  const recorded: DeliveryRow[] = unreadable.map((u) => u.row);
  const sendable = readable.map((r) => r.row);
  const breaker = breakerOf(destination);
  const leaseMs = leaseMsFor(destination);
  for (let i = 0; i < readable.length; i += perCall) {
    let chunk = sendable.slice(i, i + perCall);
    let payloads = readable.slice(i, i + perCall).map(({ row, payload }) => {
      const records = row.leadId ? known.get(row.leadId) : undefined;
      return records ? { ...payload, records } : payload;
    });
    // Both buckets reserve under the chunk's first delivery, so a message sent back to
    // wait finds its tokens waiting when it returns (src/delivery/destination-limiter.ts).
    const cost = costOf(destination, payloads);
    const key = chunk[0]?.id;
    const [searchWait, admission] = await Promise.all([
      searchRate && cost.searches > 0 ? searchLimiterOf(env, destination.id).take(searchRate.perSecond, searchRate.burst, cost.searches, key) : 0,
      limiter.admit({ perSecond, burst, calls: cost.calls, key, perCall, breaker, leaseMs }),
    ]);
    if (admission.kind === "held") {
      // Paused, or the breaker holds: parked until calls may go again. Not an attempt.
      await holdBack(db, limiter, sendable.slice(i), byId);
      break;
    }
    const wait = Math.max(searchWait, admission.kind === "wait" ? admission.seconds : 0);
    if (wait > 0) {
      // Over the destination's rate: come back later. Not an attempt.
      await comeBackLater(db, sendable.slice(i), byId, wait);
      break;
    }
    const probe = admission.kind === "go" && admission.probe;
    if (probe) {
      // The breaker's one probe call carries one delivery; the others wait for its verdict.
      await holdBack(db, limiter, sendable.slice(i + 1), byId);
      chunk = chunk.slice(0, 1);
      payloads = payloads.slice(0, 1);
    }
    const outcomes = await dispatch(destination, payloads, { ...connectorOptionsFrom(env, config.version), pace });
    const verdict = verdictOf(outcomes);
    if (probe || verdict === "failure" || (admission.kind === "go" && admission.watching && verdict === "success")) {
      const { opened } = await limiter.report(breaker, verdict, probe);
      if (opened && breaker) await alertBreakerOpened(env, config, destination, breaker);
    }
    const holds = outcomes.flatMap((o) => (!o.ok && o.hold ? [o.hold] : []));
    if (holds.length > 0) {
      // Rate-limited by the destination itself: the held deliveries and everything
      // after them wait out the hold; not an attempt. The others are recorded.
      const hold = holds.reduce((a, b) => (b.untilMs > a.untilMs ? b : a));
      await holdDestination(env, config, limiter, destination, hold);
      const finished = chunk.filter((_, j) => !isHeld(outcomes[j]));
      await recordOutcomes(
        env,
        config,
        db,
        destination,
        finished,
        outcomes.filter((o) => !isHeld(o)),
        byId,
      );
      recorded.push(...finished);
      const waiting = [...chunk.filter((_, j) => isHeld(outcomes[j])), ...(probe ? [] : sendable.slice(i + perCall))];
      await comeBackLater(db, waiting, byId, (hold.untilMs - Date.now()) / 1000);
      break;
    }
    await recordOutcomes(env, config, db, destination, chunk, outcomes, byId);
    recorded.push(...chunk);
    if (probe) break;
    // The destination said it holds every caller (a rate limit): every consumer waits it out.
    const pause = Math.max(0, ...outcomes.map((o) => o.holdSeconds ?? 0));
    if (pause > 0) await limiter.pause(perSecond, burst, pause);
  }
  // Every claimed message is settled by now; a failure here must not retry them. The
  // sweeper re-sends a next delivery whose turn was not handed over.
  await handOverTurns(db, env.DELIVERY_QUEUE, destination.id, leadIdsOf(recorded), Date.now()).catch((error: unknown) =>
    log("warn", "delivery turns not handed over; the sweeper will re-send them", { destinationId: destination.id, error: errorMessage(error) }),
  );
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

/**
 * Parks deliveries while their destination holds them (paused, breaker open): their
 * messages are acked, so a hold of any length spends none of the queue's retries,
 * and the destination's limiter sends them again when it lets calls through. The
 * rows are due again after `parkedRecheckMs`: only should the parked list be lost
 * would the sweeper's re-send matter (a delivery still held is parked again).
 */
async function holdBack(db: Database, limiter: DurableObjectStub<DestinationLimiter>, rows: DeliveryRow[], byId: Map<string, Item>): Promise<void> {
  if (rows.length === 0) return;
  const parked = await limiter.park(rows.map((d) => ({ deliveryId: d.id, eventId: d.eventId, createdAt: d.createdAt })));
  // Resumed meanwhile: they go out in a moment instead.
  if (!parked) return comeBackLater(db, rows, byId, 1);
  await releaseDeliveries(
    db,
    rows.map((d) => d.id),
    Date.now() + parkedRecheckMs,
  );
  for (const d of rows) byId.get(d.id)?.message.ack();
}

const parkedRecheckMs = 43_200_000;

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
    return Object.entries(outcome.records).map(([kind, externalId]) => ({
      destinationId: row.destinationId,
      leadId,
      kind,
      externalId,
      deliveryId: row.id,
      at,
    }));
  });
}

/** One delivery's outcome, ready to store: its attempt, what it teaches, and what follows once stored. */
interface Entry {
  row: DeliveryRow;
  record: AttemptRecord;
  learned: LearnedRecord[];
  note?: DeliveryNote;
  fallback?: OwnerFallback;
  /** Sent to the dead-letter queue once stored (the alert). */
  deadLetter?: DeadLetterBody;
  message: Message<unknown> | undefined;
  /** Ack or retry its message, once stored. */
  settle: () => void;
  /** Its log line once stored. */
  logged: () => void;
}

type DeadLetterBody = DeliveryMessage & { reason: string; refused?: boolean };

/** An attempt made: its log line and its Analytics Engine data point, whether or not D1 stored it. */
function reportAttempt(env: Env, entry: Entry): void {
  entry.logged();
  const { attempt: a, update } = entry.record;
  writeAttemptPoint(env, {
    deliveryId: a.deliveryId,
    eventId: a.eventId,
    destinationId: a.destinationId,
    outcome: update.status === "dead" ? "dead" : a.outcome,
    httpStatus: a.httpStatus ?? undefined,
    attempt: a.attempt,
    latencyMs: a.latencyMs,
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
  const learned = learnedRecords(rows, outcomes, at);
  const entries = rows.map((row, i): Entry => {
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
    const common = {
      row,
      message,
      learned: learned.filter((r) => r.deliveryId === row.id),
      logged: () =>
        log(outcome.ok ? "info" : "warn", "delivery attempt", {
          deliveryId: row.id,
          eventId: row.eventId,
          destinationId: row.destinationId,
          attempt,
          ok: outcome.ok,
          status: outcome.status,
          latencyMs: Math.round(outcome.latencyMs),
          error: outcome.ok ? undefined : outcome.error,
        }),
    };
    const letter = { deliveryId: row.id, eventId: row.eventId, destinationId: row.destinationId };
    if (outcome.ok) {
      // A succeeded attempt's `error` is a warning: the CRM took the lead, not all of it.
      const note = outcome.ownerFallback ? ownerFallbackNote(outcome.ownerFallback) : null;
      return {
        ...common,
        record: {
          attempt: { ...base, outcome: "succeeded", ...(note ? { error: note } : {}) },
          update: { status: "succeeded", ...(outcome.externalId === undefined ? {} : { externalId: outcome.externalId }), lastError: note },
        },
        ...(note ? { note: { eventId: row.eventId, deliveryId: row.id, destinationId: row.destinationId, note, at: new Date(at).toISOString() } } : {}),
        ...(outcome.ownerFallback ? { fallback: outcome.ownerFallback } : {}),
        settle: () => message?.ack(),
      };
    }
    if (!outcome.retryable) {
      // Refused for good: a dead letter like one out of attempts (listed, alerted,
      // counted), its status `failed` saying the destination refused it.
      const reason = `Refused by ${row.destinationId}: ${outcome.error}`;
      return {
        ...common,
        record: { attempt: { ...base, outcome: "failed", error: outcome.error }, update: { status: "failed", lastError: reason } },
        deadLetter: { ...letter, reason, refused: true },
        settle: () => message?.ack(),
      };
    }
    if (attempt >= maxAttempts) {
      const reason = `Out of attempts (${attempt}/${maxAttempts}): ${outcome.error}`;
      return {
        ...common,
        record: { attempt: { ...base, outcome: "retryable", error: outcome.error }, update: { status: "dead", lastError: reason } },
        deadLetter: { ...letter, reason },
        settle: () => message?.ack(),
      };
    }
    const delay = retryDelaySeconds(attempt, outcome.retryAfterSeconds);
    return {
      ...common,
      record: {
        attempt: { ...base, outcome: "retryable", error: outcome.error, retryAt: at + delay * 1000 },
        update: { status: "pending", lastError: outcome.error, nextAttemptAt: at + delay * 1000 },
      },
      settle: () => message?.retry({ delaySeconds: delay }),
    };
  });
  await storeEntries(env, config, db, destination?.id ?? rows[0]?.destinationId ?? "", entries);
}

/**
 * A delivery whose stored payload cannot be read: no call is made, and no retry
 * would mend it. Recorded as a failed attempt, the delivery `dead`, and handed to
 * the dead-letter queue (listed, alerted) on its own.
 */
function unreadableEntry(row: DeliveryRow, reason: string, byId: Map<string, Item>): Entry {
  const at = Date.now();
  const attempt = row.attempts + 1;
  const message = byId.get(row.id)?.message;
  const common = { deliveryId: row.id, eventId: row.eventId, destinationId: row.destinationId };
  return {
    row,
    record: {
      attempt: { ...common, id: newId("att", at), attempt, httpStatus: null, latencyMs: 0, excerpt: null, at, outcome: "failed", error: reason },
      update: { status: "dead", lastError: reason },
    },
    learned: [],
    deadLetter: { ...common, reason },
    message,
    settle: () => message?.ack(),
    logged: () => log("error", "delivery payload unreadable; dead-lettered", { ...common, error: reason }),
  };
}

function retryAlone(entry: Entry): void {
  entry.message?.retry({ delaySeconds: retryDelaySeconds(entry.message.attempts) });
}

/** The queries that store these entries: attempts first, then the events they settle (one D1 batch, one transaction). */
function entryQueries(db: Database, entries: readonly Entry[]) {
  return [
    ...recordAttemptsQueries(entries.map((e) => e.record)),
    ...rememberRecordsQueries(entries.flatMap((e) => e.learned)),
    ...appendDeliveryNotesQueries(entries.flatMap((e) => (e.note ? [e.note] : []))),
    settleEventsStatement(db, [...new Set(entries.map((e) => e.row.eventId))], Date.now()).toSQL(),
  ];
}

/**
 * Stores outcomes after the destination was called, split down to single
 * deliveries when D1 refuses the write (src/db/write-in-parts.ts): a row D1 refuses
 * never sends the others back to the destination. A delivery whose own write D1
 * refuses for good (a row over its size limit) is dead-lettered alone with the
 * reason; one whose write failed otherwise is retried alone (its call is made again).
 * Then dead letters are sent (before acking, so the alert cannot be lost) and every
 * stored delivery's message is settled.
 */
async function storeEntries(env: Env, config: ActiveConfig, db: Database, destinationId: string, entries: Entry[]): Promise<void> {
  if (entries.length === 0) return;
  const failures = await writeInParts(
    env.DB,
    entries,
    (part) => entryQueries(db, part),
    (error) => log("warn", "delivery outcomes not stored at once; storing them in parts", { destinationId, count: entries.length, error }),
  );
  const stored = entries.filter((_, i) => !failures.has(i));
  const refused: { entry: Entry; letter: DeadLetterBody }[] = [];
  const retried: { entry: Entry; error: string }[] = [];
  for (const [i, failure] of failures) {
    const entry = entries[i];
    if (!entry) continue;
    const { row } = entry;
    if (failure.permanent) {
      log("error", "delivery dead-lettered: D1 refuses its outcome", {
        deliveryId: row.id,
        eventId: row.eventId,
        destinationId: row.destinationId,
        error: failure.error,
      });
      const reason = `Its outcome (${entry.record.attempt.outcome}) could not be stored: ${failure.error}`;
      refused.push({ entry, letter: { deliveryId: row.id, eventId: row.eventId, destinationId: row.destinationId, reason } });
    } else retried.push({ entry, error: failure.error });
  }

  let lettersSent = true;
  const letters = [...stored.flatMap((e) => (e.deadLetter ? [e.deadLetter] : [])), ...refused.map((r) => r.letter)];
  try {
    await sendMessages(env.DEAD_LETTER_QUEUE, letters);
  } catch (error) {
    lettersSent = false;
    log("error", "delivery dead letters not sent", { destinationId, count: letters.length, error: errorMessage(error) });
  }
  // Stored: D1 says what became of them, whether or not their alert went out.
  for (const entry of stored) {
    entry.settle();
    reportAttempt(env, entry);
  }
  // Refused by D1: the dead letter is all that records them; without it, try again.
  for (const { entry } of refused) {
    reportAttempt(env, entry);
    if (lettersSent) entry.message?.ack();
    else retryAlone(entry);
  }
  for (const { entry, error } of retried) {
    reportAttempt(env, entry);
    log("warn", "delivery outcome not stored; retrying", {
      deliveryId: entry.row.id,
      eventId: entry.row.eventId,
      destinationId: entry.row.destinationId,
      error,
    });
    retryAlone(entry);
  }
  await alertOwnerFallbacks(
    env,
    config,
    stored.flatMap((e) => (e.fallback ? [{ row: e.row, fallback: e.fallback }] : [])),
  );
}
