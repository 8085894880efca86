// `npm run test:e2e`: Switchboard end to end. The CRM fakes and `wrangler dev` run as
// real processes on 127.0.0.1 with fresh local state (.e2e/, git-ignored); signed
// leads from four providers go in over HTTP with duplicates, bad signatures, oversized
// bodies, a flood, CRM faults and a gateway restart mixed in; then every accepted
// lead must be final, in its CRM exactly once or dead-lettered, and the admin stats
// must agree with what the fakes saw. Settings: E2E_LEADS (2000), E2E_SEED,
// E2E_RESTART=0, E2E_CONCURRENCY, E2E_DRAIN_TIMEOUT_S, E2E_PORT (see lib/run.mjs).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { checkAnswers, checkEventsFinal, checkGatewayErrors, checkLeads, checkStats } from "../../scripts/lib/e2e/checks.mjs";
import { assertNone } from "./lib/assert-none.mjs";
import { gatewayRecords, runE2E } from "./lib/run.mjs";
import { answersTable, destinationsTable, figuresTable, seconds } from "./lib/summary.mjs";

describe("Switchboard end to end (wrangler dev over real HTTP)", () => {
  let run;
  let answers;
  let leads;
  let stats;
  let errors;

  before(
    async () => {
      run = await runE2E();
      answers = checkAnswers(run.requests, run.outcomes);
      const refusedEmails = run.requests
        .filter((r) => !["lead", "flood", "duplicate"].includes(r.kind))
        .map((r) => /"email":"([^"]+)"/.exec(r.body)?.[1])
        .filter(Boolean);
      leads = checkLeads({
        leads: run.scenario.leads,
        acceptedIdOf: answers.acceptedIdOf,
        events: run.events,
        deadLetters: run.deadLetters,
        records: run.records,
        refusedEmails,
      });
      stats = checkStats(run);
      const records = gatewayRecords(run.logFile);
      const sweeps = records.filter((r) => r.msg.startsWith("sweeper"));
      errors = checkGatewayErrors(records);
      const attempts = [...run.outcomes.values()].flatMap((o) => o.attempts);
      const byStatus = run.stats.events.byStatus;
      console.log(`\n${answersTable(run.requests, run.outcomes)}\n`);
      console.log(`${destinationsTable(stats.table)}\n`);
      console.log(
        `${figuresTable({
          "leads sent": run.scenario.leads.length,
          "accepted (events)": new Set(answers.acceptedIdOf.values()).size,
          "  of which first answer lost in the restart": answers.acceptedInRestart.length,
          "in their CRM": leads.figures.inCrm,
          "dead-lettered (CRM delivery)": leads.figures.dead,
          "invalid (no usable email)": leads.figures.invalid,
          "doubled in a CRM": leads.figures.doubled,
          "duplicates answered 200": run.requests.filter((r) => r.kind === "duplicate" && run.outcomes.get(r.key)?.status === 200).length,
          "429s sent to senders": attempts.filter((a) => a.status === 429).length,
          "attempts refused while down (or 5xx)": attempts.filter((a) => a.error !== undefined || (a.status ?? 0) >= 500).length,
          "events by status": Object.entries(byStatus)
            .map(([s, n]) => `${s} ${n}`)
            .join(", "),
          "dead letters (deliveries, routing)": `${run.deadLetters.length}, ${run.routingDeadLetters.length}`,
          "slack repeats / forward repeats": `${leads.figures.slackRepeats} / ${leads.figures.forwardRepeats}`,
          "alerts in Slack (dead letters, thresholds)": run.records.slack.filter((m) => m.alert).length,
          "sweeper re-sent (events, deliveries)": `${sweeps.filter((l) => l.msg.includes("stuck events")).reduce((n, l) => n + l.count, 0)}, ${sweeps.filter((l) => l.msg.includes("stalled deliveries")).reduce((n, l) => n + l.count, 0)}`,
          "end-to-end latency p50 / p99": `${run.stats.latency.endToEndMs.p50 ?? "—"} / ${run.stats.latency.endToEndMs.p99 ?? "—"} ms`,
          "setup (migrations, fakes, wrangler dev)": seconds(run.timings.setupMs),
          sending: seconds(run.timings.sendMs),
          "restart downtime": seconds(run.timings.downtimeMs),
          "time to drain (after the last request)": `${seconds(run.timings.drainMs)}${run.drain.drained ? "" : " (timed out)"}`,
          "cron (sweeper) runs": run.drain.cronRuns,
          "unexpected error lines in the gateway log": errors.length,
          total: seconds(Date.now() - run.t0),
        })}\n`,
      );
    },
    { timeout: 20 * 60_000 },
  );

  it("answers each request as its kind calls for: 202, 200 duplicate, 401, 413, 404, 400; 429 with Retry-After", () => {
    assertNone(answers.problems, "wrong answers");
  });

  it("accounts for every 2xx: each accepted event is final, and there are no others", () => {
    assert.ok(run.drain.drained, `events still open after ${seconds(run.drain.ms)}: ${JSON.stringify(run.stats.events.byStatus)}`);
    assertNone(checkEventsFinal(new Set(answers.acceptedIdOf.values()), run.events), "unaccounted events");
  });

  it("puts every accepted lead in its route's CRM exactly once, with its owner, or dead-letters the delivery", () => {
    assertNone(leads.problems, "lead problems");
  });

  it("reports stats that agree with the event list and with what the fakes saw", () => {
    assertNone(stats.problems, "disagreements");
  });

  it("logs no unexpected errors (anything but the doomed dead letters and retried inbox flushes)", () => {
    assertNone(errors, `unexpected error lines in ${run.logFile}`);
  });

  it("met every fault it was meant to: the flood was throttled, the CRM faults were used up, the gateway restarted", () => {
    const floodAttempts = run.scenario.flood.flatMap((r) => run.outcomes.get(r.key)?.attempts ?? []);
    assert.ok(
      floodAttempts.some((a) => a.status === 429),
      "the flood never got a 429",
    );
    const left = Object.entries(run.faultsLeft).filter(([, faults]) => faults.length > 0);
    assert.deepEqual(left, [], "injected faults that no request used");
    if (run.settings.restart) assert.equal(run.gatewayStarts, 2, "the gateway should have been started twice");
  });
});
