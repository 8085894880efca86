/**
 * Console sessions and spent form nonces in D1 (migrations/0005_console_sessions.sql).
 * Plain D1 statements rather than drizzle: the tables are outside src/db/schema.ts so
 * that a later `drizzle-kit generate` does not emit them a second time. Times are
 * seconds since the epoch, like the session cookie's.
 */

export interface SessionRow {
  id: string;
  role: "admin" | "read";
  expiresAt: number;
}

/** Records a new session, and clears out sessions and nonces that have expired (sign-ins are rare, so this is cheap housekeeping). */
export async function startSession(db: D1Database, session: SessionRow, nowSeconds: number): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM console_sessions WHERE expires_at <= ?").bind(nowSeconds),
    db.prepare("DELETE FROM console_form_nonces WHERE expires_at <= ?").bind(nowSeconds),
    db
      .prepare("INSERT INTO console_sessions (id, role, created_at, expires_at) VALUES (?, ?, ?, ?)")
      .bind(session.id, session.role, nowSeconds, session.expiresAt),
  ]);
}

/** Whether a session was started and has neither ended nor expired. */
export async function isSessionActive(db: D1Database, id: string, nowSeconds: number): Promise<boolean> {
  const row = await db.prepare("SELECT 1 AS active FROM console_sessions WHERE id = ? AND ended_at IS NULL AND expires_at > ?").bind(id, nowSeconds).first();
  return row !== null;
}

/** Ends a session for good: its cookie, even if kept, no longer signs anyone in. */
export async function endSession(db: D1Database, id: string, nowSeconds: number): Promise<void> {
  await db.prepare("UPDATE console_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL").bind(nowSeconds, id).run();
}

/**
 * Spends a form nonce of an active session. False when it was spent before (the
 * form was sent already) or the session has ended meanwhile; one statement, so two
 * copies of one POST racing each other cannot both win.
 */
export async function spendFormNonce(db: D1Database, nonce: string, sessionId: string, nowSeconds: number): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO console_form_nonces (nonce, session_id, expires_at)
       SELECT ?1, id, expires_at FROM console_sessions WHERE id = ?2 AND ended_at IS NULL AND expires_at > ?3
       ON CONFLICT (nonce) DO NOTHING`,
    )
    .bind(nonce, sessionId, nowSeconds)
    .run();
  return result.meta.changes === 1;
}
