// One end-to-end run: fresh local state, the CRM fakes and the gateway as real
// processes, a configuration over the admin API, thousands of signed leads with
// refusals, faults, a flood and a restart mixed in, a wait until everything is final,
// then everything the checks need, collected before the processes are stopped.
// Everything started here is stopped here, on success, failure or Ctrl-C.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { readFakeRecords, readFakeRequests } from "../../../scripts/lib/crm-records.mjs";
import { checkAnswers } from "../../../scripts/lib/e2e/checks.mjs";
import { crmFaultRound, doomSalesforceLead, postFault } from "../../../scripts/lib/e2e/crm-fault-round.mjs";
import { waitUntilFinal } from "../../../scripts/lib/e2e/drain.mjs";
import { buildScenario } from "../../../scripts/lib/e2e/scenario.mjs";
import { startStack } from "../../../scripts/lib/e2e/stack.mjs";
import { recordsIn } from "../../../scripts/tail/records.mjs";
import { root } from "../../../scripts/wrangler-env.mjs";
import { runTraffic } from "./traffic.mjs";

const say = (line) => process.stderr.write(`[e2e] ${line}\n`);
function int(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, not '${raw}'`);
  return Number(raw);
}

/** Settings, from E2E_* environment variables. */
export function settingsFromEnv() {
  const leads = int("E2E_LEADS", 2000);
  // Fewer leads leave too few for the flood (60), the doomed five and every route.
  if (leads < 150) throw new Error(`E2E_LEADS must be at least 150 (got ${leads})`);
  return {
    leads,
    // At least twice the flooded source's burst (25), so the flood must meet 429s.
    flood: int("E2E_FLOOD", Math.max(60, Math.round(leads * 0.05))),
    doomed: int("E2E_DOOMED", 5),
    seed: int("E2E_SEED", 20260427),
    restart: process.env.E2E_RESTART !== "0",
    concurrency: int("E2E_CONCURRENCY", 16),
    // The sweeper picks up what a restart dropped only after 5 minutes (src/queue/resend-stuck.ts).
    drainTimeoutMs: int("E2E_DRAIN_TIMEOUT_S", 480) * 1000,
    port: int("E2E_PORT", 0),
  };
}

/** Every Switchboard log record the gateway wrote (both starts), read once it has stopped. */
function gatewayRecords(logFile) {
  if (!existsSync(logFile)) return [];
  return recordsIn(readFileSync(logFile, "utf8"));
}

export async function runE2E(settings = settingsFromEnv()) {
  const t0 = Date.now();
  const runId = randomBytes(3).toString("hex");
  const workDir = path.join(root, ".e2e");
  const persistTo = path.join(workDir, "state");
  const logFile = path.join(workDir, "gateway.log");
  mkdirSync(workDir, { recursive: true });
  rmSync(logFile, { force: true });
  say(
    `run ${runId}: ${settings.leads} leads (flood ${settings.flood}, doomed ${settings.doomed}), seed ${settings.seed}, restart ${settings.restart ? "yes" : "no"}; state ${path.relative(root, persistTo)}, log ${path.relative(root, logFile)}`,
  );

  /** @type {{ stop: () => Promise<void>, fakes: Record<string, any> } | undefined} */
  let fakes;
  /** @type {ReturnType<typeof import("../../../scripts/lib/e2e/gateway.mjs").gatewayProcess> | undefined} */
  let gateway;
  const killNow = () => gateway?.killNow();
  const onSignal = (signal) => {
    killNow();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("exit", killNow);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    const { origins, admin, secrets, config } = await startStack({
      persistTo,
      logFile,
      port: settings.port,
      onFakes: (started) => (fakes = started),
      onGateway: (started) => (gateway = started),
    });
    const setupMs = Date.now() - t0;
    say(`gateway ${gateway.base} up with the configuration after ${(setupMs / 1000).toFixed(1)} s`);

    const scenario = buildScenario({ ...settings, runId, secrets, config });
    // Leads whose Salesforce upsert fails on every attempt (3): their delivery must die.
    const salesforceAttempts = config.destinations.find((d) => d.id === "salesforce").maxAttempts;
    const doomedLeads = scenario.leads.filter((l) => l.doomed);
    for (const lead of doomedLeads) await doomSalesforceLead(origins.salesforce, lead.email, salesforceAttempts);

    const floodOutcomes = new Map();
    let downtimeMs;
    /** When the gateway was being stopped: an attempt it made just then may have no record. */
    let restartWindow;
    const milestones = [
      ...crmFaultRound.map(({ at, fake, name, fault }) => ({ at, name, run: () => postFault(origins[fake], fault) })),
      {
        at: 0.6,
        name: `flood: ${scenario.flood.length} leads at once to ${scenario.flood[0]?.sourceId}`,
        run: async () => {
          const { outcomes } = await runTraffic(scenario.flood, gateway.base, { concurrency: 50 });
          for (const [key, outcome] of outcomes) floodOutcomes.set(key, outcome);
        },
      },
    ];
    if (settings.restart) {
      milestones.push({
        at: 0.35,
        name: "restart the gateway",
        run: async () => {
          const stopped = Date.now();
          say("stopping wrangler dev (process group) mid-run");
          await gateway.stop();
          restartWindow = { stoppingAt: stopped, stoppedAt: Date.now() };
          await gateway.start();
          downtimeMs = Date.now() - stopped;
          say(`gateway back after ${(downtimeMs / 1000).toFixed(1)} s`);
        },
      });
    }

    const sendStarted = Date.now();
    let lastShown = 0;
    const { outcomes, actions } = await runTraffic(scenario.requests, gateway.base, {
      concurrency: settings.concurrency,
      milestones,
      onProgress: (done, total) => {
        if (done - lastShown >= total / 10 || done === total) {
          lastShown = done;
          say(`sent ${done}/${total} (${((Date.now() - sendStarted) / 1000).toFixed(1)} s)`);
        }
      },
    });
    const sendMs = Date.now() - sendStarted;
    for (const [key, outcome] of floodOutcomes) outcomes.set(key, outcome);
    for (const action of actions) if (action.error) throw new Error(`milestone "${action.name}" failed: ${action.error}`);
    const allRequests = [...scenario.requests, ...scenario.flood];

    const { acceptedIdOf } = checkAnswers(allRequests, outcomes);
    const acceptedIds = new Set(acceptedIdOf.values());
    say(
      `sending done in ${(sendMs / 1000).toFixed(1)} s: ${acceptedIds.size} events accepted; waiting until all are final (at most ${settings.drainTimeoutMs / 1000} s)`,
    );
    const drain = await waitUntilFinal({ admin, gateway, expected: acceptedIds.size, timeoutMs: settings.drainTimeoutMs, log: say });
    say(drain.drained ? `all final ${(drain.ms / 1000).toFixed(1)} s after the last request` : `NOT drained after ${(drain.ms / 1000).toFixed(1)} s`);

    const [events, deadLetters, routingDeadLetters, stats, records, fakeRequests] = await Promise.all([
      admin.events(),
      admin.deadLetters("delivery"),
      admin.deadLetters("routing"),
      admin.stats(),
      readFakeRecords(origins),
      readFakeRequests(origins),
    ]);
    const faultsLeft = Object.fromEntries(
      await Promise.all(Object.entries(origins).map(async ([name, origin]) => [name, (await (await fetch(`${origin}/__fake/faults`)).json()).faults])),
    );
    return {
      runId,
      settings,
      scenario,
      requests: allRequests,
      outcomes,
      actions,
      events,
      deadLetters,
      routingDeadLetters,
      stats,
      records,
      fakeRequests,
      faultsLeft,
      drain,
      timings: { setupMs, sendMs, downtimeMs, drainMs: drain.ms },
      gatewayStarts: gateway.starts,
      restartWindow,
      /** Salesforce saves the fake refuses with UNABLE_TO_LOCK_ROW (each a retryable attempt). */
      lockedSaves: doomedLeads.length * salesforceAttempts,
      logFile,
      t0,
    };
  } finally {
    await gateway?.stop();
    await fakes?.stop();
    process.off("exit", killNow);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export { gatewayRecords };
