// Verdicts of the faulted CRM run (crm-faults.mjs), one per scenario, each a pure
// function of what the run collected returning a list of problems (one readable line
// per broken promise; empty is a pass).

import { finalStatuses } from "../../../scripts/lib/e2e/drain.mjs";
import {
  departedOwner,
  evilCompany,
  fallbackOwner,
  healthzTimeoutMs,
  isolationBudgetMs,
  normalLeadsBehind,
  outageAttempts,
  salesforceTokenLifetimeCalls,
} from "./crm-faults-config.mjs";

const lower = (s) => s.toLowerCase();
const byEmail = (records) => {
  const map = new Map();
  for (const r of records) map.set(r.email, [...(map.get(r.email) ?? []), r]);
  return map;
};

/** Leads the gateway refused at the door: they never became events to check. */
function notAccepted(sent, what) {
  return sent
    .filter((s) => !s.eventId)
    .map((s) => `${what} ${s.payload.email}: answered ${s.status ?? "nothing"} ${JSON.stringify(s.answer ?? null).slice(0, 160)}, expected 202`);
}

function inputsOf(request) {
  try {
    return JSON.parse(request.body).inputs ?? [];
  } catch {
    return [];
  }
}

/**
 * Issue 12: one input HubSpot refuses (an owner it does not know) in a 100-lead
 * batch. The other 99 land once each with their owner; the bad one is in HubSpot
 * with the pool's fallback owner (or none), or a dead letter with HubSpot's message.
 * And the bad input really met HubSpot inside a batch with others (else the split
 * was never needed).
 */
export function checkHubspotBatch(run) {
  const problems = notAccepted(run.batch, "batch lead");
  const events = new Map(run.events.map((e) => [e.id, e]));
  const contacts = byEmail(run.records.hubspot);
  const letters = new Map(run.deadLetters.map((l) => [l.eventId, l]));
  for (const sent of run.batch.filter((s) => s.eventId)) {
    const email = lower(sent.payload.email);
    const found = contacts.get(email) ?? [];
    const event = events.get(sent.eventId);
    const letter = letters.get(sent.eventId);
    if (sent.payload.company === "Departed Owner Inc") {
      if (event?.ownerId !== departedOwner) problems.push(`the departed-owner lead was assigned ${event?.ownerId}, the route's pool has only ${departedOwner}`);
      if (found.length > 1) problems.push(`the departed-owner lead is in HubSpot ${found.length} times`);
      if (found.length === 1) {
        if (found[0].ownerId !== null && found[0].ownerId !== fallbackOwner)
          problems.push(`the departed-owner lead is in HubSpot with owner ${found[0].ownerId}, expected the fallback ${fallbackOwner} or none`);
        const delivery = run.departedDetail?.deliveries?.find((d) => d.destinationId === "hubspot");
        if (!String(delivery?.lastError ?? "").includes(`Owner ${departedOwner} refused`)) {
          problems.push(`the departed-owner lead's delivery does not say its owner was refused (lastError: ${JSON.stringify(delivery?.lastError ?? null)})`);
        }
        if (!run.records.slack.some((m) => m.alert && m.text.includes(`refused owner ${departedOwner}`)))
          problems.push(`no alert says HubSpot refused owner ${departedOwner}`);
      } else if (!letter) problems.push(`the departed-owner lead ${sent.eventId} is neither in HubSpot nor a dead letter (event ${event?.status})`);
      else if (!/hubspot_owner_id|owner/i.test(letter.reason ?? ""))
        problems.push(`the departed-owner lead's dead letter does not carry HubSpot's message: ${letter.reason}`);
      continue;
    }
    if (found.length !== 1)
      problems.push(
        `batch lead ${email}: ${found.length} HubSpot contacts, expected 1 (event ${event?.status}${letter ? `, dead letter: ${letter.reason}` : ""})`,
      );
    else if (String(found[0].ownerId) !== String(event?.ownerId))
      problems.push(`batch lead ${email}: HubSpot owner ${found[0].ownerId}, the event says ${event?.ownerId}`);
    if (letter) problems.push(`batch lead ${email}: dead-lettered (${letter.status}: ${letter.reason}) though HubSpot had nothing against it`);
    if (event?.status !== "routed") problems.push(`batch lead ${email}: event ${event?.status}, expected routed`);
  }
  const departedEmail = run.batch.find((s) => s.payload.company === "Departed Owner Inc")?.payload.email.toLowerCase();
  const calls = run.hubspotRequests.filter(
    (r) => r.path.endsWith("/batch/upsert") && inputsOf(r).some((i) => lower(String(i.id ?? i.properties?.email ?? "")) === departedEmail),
  );
  if (calls.length === 0) problems.push("the departed-owner lead never reached HubSpot");
  else if (inputsOf(calls[0]).length < 2)
    problems.push(`the departed-owner lead went to HubSpot alone (${inputsOf(calls[0]).length} input), never inside a batch HubSpot would refuse whole`);
  return problems;
}

/** How many inputs the first HubSpot call carrying the departed-owner lead had (for the summary). */
export function departedBatchSize(run) {
  const departedEmail = run.batch.find((s) => s.payload.company === "Departed Owner Inc")?.payload.email.toLowerCase();
  const call = run.hubspotRequests.find(
    (r) => r.path.endsWith("/batch/upsert") && inputsOf(r).some((i) => lower(String(i.id ?? i.properties?.email ?? "")) === departedEmail),
  );
  return call ? inputsOf(call).length : 0;
}

/** Issue 12: five leads with one email at once, Pipedrive's search lagging: one person, one lead. */
export function checkPipedriveSameEmail(run) {
  const problems = notAccepted(run.same, "same-email lead");
  const persons = run.records.pipedrive.filter((p) => p.emails.includes(lower(run.sharedEmail)));
  if (persons.length !== 1)
    problems.push(`${persons.length} Pipedrive persons with ${run.sharedEmail}, expected 1 (${run.same.length} leads sent at once, search lagging)`);
  const leads = persons.reduce((n, p) => n + p.leads, 0);
  if (persons.length === 1 && leads !== 1) problems.push(`${leads} Pipedrive leads for the one person ${persons[0].id}, expected 1`);
  const events = new Map(run.events.map((e) => [e.id, e]));
  for (const sent of run.same.filter((s) => s.eventId)) {
    const event = events.get(sent.eventId);
    if (event?.status !== "routed") problems.push(`same-email lead ${sent.eventId}: event ${event?.status}, expected routed`);
  }
  for (const letter of run.deadLetters.filter((l) => l.destinationId === "pipedrive"))
    problems.push(`Pipedrive dead letter ${letter.eventId}: ${letter.reason}`);
  return problems;
}

/**
 * Issue 12: a Salesforce destination with refresh-token auth whose access tokens
 * expire every few calls (and whose refresh tokens rotate) loses nothing, and the
 * country goes to `CountryCode`, the picklist org's field for ISO codes.
 */
export function checkSalesforceTokens(run) {
  const { salesforce } = run;
  const problems = notAccepted(salesforce.leads, "Salesforce lead");
  const records = new Map();
  for (const r of salesforce.records) records.set(lower(String(r.externalId)), [...(records.get(lower(String(r.externalId))) ?? []), r]);
  const events = new Map(run.events.map((e) => [e.id, e]));
  for (const sent of salesforce.leads.filter((s) => s.eventId)) {
    const email = lower(sent.payload.email);
    const found = records.get(email) ?? [];
    const event = events.get(sent.eventId);
    if (found.length !== 1) {
      problems.push(`Salesforce lead ${email}: ${found.length} records, expected 1 (event ${event?.status})`);
      continue;
    }
    const { fields } = found[0];
    if (fields.CountryCode !== sent.payload.country)
      problems.push(`Salesforce lead ${email}: CountryCode ${JSON.stringify(fields.CountryCode ?? null)}, sent ${sent.payload.country}`);
    if (fields.Country !== undefined)
      problems.push(`Salesforce lead ${email}: Country set to ${JSON.stringify(fields.Country)} (a picklist org takes ISO codes only in CountryCode)`);
    if (event?.status !== "routed") problems.push(`Salesforce lead ${email}: event ${event?.status}, expected routed`);
  }
  for (const letter of run.deadLetters.filter((l) => l.destinationId === "salesforce"))
    problems.push(`Salesforce dead letter ${letter.eventId}: ${letter.status}: ${letter.reason}`);
  const tokenCalls = salesforce.requests.filter((r) => r.path === "/services/oauth2/token").length;
  const apiCalls = salesforce.requests.filter((r) => r.path.startsWith("/services/data/")).length;
  if (apiCalls <= salesforceTokenLifetimeCalls)
    problems.push(`only ${apiCalls} Salesforce API calls: no token expired (each serves ${salesforceTokenLifetimeCalls}); the scenario proves nothing`);
  else if (tokenCalls < 2)
    problems.push(
      `${apiCalls} API calls on ${tokenCalls} token request(s): tokens expire every ${salesforceTokenLifetimeCalls} calls, so the connector must have refreshed`,
    );
  return problems;
}

/** Token requests and API calls the Salesforce fake saw (for the summary). */
export function salesforceCalls(run) {
  const requests = run.salesforce.requests;
  return {
    token: requests.filter((r) => r.path === "/services/oauth2/token").length,
    api: requests.filter((r) => r.path.startsWith("/services/data/")).length,
  };
}

/**
 * Issue 12: an outage longer than the retry budget. Each lead's delivery is a dead
 * letter after its attempts, alerted; after recovery its replay lands it, once.
 */
export function checkOutage(run) {
  const { outage } = run;
  const problems = notAccepted(outage.leads, "outage lead");
  const ids = outage.leads.map((o) => o.eventId).filter(Boolean);
  for (const id of ids) {
    const letter = outage.letters.find((l) => l.eventId === id);
    if (!letter) {
      problems.push(`outage lead ${id}: no dead letter while HubSpot was down`);
      continue;
    }
    if (letter.status !== "dead") problems.push(`outage lead ${id}: dead letter ${letter.status}, expected dead (out of attempts)`);
    if (letter.attempts !== outageAttempts)
      problems.push(`outage lead ${id}: ${letter.attempts} attempts before the dead letter, the destination allows ${outageAttempts}`);
    if (!outage.alerts.some((a) => a.eventId === id && a.text.includes("hubspot-outage")))
      problems.push(`outage lead ${id}: its dead letter was not alerted in Slack`);
    if (!outage.replays.some((r) => r.replayOf === id)) problems.push(`outage lead ${id}: not replayed`);
  }
  const contacts = byEmail(outage.records);
  for (const sent of outage.leads) {
    const found = contacts.get(lower(sent.payload.email)) ?? [];
    if (found.length !== 1) problems.push(`outage lead ${sent.payload.email}: ${found.length} HubSpot contacts after the replay, expected 1`);
  }
  const writtenBeforeRecovery = outage.requests.filter((r) => !r.fault && r.at < outage.recoveredAt && r.path.endsWith("/batch/upsert"));
  if (writtenBeforeRecovery.length > 0)
    problems.push(`${writtenBeforeRecovery.length} HubSpot writes got through during the outage (the fault was meant to refuse all)`);
  for (const detail of outage.replayDetails) {
    if (detail.status !== "routed") problems.push(`replay ${detail.id} of ${detail.replayOf}: ${detail.status}, expected routed`);
  }
  return problems;
}

/**
 * Issue 13: `(a|a)*$` in a route and in a mapping, a lead with 40 × a + "!", and a
 * 1.4 MB lead. The 20 leads sent behind them reach the CRM within a minute while
 * /healthz keeps answering; the bad leads themselves are final, not lost.
 */
export function checkIsolation(run) {
  const { isolation } = run;
  const problems = notAccepted([...isolation.badLeads, ...isolation.behind], "isolation lead");
  if (isolation.behindLandedMs === undefined) {
    const contacts = new Set(run.records.hubspot.map((c) => c.email));
    const missing = isolation.behind.filter((b) => !contacts.has(lower(b.payload.email))).length;
    problems.push(
      `${normalLeadsBehind - missing} of ${normalLeadsBehind} leads behind the regex and 1.4 MB leads reached HubSpot within ${isolationBudgetMs / 1000} s`,
    );
  }
  const unanswered = isolation.healthz.filter((p) => p.status !== 200);
  if (isolation.healthz.length === 0) problems.push("/healthz was never polled");
  // Polled from the first bad lead to the end of the run.
  for (const poll of unanswered.slice(0, 5))
    problems.push(
      `/healthz at +${((poll.at - isolation.healthz[0].at) / 1000).toFixed(1)} s: ${poll.error ?? poll.status} (must answer 200 within ${healthzTimeoutMs} ms)`,
    );
  if (unanswered.length > 5) problems.push(`… /healthz failed ${unanswered.length} times in all`);
  const events = new Map(run.events.map((e) => [e.id, e]));
  const contacts = byEmail(run.records.hubspot);
  for (const sent of isolation.badLeads.filter((s) => s.eventId)) {
    const what = sent.payload.company === evilCompany ? "the 40 × a + ! lead" : "the 1.4 MB lead";
    const event = events.get(sent.eventId);
    if (!event || !finalStatuses.has(event.status)) problems.push(`${what} ${sent.eventId} is not final (${event?.status})`);
    else if (event.routeId !== "isolation") problems.push(`${what} was routed by ${event.routeId}, expected isolation (the (a|a)*$ route)`);
    if ((contacts.get(lower(sent.payload.email)) ?? []).length !== 1) problems.push(`${what} is not in HubSpot once`);
  }
  // Issue 13: over the lead's budget, `custom` is trimmed with a trace note; the lead is kept.
  const big = isolation.bigDetail;
  if (big) {
    if (big.lead?.custom?.notes !== undefined)
      problems.push(`the 1.4 MB lead's stored lead still carries custom.notes (${String(big.lead.custom.notes).length} characters)`);
    if (!JSON.stringify(big.trace ?? null).includes("custom.notes")) problems.push("the 1.4 MB lead's trace does not say custom.notes was dropped");
  }
  return problems;
}

/** Every accepted event of the run is final, and every lead behind a dead letter is accounted for above. */
export function checkAllFinal(run) {
  const problems = [];
  if (!run.drain.drained) problems.push(`events still open after ${(run.drain.ms / 1000).toFixed(1)} s: ${JSON.stringify(run.drain.stats.events.byStatus)}`);
  for (const event of run.events) if (!finalStatuses.has(event.status)) problems.push(`${event.id} (${event.email}): still ${event.status}`);
  return problems;
}
