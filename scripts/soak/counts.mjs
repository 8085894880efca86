// The running counts printed every minute: what the senders got back (accepted,
// duplicates, refused by status, 429s met), what the fakes hold (delivered per CRM
// fake), and what the gateway says (dead letters, events not final yet).

import { readFakeRecords } from "../lib/crm-records.mjs";
import { finalStatuses } from "../lib/e2e/drain.mjs";

export function answerCounts(outcomes) {
  const counts = { accepted: 0, duplicate: 0, refused: {}, gaveUp: 0, r429: 0 };
  for (const outcome of outcomes.values()) {
    counts.r429 += outcome.attempts.filter((a) => a.status === 429).length;
    if (outcome.status === 202) counts.accepted += 1;
    else if (outcome.status === 200 && outcome.json?.status === "duplicate") counts.duplicate += 1;
    else if (outcome.status === undefined || outcome.error) counts.gaveUp += 1;
    else counts.refused[outcome.status] = (counts.refused[outcome.status] ?? 0) + 1;
  }
  return counts;
}

/** Records held by each fake: CRM records, Slack lead notices (not alerts), verified forwards. */
export async function deliveredCounts(origins) {
  return deliveredIn(await readFakeRecords(origins));
}

export function deliveredIn(records) {
  return {
    hubspot: records.hubspot.length,
    salesforce: records.salesforce.length,
    pipedrive: records.pipedrive.length,
    slack: records.slack.filter((m) => !m.alert).length,
    receiver: records.receiver.filter((d) => d.verified).length,
  };
}

export async function gatewayCounts(admin) {
  const stats = await admin.stats();
  const open = Object.entries(stats.events.byStatus)
    .filter(([status]) => !finalStatuses.has(status))
    .reduce((sum, [, n]) => sum + n, 0);
  return { events: stats.events.total, open, dead: stats.deadLetters.deliveries, pending: stats.pendingDeliveries };
}

const mib = (n) => Math.round(n);

/** One line per minute; everything on it is cumulative except memory. */
export function minuteLine({ elapsedMs, progress, answers, delivered, gateway, memory }) {
  const mm = String(Math.floor(elapsedMs / 60_000)).padStart(2, "0");
  const ss = String(Math.round((elapsedMs % 60_000) / 1000)).padStart(2, "0");
  const refused =
    Object.entries(answers.refused)
      .map(([s, n]) => `${s}×${n}`)
      .join(" ") || "none";
  const fakes = Object.entries(delivered)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const rss = memory.procs.map((p) => `${p.name}:${p.pid} ${mib(p.mib)}`).join(", ");
  return (
    `${mm}:${ss} sent ${progress.launched} (in flight ${progress.inFlight}, max lag ${(progress.maxLagMs / 1000).toFixed(1)} s) | ` +
    `accepted ${answers.accepted}, dup ${answers.duplicate}, refused ${refused}, 429s ${answers.r429}${answers.gaveUp ? `, GAVE UP ${answers.gaveUp}` : ""} | ` +
    `delivered ${fakes} | events ${gateway.events} (${gateway.open} open), dead ${gateway.dead}, pending ${gateway.pending} | RSS MiB ${rss}`
  );
}
