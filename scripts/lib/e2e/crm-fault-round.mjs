// The CRM faults the e2e run injects and the soak repeats: how to queue a fault on a
// CRM fake (scripts/fakes.mjs) and the round of faults both use.

/** Queues a fault on a fake (POST /__fake/faults). */
export async function postFault(origin, fault) {
  const response = await fetch(`${origin}/__fake/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
  if (!response.ok) throw new Error(`fault ${JSON.stringify(fault)} refused: ${response.status} ${await response.text()}`);
}

/**
 * Makes every Salesforce save of this lead fail `attempts` times with the
 * retryable UNABLE_TO_LOCK_ROW (the fake's per-record lock): upserts go in
 * collections of many leads, so a per-request fault would fail its neighbours too.
 */
export async function doomSalesforceLead(origin, email, attempts) {
  const response = await fetch(`${origin}/__fake/locks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ externalId: email, count: attempts }),
  });
  if (!response.ok) throw new Error(`lock for ${email} refused: ${response.status} ${await response.text()}`);
}

/**
 * The CRM faults of one run, each at a share of the traffic: 5xx for a while, then
 * 429 with Retry-After. The soak repeats the very same round periodically.
 */
export const crmFaultRound = [
  { at: 0.1, fake: "hubspot", name: "HubSpot 503 ×3", fault: { status: 503, count: 3 } },
  { at: 0.2, fake: "hubspot", name: "HubSpot 429 ×2 (TEN_SECONDLY_ROLLING, no Retry-After)", fault: { status: 429, count: 2 } },
  { at: 0.2, fake: "pipedrive", name: "Pipedrive 429 ×10, Retry-After 1", fault: { status: 429, count: 10, retryAfter: 1 } },
  // On the upserts only (sObject Collections, PATCH): a fault on the token or describe
  // call fails a whole batch too, and the stats check counts faults per record sent.
  { at: 0.3, fake: "salesforce", name: "Salesforce 502 ×15", fault: { status: 502, count: 15, method: "PATCH", path: "/services/data/" } },
];
