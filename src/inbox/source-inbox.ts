import { DurableObject } from "cloudflare:workers";
import { bodyStoreOf } from "../db/event-bodies";
import { insertEvents } from "../db/events";
import { newId } from "../lib/ids";
import { errorMessage, log } from "../lib/log";
import { sendRoutingMessages } from "../queue/messages";
import { TokenBucket } from "./token-bucket";

/** What the ingest path hands the source's inbox once a request is verified. */
export interface AcceptRequest {
  sourceId: string;
  requestId: string;
  receivedAt: number;
  /** null: this source does not deduplicate. */
  dedupKey: string | null;
  dedupWindowSeconds: number;
  rate: { perSecond: number; burst: number };
  contentType: string | null;
  /** JSON object of request headers, credentials removed. */
  headers: string;
  body: ArrayBuffer;
  /** JSON: the verification outcome. */
  verification: string;
}

export type AcceptResult =
  | { status: "accepted"; id: string }
  | { status: "duplicate"; id: string }
  | { status: "rate_limited"; retryAfterSeconds: number }
  /**
   * The group's write failed: nothing of this request is stored. A value, not a thrown
   * error: an RPC method that throws is logged by workerd as an uncaught exception
   * of the Durable Object, though the caller handles it.
   */
  | { status: "unavailable"; error: string };

interface CommitGroup {
  entries: { id: string; request: AcceptRequest; now: number }[];
  /** Dedup keys of the group, so a repeat inside one group is caught too. */
  keys: Map<string, string>;
  committed: Promise<void>;
}

/** Rows per flush step: one `sendBatch` call, and a few INSERT statements in one D1 batch. */
const rowsPerFlush = 100;
/** Body bytes per flush step, so one D1 batch stays small (rows are at most ~2 MB each). */
const bytesPerFlush = 4 * 1024 * 1024;
/** A flush stops after this long and schedules itself again, leaving room for accepts. */
const flushBudgetMs = 5_000;
const maxRetryDelayMs = 30_000;

interface InboxRow extends Record<string, SqlStorageValue> {
  id: string;
  source_id: string;
  request_id: string;
  received_at: number;
  dedup_key: string | null;
  content_type: string | null;
  headers: string;
  body: ArrayBuffer;
  body_size: number;
  verification: string;
}

/**
 * The per-source Durable Object: throttle, dedup and durable accept in one call.
 *
 * An accepted event is a row in this object's SQLite storage before `accept`
 * returns (the output gate holds the reply until the write is durable), so the
 * 202 never precedes durability. An alarm then writes rows to D1 and sends their
 * routing messages in batches, deleting them only after both succeeded; any failure
 * leaves the rows for the next alarm. Repeats are harmless: D1 inserts ignore known
 * ids and the consumer is idempotent.
 */
export class SourceInbox extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private bucket: TokenBucket | undefined;
  /** Accepts waiting for the next group commit (see `joinGroup`). */
  private openGroup: CommitGroup | undefined;
  /** When the pending alarm fires; null when none is set. */
  private alarmAt: number | null = null;
  private failures = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS inbox (
        id TEXT PRIMARY KEY,
        source_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        dedup_key TEXT,
        content_type TEXT,
        headers TEXT NOT NULL,
        body BLOB NOT NULL,
        body_size INTEGER NOT NULL,
        verification TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS dedup (
        key TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS dedup_expires ON dedup (expires_at);
      CREATE TABLE IF NOT EXISTS rejections (
        minute INTEGER NOT NULL,
        code TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (minute, code)
      );
    `);
    ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  async accept(request: AcceptRequest): Promise<AcceptResult> {
    const now = Date.now();
    const { perSecond, burst } = request.rate;
    if (!this.bucket) this.bucket = new TokenBucket(perSecond, burst, now);
    else this.bucket.configure(perSecond, burst);
    const wait = this.bucket.take(now);
    if (wait > 0) return { status: "rate_limited", retryAfterSeconds: wait };

    if (request.dedupKey !== null) {
      const open = this.openGroup;
      const grouped = open?.keys.get(request.dedupKey);
      if (open && grouped) {
        // Its original is not durable yet: answer only once it is (or fail with it).
        const failed = await commitFailure(open);
        return failed ?? { status: "duplicate", id: grouped };
      }
      const seen = this.sql.exec<{ event_id: string }>("SELECT event_id FROM dedup WHERE key = ? AND expires_at > ?", request.dedupKey, now).toArray()[0];
      if (seen) return { status: "duplicate", id: seen.event_id };
    }

    const id = newId("evt", now);
    const group = this.joinGroup();
    group.entries.push({ id, request, now });
    if (request.dedupKey !== null) group.keys.set(request.dedupKey, id);
    return (await commitFailure(group)) ?? { status: "accepted", id };
  }

  /**
   * Group commit. Every accept that arrives before the next turn of the event loop
   * joins one SQLite transaction, so a burst of N accepts costs one durable write
   * instead of N (measured locally: one fsync per accept dominated ingest
   * throughput). Each caller's reply still waits for that write: the output gate
   * holds it until the transaction is durable, and a failed transaction fails every
   * accept of the group with the error, so none is answered 2xx.
   */
  private joinGroup(): CommitGroup {
    if (!this.openGroup) {
      const group: CommitGroup = { entries: [], keys: new Map(), committed: Promise.resolve() };
      group.committed = new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          if (this.openGroup === group) this.openGroup = undefined;
          try {
            this.commit(group.entries);
            resolve();
          } catch (error) {
            reject(error);
          }
        }, 0);
      });
      // A group nobody awaits (all callers failed elsewhere) must not be an unhandled rejection.
      group.committed.catch(() => undefined);
      this.openGroup = group;
    }
    return this.openGroup;
  }

  private commit(entries: CommitGroup["entries"]): void {
    if (entries.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      for (const { id, request, now } of entries) {
        this.sql.exec(
          `INSERT INTO inbox (id, source_id, request_id, received_at, dedup_key, content_type, headers, body, body_size, verification)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          id,
          request.sourceId,
          request.requestId,
          request.receivedAt,
          request.dedupKey,
          request.contentType,
          request.headers,
          request.body,
          request.body.byteLength,
          request.verification,
        );
        if (request.dedupKey !== null) {
          this.sql.exec(
            "INSERT OR REPLACE INTO dedup (key, event_id, expires_at) VALUES (?, ?, ?)",
            request.dedupKey,
            id,
            now + request.dedupWindowSeconds * 1000,
          );
        }
      }
    });
    // Long enough to batch many accepts into one flush, short for end-to-end latency.
    this.scheduleFlush(Date.now() + Number(this.env.INBOX_FLUSH_DELAY_MS || "100"));
  }

  /**
   * Adds refused requests (verification failures), by code, to the minute's counts
   * for the alert rules. The ingest path gathers them per isolate and calls this
   * once per window (src/ingest/rejection-tally.ts), never once per bad request, so
   * a flood of bad signatures does not compete with accepts here. A day of minutes
   * is kept.
   */
  recordRejections(counts: Record<string, number>, atMs = Date.now()): void {
    const minute = Math.floor(atMs / 60_000);
    for (const [code, count] of Object.entries(counts)) {
      this.sql.exec(
        "INSERT INTO rejections (minute, code, count) VALUES (?, ?, ?) ON CONFLICT (minute, code) DO UPDATE SET count = count + excluded.count",
        minute,
        code,
        count,
      );
    }
    if (minute % 60 === 0) this.sql.exec("DELETE FROM rejections WHERE minute < ?", minute - 1440);
  }

  /** Refused requests since `sinceMs`, by code. */
  rejectionsSince(sinceMs: number): Record<string, number> {
    const rows = this.sql
      .exec<{ code: string; n: number }>("SELECT code, sum(count) AS n FROM rejections WHERE minute >= ? GROUP BY code", Math.floor(sinceMs / 60_000))
      .toArray();
    return Object.fromEntries(rows.map((r) => [r.code, r.n]));
  }

  /** Rows accepted but not yet in D1 (admin stats, tests, the sweeper). */
  pending(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM inbox").one().n;
  }

  /** Makes sure unflushed rows have an alarm; the sweeper calls this for every source. */
  async nudge(): Promise<number> {
    const pending = this.pending();
    // Ask storage, not memory: the point is to repair an alarm that is gone.
    if (pending > 0 && (await this.ctx.storage.getAlarm()) === null) {
      this.alarmAt = null;
      this.scheduleFlush(Date.now());
    }
    return pending;
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const started = Date.now();
    try {
      while (Date.now() - started < flushBudgetMs) {
        if ((await this.flushStep()) === 0) break;
      }
      this.failures = 0;
      this.pruneDedup();
      if (this.pending() > 0) this.scheduleFlush(Date.now());
    } catch (error) {
      // Never rethrow: the platform retries a throwing alarm only a few times, and
      // these rows must keep being retried until D1 and the queue take them.
      this.failures += 1;
      const delay = Math.min(maxRetryDelayMs, 500 * 2 ** this.failures) * (0.5 + Math.random() / 2);
      log("error", "inbox flush failed; will retry", {
        pending: this.pending(),
        failures: this.failures,
        retryInMs: Math.round(delay),
        error: errorMessage(error),
      });
      this.scheduleFlush(Date.now() + delay);
    }
  }

  /** Moves one batch of rows to D1 and the routing queue; returns how many. */
  private async flushStep(): Promise<number> {
    const sizes = this.sql.exec<{ id: string; body_size: number }>("SELECT id, body_size FROM inbox ORDER BY id LIMIT ?", rowsPerFlush).toArray();
    if (sizes.length === 0) return 0;
    let bytes = 0;
    let count = 0;
    for (const row of sizes) {
      if (count > 0 && bytes + row.body_size > bytesPerFlush) break;
      bytes += row.body_size;
      count += 1;
    }
    const lastId = sizes[count - 1]?.id ?? "";
    const rows = this.sql.exec<InboxRow>("SELECT * FROM inbox WHERE id <= ? ORDER BY id LIMIT ?", lastId, count).toArray();

    await insertEvents(
      this.env.DB,
      bodyStoreOf(this.env),
      rows.map((row) => ({
        id: row.id,
        sourceId: row.source_id,
        dedupKey: row.dedup_key,
        requestId: row.request_id,
        contentType: row.content_type,
        headers: row.headers,
        body: new Uint8Array(row.body),
        verification: row.verification,
        receivedAt: row.received_at,
      })),
    );
    await sendRoutingMessages(
      this.env.ROUTING_QUEUE,
      rows.map((row) => ({ eventId: row.id, sourceId: row.source_id })),
    );
    // By id, not by range: ids accepted while D1 was awaited may sort before lastId.
    this.sql.exec("DELETE FROM inbox WHERE id IN (SELECT value FROM json_each(?))", JSON.stringify(rows.map((row) => row.id)));
    return rows.length;
  }

  private pruneDedup(): void {
    this.sql.exec("DELETE FROM dedup WHERE key IN (SELECT key FROM dedup WHERE expires_at <= ? LIMIT 1000)", Date.now());
  }

  private scheduleFlush(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }
}

/** Waits for a group's write; the failure as an accept result when it did not happen. */
async function commitFailure(group: CommitGroup): Promise<Extract<AcceptResult, { status: "unavailable" }> | undefined> {
  try {
    await group.committed;
    return undefined;
  } catch (error) {
    return { status: "unavailable", error: errorMessage(error) };
  }
}
