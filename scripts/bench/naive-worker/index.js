// The naive per-request ingest the gateway is measured against: what a webhook
// receiver written the obvious way does on Workers. Per webhook it verifies the
// same HMAC signature as the gateway's bench source, asks a Durable Object (one per
// source) for a rate-limit token, inserts the event into D1 and sends its id to a
// queue, all before answering 202. Plain JS so the bench needs no build step of its own.
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

/** One object per source: a token bucket in memory, as a per-source throttle keeps it. */
export class Throttle extends DurableObject {
  tokens = 100_000;
  updatedAt = Date.now();

  take(perSecond, burst) {
    const now = Date.now();
    this.tokens = Math.min(burst, this.tokens + ((now - this.updatedAt) / 1000) * perSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const encoder = new TextEncoder();
let key;
let schemaReady;

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Once per isolate: the table the events go to (a migration would do this in real life). */
function ensureSchema(db) {
  schemaReady ??= db
    .prepare(
      "CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, source_id TEXT NOT NULL, delivery_id TEXT NOT NULL, received_at INTEGER NOT NULL, body TEXT NOT NULL)",
    )
    .run();
  return schemaReady;
}

const app = new Hono();
app.get("/", (c) => c.json({ ok: true }));
app.post("/in/:sourceId", async (c) => {
  const sourceId = c.req.param("sourceId");
  const body = await c.req.text();
  const id = c.req.header("x-webhook-id") ?? "";
  const timestamp = c.req.header("x-webhook-timestamp") ?? "";
  key ??= await crypto.subtle.importKey("raw", encoder.encode(c.env.SIGNING_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = hex(await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`)));
  if (signature !== c.req.header("x-signature") || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) {
    return c.json({ code: "signature_invalid" }, 401);
  }
  const throttle = c.env.THROTTLE.get(c.env.THROTTLE.idFromName(sourceId));
  if (!(await throttle.take(100_000, 100_000))) return c.json({ code: "rate_limited" }, 429);
  await ensureSchema(c.env.DB);
  const eventId = crypto.randomUUID();
  await c.env.DB.prepare("INSERT INTO events (id, source_id, delivery_id, received_at, body) VALUES (?, ?, ?, ?, ?)")
    .bind(eventId, sourceId, id, Date.now(), body)
    .run();
  await c.env.QUEUE.send({ eventId });
  return c.json({ id: eventId }, 202);
});

export default {
  fetch: app.fetch,
  /** Takes the messages off the queue; the bench measures the ingest side. */
  async queue(batch) {
    batch.ackAll();
  },
};
