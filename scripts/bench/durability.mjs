// Shows that the 202s were backed: every event id the gateway answered 202 with must
// turn up in D1 `events` (the inbox flushes there from an alarm, INBOX_FLUSH_DELAY_MS
// after an accept), and then be taken by the routing queue's consumer.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pollMs = 50;
let failedReads = 0;

/** A failed read (a busy dev server, a hiccup of the explorer API) is retried, and counted. */
export async function query(run) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 50) throw error;
      failedReads += 1;
      await sleep(20);
    }
  }
}

/** How many reads of D1 had to be retried so far (reported with the run's warnings). */
export function readRetries() {
  return failedReads;
}

async function count(db, sourceId, status) {
  const row = await query(() =>
    status
      ? db.prepare("SELECT count(*) AS n FROM events WHERE source_id = ? AND status = ?").bind(sourceId, status).first()
      : db.prepare("SELECT count(*) AS n FROM events WHERE source_id = ?").bind(sourceId).first(),
  );
  return row.n;
}

async function missingIds(db, sourceId, acceptedIds) {
  const { results } = await query(() => db.prepare("SELECT id FROM events WHERE source_id = ?").bind(sourceId).all());
  const stored = new Set(results.map((r) => r.id));
  let missing = 0;
  for (const id of acceptedIds) if (!stored.has(id)) missing += 1;
  return missing;
}

/**
 * Waits (at most `timeoutMs`) until every id in `acceptedIds` is a row in D1, then
 * until the consumer has moved them past "queued" (at most `routedTimeoutMs`; 0 skips
 * that wait). Times are from `loadEndedAt`.
 * Rows may outnumber the ids by the requests still in flight when the load stopped:
 * the gateway stored them, the load generator no longer read the answer.
 */
export async function checkDurability({ db, sourceId, acceptedIds, loadEndedAt, timeoutMs, routedTimeoutMs = timeoutMs }) {
  const expected = acceptedIds.size;
  const rowsAtLoadEnd = await count(db, sourceId);
  let missing = expected;
  let allInD1Ms;
  while (Date.now() - loadEndedAt < timeoutMs) {
    if ((await count(db, sourceId)) >= expected) {
      missing = await missingIds(db, sourceId, acceptedIds);
      if (missing === 0) {
        allInD1Ms = Date.now() - loadEndedAt;
        break;
      }
    }
    await sleep(pollMs);
  }
  let allRoutedMs;
  if (allInD1Ms !== undefined && routedTimeoutMs > 0) {
    while (Date.now() - loadEndedAt < routedTimeoutMs) {
      if ((await count(db, sourceId, "queued")) === 0) {
        allRoutedMs = Date.now() - loadEndedAt;
        break;
      }
      await sleep(pollMs);
    }
  }
  return { accepted: expected, rowsAtLoadEnd, rows: await count(db, sourceId), missing, allInD1Ms, allRoutedMs };
}
