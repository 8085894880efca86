// The HubSpot contract fake (test/fakes/hubspot.ts, through scripts/fakes.mjs) with
// HubSpot's burst limit, and what it saw: every batch-upsert call, whether it was let
// through or answered 429, and when each lead's email arrived.
import { loadFakes } from "../fakes.mjs";
import { onCleanup } from "./cleanup.mjs";

const upsertPath = "/crm/v3/objects/contacts/batch/upsert";

/** Starts the fake on an ephemeral 127.0.0.1 port; stopped by the bench's cleanup. */
export async function startHubspotFake(rateLimit) {
  const { startFake } = await loadFakes();
  const fake = await startFake("hubspot", { rateLimit }, 0);
  const stop = onCleanup("HubSpot fake", () => fake.close());
  return { ...fake, stop };
}

async function getJson(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.json();
}

function emailsOf(body) {
  try {
    const inputs = JSON.parse(body).inputs;
    return Array.isArray(inputs) ? inputs.map((input) => String(input.id).toLowerCase()) : [];
  } catch {
    return [];
  }
}

/**
 * Every batch-upsert call the fake got, in order: `{ at, emails, limited }`. The fake's
 * request log holds the calls it answered 429 too, but not the status: which were
 * limited is found by replaying its rolling window (test/fakes/hubspot.ts: a call is
 * refused when `requests` calls were let through in the `perMs` before it) over the
 * logged times. The fake takes its own clock reading right after logging, in the same
 * turn of the event loop, so the replay matches it (to a millisecond boundary at worst).
 * Each lead's delivery time is then the first call let through that carried its email.
 */
export async function readFakeCalls(origin, rateLimit) {
  const requests = await getJson(`${origin}/__fake/requests`);
  const calls = [];
  let window = [];
  for (const request of requests) {
    if (request.method !== "POST" || request.path !== upsertPath) continue;
    window = window.filter((at) => at > request.at - rateLimit.perMs);
    const limited = window.length >= rateLimit.requests;
    if (!limited) window.push(request.at);
    calls.push({ at: request.at, emails: emailsOf(request.body), limited });
  }
  const deliveredAt = new Map();
  let duplicates = 0;
  for (const call of calls) {
    if (call.limited) continue;
    for (const email of call.emails) {
      if (deliveredAt.has(email)) duplicates += 1;
      else deliveredAt.set(email, call.at);
    }
  }
  return { calls, deliveredAt, duplicates };
}
