// The faulted CRM run: the gateway under `wrangler dev`, strict CRM fakes as real
// processes, and the scenarios issues 12 and 13 ask the end-to-end run to prove.
// First, alone, the isolation scenario (a catastrophic regex and a 1.4 MB lead, then
// 20 normal leads behind them, /healthz polled all along); then, together, a
// 100-lead HubSpot batch with one owner HubSpot does not know, five leads with one
// email to Pipedrive at once, Salesforce leads while its access tokens expire every
// few calls, and an outage longer than the retry budget followed by
// recovery and replay. Everything the checks need is collected before the processes
// stop; the verdicts are crm-faults-checks.mjs's.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { loadFakes } from "../../../scripts/fakes.mjs";
import { adminApi } from "../../../scripts/lib/admin-api.mjs";
import { readFakeRecords } from "../../../scripts/lib/crm-records.mjs";
import { waitUntilFinal } from "../../../scripts/lib/e2e/drain.mjs";
import { freshState, gatewayProcess } from "../../../scripts/lib/e2e/gateway.mjs";
import { freePort } from "../../../scripts/lib/free-port.mjs";
import { sendLikeAProvider } from "../../../scripts/lib/load-sender.mjs";
import { signatureHeaders } from "../../../scripts/lib/sign-webhook.mjs";
import { root } from "../../../scripts/wrangler-env.mjs";
import {
  batchLeads,
  bigLeadBytes,
  crmFaultsConfig,
  crmFaultsSecrets,
  evilCompany,
  healthzTimeoutMs,
  hubspotOwners,
  isolationBudgetMs,
  normalLeadsBehind,
  outageLeads,
  pipedriveSearchLagMs,
  pipedriveUsers,
  salesforceCountries,
  salesforceLeads,
  salesforceTokenLifetimeCalls,
  salesforceWaves,
  sameEmailLeads,
} from "./crm-faults-config.mjs";

const say = (line) => process.stderr.write(`[crm-faults] ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(500);
  }
}

async function control(origin, method, what, body) {
  const response = await fetch(`${origin}/__fake/${what}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${origin}/__fake/${what} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** Polls /healthz until stopped: every answer's status and time, or the error. */
function pollHealthz(base, everyMs = 250) {
  const polls = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(healthzTimeoutMs) });
        await response.arrayBuffer();
        polls.push({ at, status: response.status, ms: Date.now() - at });
      } catch (error) {
        polls.push({
          at,
          error: error.name === "TimeoutError" ? `no answer in ${healthzTimeoutMs} ms` : String(error.cause?.code ?? error),
          ms: Date.now() - at,
        });
      }
      await sleep(everyMs);
    }
  })();
  // Stopping twice is harmless (the run's `finally` stops it again on failure).
  return async () => {
    running = false;
    await loop;
    return polls;
  };
}

export async function runCrmFaults() {
  const t0 = Date.now();
  const runId = randomBytes(3).toString("hex");
  const workDir = path.join(root, ".e2e");
  const persistTo = path.join(workDir, "crm-faults-state");
  const logFile = path.join(workDir, "crm-faults.log");
  mkdirSync(workDir, { recursive: true });
  rmSync(logFile, { force: true });
  say(`run ${runId}: state ${path.relative(root, persistTo)}, log ${path.relative(root, logFile)}`);

  let fakes;
  let outageFake;
  let gateway;
  let stopPolling;
  const killNow = () => gateway?.killNow();
  process.on("exit", killNow);
  try {
    freshState(persistTo);
    const { startFakes, startFake } = await loadFakes();
    fakes = await startFakes({
      hubspot: { owners: hubspotOwners },
      pipedrive: { users: pipedriveUsers, searchLagMs: pipedriveSearchLagMs },
      // Tokens expire every few calls, and each refresh rotates the refresh token.
      salesforce: { tokenLifetimeCalls: salesforceTokenLifetimeCalls, rotateRefreshTokens: true },
    });
    outageFake = await startFake("hubspot", { owners: hubspotOwners });
    const origins = {
      hubspot: fakes.fakes.hubspot.origin,
      pipedrive: fakes.fakes.pipedrive.origin,
      salesforce: fakes.fakes.salesforce.origin,
      slack: fakes.fakes.slack.origin,
    };
    const token = randomBytes(24).toString("base64url");
    gateway = gatewayProcess({
      port: await freePort(),
      persistTo,
      logFile,
      vars: { ADMIN_TOKEN: token, CONFIG_KEY: randomBytes(32).toString("base64url"), ALLOW_HTTP_DESTINATIONS: "true", SWEEP_AFTER_SECONDS: "60" },
    });
    await gateway.start();
    const admin = adminApi(gateway.base, token);
    const secrets = crmFaultsSecrets();
    const config = crmFaultsConfig({ ...fakes.fakes, hubspotOutage: outageFake }, secrets);
    await admin.putConfig(config);
    const setupMs = Date.now() - t0;
    say(`gateway ${gateway.base} up with the configuration after ${(setupMs / 1000).toFixed(1)} s`);

    const source = config.sources[0];
    const send = (payload) => {
      const body = JSON.stringify(payload);
      const deliveryId = `msg_${randomUUID().replaceAll("-", "")}`;
      return sendLikeAProvider(gateway.base, {
        build: () => ({
          path: `/in/${source.id}`,
          body,
          headers: { "content-type": "application/json", ...signatureHeaders(source, secrets.forms, { body, deliveryId }) },
        }),
      });
    };
    const lead = (scenario, tag, extra = {}) => ({
      scenario,
      email: `${scenario}-${tag}.${runId}@${scenario}${tag}.example.com`,
      first_name: "Ada",
      last_name: `Lovelace ${tag}`,
      company: `Acme ${tag}`,
      country: "US",
      score: 60,
      ...extra,
    });
    /** Sends leads, all at once; each entry gets its event id (or the answer that refused it). */
    const sendAll = async (leads) =>
      Promise.all(
        leads.map(async (payload) => {
          const outcome = await send(payload);
          return { payload, status: outcome.status, eventId: outcome.status === 202 ? outcome.json?.id : undefined, answer: outcome.json ?? outcome.error };
        }),
      );
    const hubspotContacts = async (origin) => (await readFakeRecords({ hubspot: origin })).hubspot;

    // /healthz is polled from here to the end: no scenario may stall the isolate.
    stopPolling = pollHealthz(gateway.base);
    // ── 1. Isolation, alone: the bad leads first, then 20 normal ones behind them. ──
    const isolationStarted = Date.now();
    const badLeads = await sendAll([lead("isolation", "evil", { company: evilCompany }), lead("isolation", "big", { notes: "n".repeat(bigLeadBytes) })]);
    const behindStarted = Date.now();
    const behind = await sendAll(Array.from({ length: normalLeadsBehind }, (_, i) => lead("isolation", `n${String(i).padStart(2, "0")}`)));
    const behindEmails = new Set(behind.map((l) => l.payload.email.toLowerCase()));
    let behindLandedMs;
    try {
      behindLandedMs = await waitFor(
        `${normalLeadsBehind} leads behind the bad ones in HubSpot`,
        async () => {
          const landed = (await hubspotContacts(origins.hubspot)).filter((c) => behindEmails.has(c.email)).length;
          return landed === normalLeadsBehind ? Date.now() - behindStarted : undefined;
        },
        isolationBudgetMs,
      );
    } catch (error) {
      say(error.message);
    }
    const isolation = { badLeads, behind, behindLandedMs, ms: Date.now() - isolationStarted };
    say(
      `isolation: the ${normalLeadsBehind} leads behind ${behindLandedMs === undefined ? "did NOT all land" : `landed in ${(behindLandedMs / 1000).toFixed(1)} s`}`,
    );

    // ── 2. The CRM faults, together. ──
    // The outage starts before its leads: every call fails until recovery.
    await control(outageFake.origin, "POST", "faults", { status: 503, count: 10_000 });
    const batchPayloads = Array.from({ length: batchLeads }, (_, i) =>
      i === 57 ? lead("hubspot-batch", "departed", { company: "Departed Owner Inc" }) : lead("hubspot-batch", String(i).padStart(3, "0")),
    );
    const sharedEmail = `same-person.${runId}@pipedrive.example.com`;
    const samePayloads = Array.from({ length: sameEmailLeads }, (_, i) => lead("pipedrive", `same${i}`, { email: sharedEmail, last_name: `Same ${i}` }));
    const outagePayloads = Array.from({ length: outageLeads }, (_, i) => lead("outage", `o${i}`));
    const salesforcePayloads = Array.from({ length: salesforceLeads }, (_, i) =>
      lead("salesforce", `s${String(i).padStart(2, "0")}`, { country: salesforceCountries[i % salesforceCountries.length] }),
    );
    /** In waves a little apart, so the connector makes many calls and tokens expire mid-run. */
    const sendInWaves = async (payloads, waves) => {
      const sent = [];
      const size = Math.ceil(payloads.length / waves);
      for (let i = 0; i < payloads.length; i += size) {
        sent.push(...(await sendAll(payloads.slice(i, i + size))));
        await sleep(500);
      }
      return sent;
    };
    const faultsStarted = Date.now();
    const [batch, same, outage, salesforce] = await Promise.all([
      sendAll(batchPayloads),
      sendAll(samePayloads),
      sendAll(outagePayloads),
      sendInWaves(salesforcePayloads, salesforceWaves),
    ]);
    say(
      `sent ${batch.length} HubSpot batch leads, ${same.length} leads with one email to Pipedrive, ${outage.length} leads into a HubSpot outage, ${salesforce.length} Salesforce leads`,
    );

    // The outage outlasts the retry budget: wait for its dead letters (and their alerts), then recover.
    const outageIds = new Set(outage.map((o) => o.eventId).filter(Boolean));
    let outageLetters = [];
    try {
      outageLetters = await waitFor(
        "the outage's dead letters",
        async () => {
          const letters = (await admin.deadLetters("delivery")).filter((l) => outageIds.has(l.eventId));
          return letters.length >= outageIds.size ? letters : undefined;
        },
        120_000,
      );
    } catch (error) {
      say(error.message);
    }
    let outageAlerts = [];
    try {
      outageAlerts = await waitFor(
        "a Slack alert for each of the outage's dead letters",
        async () => {
          const alerts = (await readFakeRecords({ slack: origins.slack })).slack.filter((m) => m.alert && outageIds.has(m.eventId));
          return new Set(alerts.map((a) => a.eventId)).size >= outageIds.size ? alerts : undefined;
        },
        30_000,
      );
    } catch (error) {
      say(error.message);
    }
    const callsDuringOutage = (await control(outageFake.origin, "GET", "requests")).filter((r) => r.fault).length;
    await control(outageFake.origin, "DELETE", "faults");
    const recoveredAt = Date.now();
    const replays = [];
    for (const letter of outageLetters) replays.push(await admin.replay(letter.eventId));
    say(
      `outage: ${outageLetters.length} dead letters, ${outageAlerts.length} alerts, ${callsDuringOutage} calls refused; replayed ${replays.length} after recovery`,
    );

    const expected = badLeads.length + behind.length + batch.length + same.length + outage.length + salesforce.length + replays.length;
    const drain = await waitUntilFinal({ admin, gateway, expected, timeoutMs: 240_000, log: say });
    isolation.healthz = await stopPolling();
    say(drain.drained ? `all final ${((Date.now() - faultsStarted) / 1000).toFixed(1)} s after the faulted leads went out` : "NOT drained");

    const [events, deadLetters, records, outageRecords, outageRequests, hubspotRequests, pipedriveRequests, salesforceRecords, salesforceRequests] =
      await Promise.all([
        admin.events(),
        admin.deadLetters("delivery"),
        readFakeRecords(origins),
        hubspotContacts(outageFake.origin),
        control(outageFake.origin, "GET", "requests"),
        control(origins.hubspot, "GET", "requests"),
        control(origins.pipedrive, "GET", "requests"),
        // The raw records: the checks read `fields` (CountryCode, Country).
        control(origins.salesforce, "GET", "records"),
        control(origins.salesforce, "GET", "requests"),
      ]);
    const details = async (entries) => Promise.all(entries.filter((e) => e.eventId).map((e) => admin.event(e.eventId)));
    const departedDetail = await details(batch.filter((b) => b.payload.company === "Departed Owner Inc"));
    const replayDetails = await Promise.all(replays.map((r) => admin.event(r.id)));
    isolation.bigDetail = (await details(badLeads.filter((b) => b.payload.notes !== undefined)))[0];
    return {
      runId,
      isolation,
      batch,
      departedDetail: departedDetail[0],
      same,
      sharedEmail,
      salesforce: { leads: salesforce, records: salesforceRecords, requests: salesforceRequests },
      outage: {
        leads: outage,
        letters: outageLetters,
        alerts: outageAlerts,
        callsDuringOutage,
        recoveredAt,
        replays,
        replayDetails,
        records: outageRecords,
        requests: outageRequests,
      },
      events,
      deadLetters,
      records,
      hubspotRequests,
      pipedriveRequests,
      drain,
      logFile,
      timings: { setupMs, totalMs: Date.now() - t0 },
    };
  } finally {
    await stopPolling?.();
    await gateway?.stop();
    await fakes?.stop();
    await outageFake?.close();
    process.off("exit", killNow);
  }
}
