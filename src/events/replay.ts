import type { Database } from "../db/client";
import { type EventFilter, insertReplays, type ReplayCandidate, replayCandidate, replayCandidates, replaysInFlight } from "../db/event-queries";
import { GatewayError } from "../errors";
import { sendRoutingMessages } from "../queue/messages";

/**
 * Replaying events: a new `queued` event with the original's source, headers and
 * body, sent to routing. The admin API (one event, or by filter) and the console's
 * replay button call these; their routes only translate HTTP.
 */

/** Replays created but not yet routed, over which new replays are refused (429). */
export const maxReplaysInFlight = 1_000;
const inFlightWindowMs = 10 * 60_000;

export interface Replay {
  id: string;
  replayOf: string;
  sourceId: string;
}

async function ensureReplayCapacity(db: Database): Promise<void> {
  const inFlight = await replaysInFlight(db, inFlightWindowMs);
  if (inFlight >= maxReplaysInFlight) {
    throw new GatewayError("replay_rate_limited", `${inFlight} replays still wait for routing; try again shortly.`, 30);
  }
}

/** Sends the replays to routing. If this send fails they stay `queued` and the sweeper sends them later. */
function sendReplays(routingQueue: Queue, replays: readonly Replay[]): Promise<void> {
  return sendRoutingMessages(
    routingQueue,
    replays.map((r) => ({ eventId: r.id, sourceId: r.sourceId })),
  );
}

/** Replays one event. Throws `event_not_found`, `replay_unavailable` (body gone) or `replay_rate_limited`. */
export async function replayEvent(db: Database, routingQueue: Queue, id: string, requestId: string): Promise<Replay> {
  const original = await replayCandidate(db, id);
  if (!original) throw new GatewayError("event_not_found", `There is no event '${id}'.`);
  if (!original.bodyKept) throw new GatewayError("replay_unavailable", `The body of '${id}' is gone (retention); it cannot be replayed.`);
  await ensureReplayCapacity(db);
  const [replay] = await insertReplays(db, [original], requestId);
  if (!replay) throw new GatewayError("replay_unavailable", `The body of '${id}' is gone (retention); it cannot be replayed.`);
  await sendReplays(routingQueue, [replay]);
  return replay;
}

/**
 * Replays up to `page.limit` events matching `filter`, in the order they were
 * accepted, after `page.cursor`. Events whose body is gone are matched but not
 * replayed. `nextCursor` is set when more may match. Throws `replay_rate_limited`.
 */
export async function replayMatching(
  db: Database,
  routingQueue: Queue,
  filter: EventFilter,
  page: { limit: number; cursor?: string },
  requestId: string,
): Promise<{ matched: number; replays: Replay[]; nextCursor?: string }> {
  await ensureReplayCapacity(db);
  const candidates: ReplayCandidate[] = await replayCandidates(db, filter, page);
  const replays = await insertReplays(db, candidates, requestId);
  await sendReplays(routingQueue, replays);
  const last = candidates[candidates.length - 1];
  const more = candidates.length === page.limit && last !== undefined;
  return { matched: candidates.length, replays, ...(more ? { nextCursor: last.id } : {}) };
}
