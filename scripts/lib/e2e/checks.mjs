// The suite's verdicts, each a pure function of what the run collected (answers,
// admin events, dead letters, stats, the fakes' records and request logs). Each
// returns a list of problems, one readable line per broken promise; an empty list is
// a pass. Kept apart from the run so a failure can be re-examined without re-running.
import { crmRecordsByEmail } from "../crm-records.mjs";
import { finalStatuses } from "./drain.mjs";
import { routeTargets } from "./e2e-config.mjs";

/** Destination ids of the e2e config → the fake that plays them. */
export const destinationFake = { hubspot: "hubspot", salesforce: "salesforce", pipedrive: "pipedrive", "sales-slack": "slack", warehouse: "receiver" };
const crmDestination = { hubspot: "hubspot", salesforce: "salesforce", pipedrive: "pipedrive", slack: "sales-slack", receiver: "warehouse" };

const gotThrough = (outcome) => outcome.attempts.some((a) => a.error !== undefined || (a.status ?? 0) >= 500);

/**
 * Every request got the answer its kind calls for; every 429 said when to come back.
 * Also returns the accepted event id of each lead (from its 202, or from a 200
 * duplicate when the first answer was lost to the restart).
 */
export function checkAnswers(requests, outcomes) {
  const problems = [];
  const acceptedIdOf = new Map();
  const acceptedInRestart = [];
  for (const request of requests) {
    const outcome = outcomes.get(request.key);
    if (!outcome) {
      problems.push(`${request.key}: never sent`);
      continue;
    }
    const { status, json } = outcome;
    for (const attempt of outcome.attempts) {
      if (attempt.status === 429 && !/^[1-9]\d*$/.test(attempt.retryAfter ?? "")) {
        problems.push(`${request.key}: 429 without a usable Retry-After (${attempt.retryAfter})`);
      }
      if (attempt.status === 500) problems.push(`${request.key}: 500 ${attempt.code ?? ""} (bad input must never be a 500)`);
    }
    if (request.kind === "lead" || request.kind === "flood") {
      if (status === 202 && json?.status === "accepted" && typeof json.id === "string") acceptedIdOf.set(request.leadKey, json.id);
      else if (status === 200 && json?.status === "duplicate" && gotThrough(outcome)) {
        // Stored before the restart cut the connection; the provider's retry learns the id.
        acceptedIdOf.set(request.leadKey, json.id);
        acceptedInRestart.push(request.key);
      } else problems.push(`${request.key}: expected 202, got ${status ?? outcome.error} ${json ? JSON.stringify(json).slice(0, 160) : ""}`);
      continue;
    }
    if (request.kind === "duplicate") {
      const original = outcomes.get(request.originalKey);
      if (status !== 200 || json?.status !== "duplicate")
        problems.push(`${request.key}: expected 200 duplicate, got ${status ?? outcome.error} ${JSON.stringify(json ?? null).slice(0, 160)}`);
      else if (original?.json?.id !== json.id) problems.push(`${request.key}: duplicate names ${json.id}, the original was ${original?.json?.id}`);
      continue;
    }
    if (status !== request.expect.status || json?.code !== request.expect.code) {
      problems.push(`${request.key}: expected ${request.expect.status} ${request.expect.code}, got ${status ?? outcome.error} ${json?.code ?? ""}`);
    }
  }
  return { problems, acceptedIdOf, acceptedInRestart };
}

/** Every accepted event is in D1 and final, and D1 holds no event nobody was told about. */
export function checkEventsFinal(acceptedIds, events) {
  const problems = [];
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const id of acceptedIds) {
    const event = byId.get(id);
    if (!event) problems.push(`${id}: accepted (2xx) but not in the admin API`);
    else if (!finalStatuses.has(event.status)) problems.push(`${id}: still ${event.status} (${event.statusReason ?? ""})`);
  }
  for (const event of events) {
    if (!acceptedIds.has(event.id)) problems.push(`${event.id}: an event no sender was given a 2xx for (${event.sourceId}, ${event.email})`);
  }
  return problems;
}

/**
 * Each accepted lead is in the CRM its route names exactly once, with the owner the
 * gateway chose — or that delivery is dead. Leads never reach another CRM; refused
 * requests reach none. Slack and the forwarding receiver are counted, not judged:
 * notifications are at-least-once by design.
 */
export function checkLeads({ leads, acceptedIdOf, events, deadLetters, records, refusedEmails }) {
  const problems = [];
  const figures = { inCrm: 0, dead: 0, invalid: 0, doubled: 0, slackRepeats: 0, forwardRepeats: 0, ownerChecked: 0 };
  const eventsById = new Map(events.map((e) => [e.id, e]));
  const crmByEmail = crmRecordsByEmail(records);
  const deadByEvent = new Map();
  for (const letter of deadLetters) {
    const list = deadByEvent.get(letter.eventId) ?? [];
    list.push(letter.destinationId);
    deadByEvent.set(letter.eventId, list);
  }
  const slackByEvent = countBy(
    records.slack.filter((m) => !m.alert),
    (m) => m.eventId,
  );
  const forwardsByEvent = countBy(
    records.receiver.filter((d) => d.verified),
    (d) => d.eventId,
  );

  for (const lead of leads) {
    const id = acceptedIdOf.get(lead.key);
    if (!id) continue; // already reported by checkAnswers
    const event = eventsById.get(id);
    if (!event) continue; // reported by checkEventsFinal
    const email = lead.email.toLowerCase();
    const found = crmByEmail.get(email) ?? [];
    if (lead.invalid) {
      figures.invalid += 1;
      if (event.status !== "invalid") problems.push(`${lead.key} ${id}: a lead without a valid email is ${event.status}, expected invalid`);
      if (found.length > 0) problems.push(`${lead.key}: invalid lead reached ${found.map((f) => f.crm).join(", ")}`);
      continue;
    }
    if (event.routeId !== lead.route) problems.push(`${lead.key} ${id}: routed by ${event.routeId}, expected ${lead.route} (${event.status})`);
    if (event.email !== email) problems.push(`${lead.key} ${id}: event email ${event.email}, sent ${email}`);
    const target = routeTargets[lead.route];
    const here = found.filter((f) => f.crm === target.crm);
    const elsewhere = found.filter((f) => f.crm !== target.crm);
    const dead = deadByEvent.get(id) ?? [];
    const crmDead = dead.includes(crmDestination[target.crm]);
    if (elsewhere.length > 0) problems.push(`${lead.key}: also in ${elsewhere.map((f) => f.crm).join(", ")}, route ${lead.route} writes only to ${target.crm}`);
    if (here.length > 1) {
      figures.doubled += 1;
      problems.push(`${lead.key}: ${here.length} ${target.crm} records for ${email}`);
    }
    if (target.crm === "pipedrive" && here.some((p) => p.leads > 1)) {
      figures.doubled += 1;
      problems.push(`${lead.key}: ${here[0].leads} Pipedrive leads for one person`);
    }
    if (crmDead) figures.dead += 1;
    else if (here.length === 0) problems.push(`${lead.key} ${id}: not in ${target.crm} and not dead (event ${event.status})`);
    else figures.inCrm += 1;
    if (lead.doomed && !crmDead) problems.push(`${lead.key} ${id}: its ${target.crm} calls always fail, yet the delivery is not dead (event ${event.status})`);
    if (crmDead && event.status !== "dead" && event.status !== "partially_failed")
      problems.push(`${lead.key} ${id}: a delivery is dead, the event says ${event.status}`);
    if (!crmDead && dead.length === 0 && event.status !== "routed")
      problems.push(`${lead.key} ${id}: delivered, no dead letter, yet the event is ${event.status}`);
    // The owner the gateway chose is the owner the CRM got (routes without a pool: none).
    if (here.length === 1 && !crmDead) {
      figures.ownerChecked += 1;
      const crmOwner = here[0].ownerId === undefined || here[0].ownerId === "" ? null : here[0].ownerId;
      const expectedOwner = event.ownerId ?? (target.crm === "pipedrive" ? crmOwner : null);
      if (String(crmOwner) !== String(expectedOwner)) problems.push(`${lead.key}: ${target.crm} owner ${crmOwner}, the event says ${event.ownerId}`);
    }
    for (const extra of target.also) {
      const count = (extra === "slack" ? slackByEvent : forwardsByEvent).get(id) ?? 0;
      const extraDead = dead.includes(crmDestination[extra]);
      if (count === 0 && !extraDead) problems.push(`${lead.key} ${id}: no ${extra} delivery and not dead`);
      if (count > 1) figures[extra === "slack" ? "slackRepeats" : "forwardRepeats"] += count - 1;
    }
  }
  for (const email of refusedEmails) {
    const found = crmByEmail.get(email.toLowerCase());
    if (found?.length) problems.push(`${email}: refused at the door, yet in ${found.map((f) => f.crm).join(", ")}`);
  }
  return { problems, figures };
}

/**
 * GET /admin/v1/stats agrees with the events list and with what the fakes saw:
 * successful attempts = records each fake holds; retryable attempts = requests the
 * fakes answered with an injected fault (HubSpot: one call carries many leads, and
 * its 429s are holds, not attempts).
 */
/** How long before the stop an attempt's call may have been answered yet not recorded. */
const recordLagMs = 2_000;

/**
 * @param {{ stats: any, events: any[], deadLetters: any[], records: Record<string, any>, fakeRequests: any, restartWindow?: any,
 *   lockedSaves?: number }} input
 */
export function checkStats({ stats, events, deadLetters, records, fakeRequests, restartWindow, lockedSaves = 0 }) {
  const problems = [];
  const byStatus = Object.fromEntries(countBy(events, (e) => e.status));
  if (stats.events.total !== events.length) problems.push(`stats say ${stats.events.total} events, the list has ${events.length}`);
  for (const status of new Set([...Object.keys(byStatus), ...Object.keys(stats.events.byStatus)])) {
    if ((stats.events.byStatus[status] ?? 0) !== (byStatus[status] ?? 0))
      problems.push(`stats: ${stats.events.byStatus[status] ?? 0} ${status}, the list has ${byStatus[status] ?? 0}`);
  }
  if (stats.deadLetters.deliveries !== deadLetters.length)
    problems.push(`stats: ${stats.deadLetters.deliveries} dead deliveries, the dead-letter list has ${deadLetters.length}`);
  if (stats.pendingDeliveries !== 0) problems.push(`stats: ${stats.pendingDeliveries} deliveries still pending`);

  const held = {
    hubspot: records.hubspot.length,
    salesforce: records.salesforce.length,
    pipedrive: records.pipedrive.length,
    "sales-slack": new Set(records.slack.filter((m) => !m.alert).map((m) => m.eventId)).size,
    warehouse: new Set(records.receiver.filter((d) => d.verified).map((d) => d.webhookId)).size,
  };
  const faulted = {};
  // Faults answered while the gateway was being killed: the call happened, but the
  // process may have died before its attempt row was stored (the delivery is then
  // retried, and the lead still lands once: checkLeads checks that).
  const aroundStop = {};
  const nearStop = (r) => restartWindow !== undefined && r.at >= restartWindow.stoppingAt - recordLagMs && r.at <= restartWindow.stoppedAt;
  for (const [destination, fake] of Object.entries(destinationFake)) {
    // A HubSpot 429 holds the destination and is not an attempt (docs/connectors.md).
    const isHold = (r) => fake === "hubspot" && JSON.parse(r.fault).status === 429;
    const requests = (fakeRequests[fake] ?? []).filter((r) => r.fault && !isHold(r));
    // One call carries many leads: HubSpot's batch inputs, Salesforce's collection records.
    const weight = (r) => (fake === "hubspot" ? inputsIn(r.body) : fake === "salesforce" ? recordsIn(r.body) : 1);
    faulted[destination] = requests.reduce((sum, r) => sum + weight(r), 0);
    // The doomed leads' UNABLE_TO_LOCK_ROW: a per-record failure inside a 200, retryable, not a faulted request.
    if (fake === "salesforce") faulted[destination] += lockedSaves;
    aroundStop[destination] = requests.filter(nearStop).reduce((sum, r) => sum + weight(r), 0);
  }
  const table = [];
  for (const destination of Object.keys(destinationFake)) {
    const figures = stats.destinations[destination] ?? { attempts: 0, succeeded: 0, retryable: 0, failed: 0 };
    table.push({ destination, ...figures, held: held[destination], faulted: faulted[destination] });
    if (figures.succeeded !== held[destination])
      problems.push(`${destination}: ${figures.succeeded} successful attempts in stats, the fake holds ${held[destination]}`);
    // Salesforce refuses a doomed lead per record (UNABLE_TO_LOCK_ROW, retryable) inside
    // an answer that is not a fault: each dead one had at most its attempts of those.
    const perRecordRefusals = deadLetters
      .filter((d) => d.destinationId === destination && destinationFake[destination] === "salesforce")
      .reduce((sum, d) => sum + (d.attempts ?? 0), 0);
    const unrecorded = faulted[destination] - figures.retryable;
    if (unrecorded < -perRecordRefusals || unrecorded > aroundStop[destination]) {
      problems.push(
        `${destination}: ${figures.retryable} retryable attempts in stats, the fake answered ${faulted[destination]} with a fault (${aroundStop[destination]} of them while the gateway was being stopped)`,
      );
    }
    if (figures.failed !== 0) problems.push(`${destination}: ${figures.failed} permanently failed attempts (none expected)`);
  }
  return { problems, table };
}

function recordsIn(body) {
  try {
    return JSON.parse(body).records.length;
  } catch {
    return 1;
  }
}

function inputsIn(body) {
  try {
    return JSON.parse(body).inputs.length;
  } catch {
    return 1;
  }
}

function countBy(items, key) {
  const counts = new Map();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/**
 * Error-level lines the run is expected to cause: the doomed deliveries' dead
 * letters, and inbox flushes retried while the gateway restarts. Any other error
 * line is a failure the suite would otherwise only see as a delay.
 */
const expectedErrors = new Set(["dead letter", "inbox flush failed; will retry"]);

export function checkGatewayErrors(records) {
  return records
    .filter((r) => r.level === "error" && !expectedErrors.has(r.msg))
    .map((r) => `${r.time} ${r.msg}: ${shortError(String(r.error ?? r.reason ?? ""))}`);
}

/** A failed query's text is mostly placeholders: keep its start and say how many parameters it bound. */
function shortError(error) {
  const placeholders = (error.match(/\?/g) ?? []).length;
  if (!error.startsWith("Failed query:") || placeholders < 20) return error.slice(0, 300);
  return `${error.slice(0, error.indexOf("(") + 1)}…) with ${placeholders} bound parameters (D1 allows 100 per statement)`;
}
