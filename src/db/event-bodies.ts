import { sql } from "drizzle-orm";
import { log } from "../lib/log";
import { bodyToD1 } from "./body";
import { events } from "./schema";

/**
 * Where an event's body lives, in one place: in its D1 row (`events.body`), or, when
 * it is larger than the threshold, as an object in R2 (the BODIES bucket) with the
 * key in `events.body_ref`. D1 caps a database at 10 GB and large bodies are most of
 * it; R2 has no such cap. Writers go through `placeBodies`, readers through
 * `withBodies`, retention (src/db/retention.ts) through `deleteObjects`; nothing else
 * needs to know where a body is.
 */

/** Bodies larger than this go to R2 unless BODY_R2_THRESHOLD_BYTES says otherwise. */
export const defaultBodyThresholdBytes = 64 * 1024;

export interface BodyStore {
  bucket: R2Bucket;
  /** A body of more bytes than this goes to R2. */
  thresholdBytes: number;
}

export function bodyStoreOf(env: { BODIES: R2Bucket; BODY_R2_THRESHOLD_BYTES?: string }): BodyStore {
  const configured = env.BODY_R2_THRESHOLD_BYTES?.trim() ? Number(env.BODY_R2_THRESHOLD_BYTES) : Number.NaN;
  const thresholdBytes = Number.isInteger(configured) && configured >= 0 ? configured : defaultBodyThresholdBytes;
  return { bucket: env.BODIES, thresholdBytes };
}

/** The R2 key of an event's body: by source first, so a bucket listing or a lifecycle rule can pick a source. */
export function bodyKey(sourceId: string, eventId: string): string {
  return `${sourceId}/${eventId}`;
}

/** What an event row stores for its body: the bytes (as D1 takes them) or an R2 key. */
export interface PlacedBody {
  body: string | Uint8Array | null;
  bodyRef: string | null;
}

/**
 * Writes every body over the threshold to R2 and says what each row stores. The
 * objects are written before the rows: a row never names an object that is not
 * there, and a flush repeated after a failure writes the same key again.
 */
export async function placeBodies(
  store: BodyStore,
  rows: readonly { id: string; sourceId: string; contentType: string | null; body: Uint8Array }[],
): Promise<PlacedBody[]> {
  return Promise.all(
    rows.map(async (row): Promise<PlacedBody> => {
      if (row.body.byteLength <= store.thresholdBytes) return { body: bodyToD1(row.body), bodyRef: null };
      const key = bodyKey(row.sourceId, row.id);
      await store.bucket.put(key, row.body, row.contentType ? { httpMetadata: { contentType: row.contentType } } : undefined);
      return { body: null, bodyRef: key };
    }),
  );
}

/**
 * The rows with the bodies that live in R2 read into `body`, so readers see bytes
 * wherever they were stored. An object that is gone (deleted by retention since the
 * row was read) leaves `body` null, as a dropped body does.
 */
export async function withBodies<T extends { id: string; body: Uint8Array | null; bodyRef: string | null }>(bucket: R2Bucket, rows: T[]): Promise<T[]> {
  return Promise.all(
    rows.map(async (row) => {
      if (row.body !== null || row.bodyRef === null) return row;
      const object = await bucket.get(row.bodyRef);
      if (!object) {
        log("warn", "event body missing from R2", { eventId: row.id, key: row.bodyRef });
        return row;
      }
      return { ...row, body: new Uint8Array(await object.arrayBuffer()) };
    }),
  );
}

/** True (1) when the event still has its body, in D1 or in R2. */
export const bodyKeptSql = sql<number>`(${events.body} is not null or ${events.bodyRef} is not null)`;

/** R2 accepts at most 1,000 keys per delete call. */
const keysPerDelete = 1000;

/** Deletes objects; keys that are already gone are fine (R2 deletes are idempotent). */
export async function deleteObjects(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += keysPerDelete) {
    await bucket.delete(keys.slice(i, i + keysPerDelete));
  }
}
