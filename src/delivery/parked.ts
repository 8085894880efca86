/**
 * Deliveries held while their destination is paused or its breaker is open, kept
 * in the destination's DestinationLimiter (its SQLite storage), oldest first. A
 * parked delivery's queue message was acked, so waiting costs no queue retries
 * however long the hold lasts; releasing one sends it a new message. The
 * delivery row in D1 stays `pending`: the claim there (a compare-and-set) is what
 * keeps a delivery sent twice from being written twice.
 */
export interface ParkedDelivery {
  deliveryId: string;
  eventId: string;
  /** The delivery's creation time: the drain goes oldest first. */
  createdAt: number;
}

export class ParkedList {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS parked (
      delivery_id TEXT PRIMARY KEY,
      event_id TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS parked_order ON parked (created_at, delivery_id)");
  }

  /** Parks deliveries; one parked already stays as it is. */
  add(entries: readonly ParkedDelivery[]): void {
    for (const e of entries) {
      this.sql.exec("INSERT OR IGNORE INTO parked (delivery_id, event_id, created_at) VALUES (?, ?, ?)", e.deliveryId, e.eventId, e.createdAt);
    }
  }

  /** The oldest `limit` parked deliveries (still parked until `remove`). */
  oldest(limit: number): ParkedDelivery[] {
    return this.sql
      .exec<{ delivery_id: string; event_id: string; created_at: number }>(
        "SELECT delivery_id, event_id, created_at FROM parked ORDER BY created_at, delivery_id LIMIT ?",
        limit,
      )
      .toArray()
      .map((r) => ({ deliveryId: r.delivery_id, eventId: r.event_id, createdAt: r.created_at }));
  }

  remove(deliveryIds: readonly string[]): void {
    for (const id of deliveryIds) this.sql.exec("DELETE FROM parked WHERE delivery_id = ?", id);
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM parked").one().n;
  }
}
