// `npm run soak`: the gateway under `wrangler dev` for SOAK_MINUTES (30) at a steady
// SOAK_RATE (20) signed leads per second from four providers, with the e2e suite's
// faults mixed in (duplicates, bad signatures and other refusals, CRM 5xx and 429 +
// Retry-After, repeated every SOAK_FAULT_EVERY_S). Each minute it prints the RSS of
// wrangler dev's processes and the running counts; at the end it drains (bounded),
// runs the e2e checks (nothing lost, nothing doubled), prints a summary and replaces
// the "Soak" section of docs/benchmarks.md. Not part of `npm test`: it takes long.
// Fresh state under .bench/soak (git-ignored); 127.0.0.1 only; everything it starts
// is stopped on exit or Ctrl-C (wrangler by process group). See scripts/soak/settings.mjs.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describeMachine } from "./bench/machine.mjs";
import { readFakeRecords, readFakeRequests } from "./lib/crm-records.mjs";
import { writeSection } from "./lib/doc-section.mjs";
import { checkAnswers, checkEventsFinal, checkGatewayErrors, checkLeads, checkStats } from "./lib/e2e/checks.mjs";
import { crmFaultRound, doomSalesforceLead, postFault } from "./lib/e2e/crm-fault-round.mjs";
import { waitUntilFinal } from "./lib/e2e/drain.mjs";
import { buildScenario } from "./lib/e2e/scenario.mjs";
import { startStack } from "./lib/e2e/stack.mjs";
import { loadSender } from "./lib/load-sender.mjs";
import { answerCounts, deliveredCounts, deliveredIn, gatewayCounts, minuteLine } from "./soak/counts.mjs";
import { memorySummary, sampleGroup } from "./soak/memory.mjs";
import { figuresText, memoryTable, soakMarkdown } from "./soak/report.mjs";
import { defaultMinutes, soakSettings } from "./soak/settings.mjs";
import { recordsIn } from "./tail/records.mjs";
import { root } from "./wrangler-env.mjs";

const say = (line) => process.stdout.write(`[soak] ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One minute of traffic: an e2e scenario of rate×60 leads, its keys made unique to the minute. */
function minuteScenario({ minute, settings, runId, secrets, config }) {
  const perMinute = settings.rate * 60;
  const scenario = buildScenario({
    leads: perMinute,
    flood: 0, // the flood is a burst, not a steady load; the soak keeps the rate steady
    doomed: settings.doomedPerMinute,
    seed: settings.seed + minute,
    runId: `${runId}m${minute}`,
    firstIndex: minute * perMinute,
    secrets,
    config,
  });
  // Refused and duplicate keys restart at 0 in every scenario; lead keys already differ.
  const prefix = (key) => (key && !key.startsWith("L") ? `m${minute}-${key}` : key);
  for (const request of scenario.requests) {
    request.key = prefix(request.key);
    request.originalKey = prefix(request.originalKey);
  }
  return scenario;
}

async function main() {
  const settings = soakSettings();
  const runId = randomBytes(3).toString("hex");
  const workDir = path.join(root, ".bench", "soak");
  const persistTo = path.join(workDir, "state");
  const logFile = path.join(workDir, "gateway.log");
  mkdirSync(workDir, { recursive: true });
  rmSync(logFile, { force: true });
  const loadBefore = os.loadavg()[0];
  const date = new Date().toISOString();
  say(
    `run ${runId}: ${settings.minutes} min at ${settings.rate} leads/s, seed ${settings.seed}; state ${path.relative(root, persistTo)}, log ${path.relative(root, logFile)}`,
  );

  /** @type {{ stop: () => Promise<void>, fakes: Record<string, any> } | undefined} */
  let fakes;
  /** @type {ReturnType<typeof import("./lib/e2e/gateway.mjs").gatewayProcess> | undefined} */
  let gateway;
  let stopping = false;
  const killNow = () => gateway?.killNow();
  const onSignal = (signal) => {
    // Synchronous: the group goes now; the fakes live in this process and end with it.
    stopping = true;
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
    say(`gateway ${gateway.base} up (wrangler pid ${gateway.pid}), configuration loaded`);

    const sender = loadSender(gateway.base, { retry: true, maxInFlight: settings.maxInFlight });
    const scenarios = [];
    const samples = [sampleGroup(gateway.pid)];
    const minuteLines = [];
    const t0 = Date.now();
    let faultRounds = 0;

    // Beside the traffic: every minute a sample and the cron; the fault rounds on their own clock.
    const sampleMinute = async () => {
      const memory = sampleGroup(gateway.pid);
      samples.push(memory);
      gateway.cron().catch((error) => say(`cron failed: ${error.message}`));
      const [delivered, counts] = await Promise.all([deliveredCounts(origins), gatewayCounts(admin)]);
      const line = minuteLine({
        elapsedMs: Date.now() - t0,
        progress: sender.progress(),
        answers: answerCounts(sender.outcomes),
        delivered,
        gateway: counts,
        memory,
      });
      minuteLines.push(line);
      say(line);
    };
    const faultTimers = [];
    const scheduleFaults = () => {
      for (let at = 0; at < settings.minutes * 60; at += settings.faultEverySeconds) {
        for (const step of crmFaultRound) {
          const delay = (at + step.at * settings.faultEverySeconds) * 1000;
          faultTimers.push(
            setTimeout(() => {
              if (step === crmFaultRound[0]) faultRounds += 1;
              postFault(origins[step.fake], step.fault).catch((error) => say(`fault ${step.name} failed: ${error.message}`));
            }, delay),
          );
        }
      }
    };
    scheduleFaults();

    for (let minute = 0; minute < settings.minutes && !stopping; minute++) {
      const scenario = minuteScenario({ minute, settings, runId, secrets, config });
      scenarios.push(scenario);
      // Doomed leads: their Salesforce save fails (UNABLE_TO_LOCK_ROW) on every attempt, so the delivery dies.
      const attempts = config.destinations.find((d) => d.id === "salesforce").maxAttempts;
      for (const lead of scenario.leads.filter((l) => l.doomed)) {
        await doomSalesforceLead(origins.salesforce, lead.email, attempts);
      }
      await sender.paced(scenario.requests, { startAt: t0 + minute * 60_000, spanMs: 60_000, stopped: () => stopping });
      // paced() returns once the minute's last request is launched, just before the minute ends.
      const end = t0 + (minute + 1) * 60_000;
      if (end > Date.now()) await sleep(end - Date.now());
      await sampleMinute();
    }
    for (const timer of faultTimers) clearTimeout(timer);
    await sender.settle();
    const sendMs = Date.now() - t0;

    const requests = scenarios.flatMap((s) => s.requests);
    const leads = scenarios.flatMap((s) => s.leads);
    const answers = checkAnswers(requests, sender.outcomes);
    const acceptedIds = new Set(answers.acceptedIdOf.values());
    say(`traffic done: ${requests.length} requests, ${acceptedIds.size} events accepted; draining (at most ${settings.drainTimeoutMs / 1000} s)`);
    const drain = await waitUntilFinal({ admin, gateway, expected: acceptedIds.size, timeoutMs: settings.drainTimeoutMs, log: say });
    samples.push(sampleGroup(gateway.pid));

    const [events, deadLetters, stats, records, fakeRequests] = await Promise.all([
      admin.events(),
      admin.deadLetters("delivery"),
      admin.stats(),
      readFakeRecords(origins),
      readFakeRequests(origins),
    ]);
    await gateway.stop();

    // The same verdicts as `npm run test:e2e`, over the whole soak.
    const refusedEmails = requests
      .filter((r) => !["lead", "flood", "duplicate"].includes(r.kind))
      .map((r) => /"email":"([^"]+)"/.exec(r.body)?.[1])
      .filter(Boolean);
    const leadCheck = checkLeads({ leads, acceptedIdOf: answers.acceptedIdOf, events, deadLetters, records, refusedEmails });
    const lockedSaves = leads.filter((l) => l.doomed).length * config.destinations.find((d) => d.id === "salesforce").maxAttempts;
    const statsCheck = checkStats({ stats, events, deadLetters, records, fakeRequests, lockedSaves });
    const problems = [
      ...answers.problems,
      ...checkEventsFinal(acceptedIds, events),
      ...leadCheck.problems,
      ...statsCheck.problems,
      ...checkGatewayErrors(recordsIn(readFileSync(logFile, "utf8"))).map((e) => `gateway log: ${e}`),
    ];
    if (!drain.drained) problems.unshift(`not drained after ${(drain.ms / 1000).toFixed(0)} s`);

    const result = {
      date,
      machine: describeMachine(),
      load: { before: loadBefore, after: os.loadavg()[0] },
      command: `${Object.entries(process.env)
        .filter(([k]) => k.startsWith("SOAK_"))
        .map(([k, v]) => `${k}=${v} `)
        .join("")}npm run soak`,
      settings,
      sent: requests.length,
      leads: leads.length,
      sendMs,
      maxLagMs: sender.progress().maxLagMs,
      answers: answerCounts(sender.outcomes),
      delivered: deliveredIn(records),
      figures: leadCheck.figures,
      deadLetters: deadLetters.length,
      faultRounds,
      drain,
      latency: stats.latency?.endToEndMs ?? {},
      problems,
      memory: memorySummary(samples),
      samples: samples.length,
      minuteLines,
    };
    say(`\n${figuresText(result)}\n`);
    say(`memory (RSS, MiB) of wrangler dev's process group, ${samples.length} samples:\n${memoryTable(result.memory)}\n`);
    if (problems.length)
      say(
        `${problems.length} PROBLEMS:\n${problems
          .slice(0, 25)
          .map((p) => `  - ${p}`)
          .join("\n")}${problems.length > 25 ? `\n  … and ${problems.length - 25} more` : ""}`,
      );
    else say("nothing lost, nothing doubled (e2e checks pass)");
    if (settings.writeDoc && !stopping) {
      writeSection(path.join(root, "docs", "benchmarks.md"), "Soak", soakMarkdown(result, { defaultMinutes }));
      say("wrote the Soak section of docs/benchmarks.md");
    }
    return problems.length === 0 ? 0 : 1;
  } finally {
    await gateway?.stop();
    await fakes?.stop();
    process.off("exit", killNow);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

let code = 1;
try {
  code = await main();
} catch (error) {
  say(`soak failed: ${error.stack ?? error}`);
}
process.exit(code);
