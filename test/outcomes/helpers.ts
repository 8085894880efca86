import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { createDb } from "../../src/db/client";
import { deliveries, outcomes } from "../../src/db/schema";
import { asOutcomeTrace, type OutcomeTrace } from "../../src/outcomes/trace";
import { eventsOf, post, routeQueued } from "../helpers";

export const db = () => createDb(env.DB);

/** The latest event of a source, after routing its queue. */
export async function latestEvent(sourceId: string) {
  await routeQueued(sourceId);
  const event = (await eventsOf(sourceId)).at(-1);
  if (!event) throw new Error(`no event for ${sourceId}`);
  return event;
}

export function traceOf(event: { trace: string | null }): OutcomeTrace {
  const trace = asOutcomeTrace(JSON.parse(event.trace ?? "null"));
  if (!trace) throw new Error(`not an outcome trace: ${event.trace}`);
  return trace;
}

export async function externalIdOf(eventId: string, destinationId: string): Promise<string> {
  const [row] = await db().select().from(deliveries).where(eq(deliveries.eventId, eventId));
  if (!row || row.destinationId !== destinationId || !row.externalId) throw new Error(`no ${destinationId} record for ${eventId}: ${JSON.stringify(row)}`);
  return row.externalId;
}

export function outcomesOfLead(leadId: string) {
  return db().select().from(outcomes).where(eq(outcomes.leadId, leadId)).orderBy(asc(outcomes.outcome));
}

/** Signs like HubSpot's v3 scheme (HMAC-SHA256, base64, of method + URI + body + timestamp), independently of the verifier. */
export async function postHubspot(sourceId: string, events: unknown[], secret: string): Promise<Response> {
  const body = JSON.stringify(events);
  const url = `https://gateway.test/in/${sourceId}`;
  const timestamp = String(Date.now());
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`POST${url}${body}${timestamp}`));
  return post(`/in/${sourceId}`, body, {
    "content-type": "application/json",
    "x-hubspot-signature-v3": btoa(String.fromCharCode(...new Uint8Array(mac))),
    "x-hubspot-request-timestamp": timestamp,
  });
}
