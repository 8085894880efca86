// `npm run test:e2e` (second part): a routing experiment end to end. The gateway runs
// under `wrangler dev` with the CRM fakes; leads go in as signed webhooks to a route
// that splits them 50/50 between two arms; the test then reads each lead's arm back
// through the admin API, reports outcomes through an outcome source (generic signed
// JSON) for a known share of each arm — 40% of arm A qualified, 10% of arm B — and
// checks that GET /admin/v1/stats reports exactly those shares, and calls the
// difference real. Settings: E2E_EXPERIMENT_LEADS (400).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadFakes } from "../../scripts/fakes.mjs";
import { adminApi } from "../../scripts/lib/admin-api.mjs";
import { freshState, gatewayProcess } from "../../scripts/lib/e2e/gateway.mjs";
import { freePort } from "../../scripts/lib/free-port.mjs";
import { sendLikeAProvider } from "../../scripts/lib/load-sender.mjs";
import { signatureHeaders } from "../../scripts/lib/sign-webhook.mjs";
import { root } from "../../scripts/wrangler-env.mjs";

const say = (line) => process.stderr.write(`[experiment] ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const leadCount = Number(process.env.E2E_EXPERIMENT_LEADS ?? 400);
/** The share of each arm's leads reported as qualified. */
const shares = { "ae-first": 0.4, "sdr-first": 0.1 };

const whsec = () => `whsec_${randomBytes(24).toString("base64")}`;

function experimentConfig(fakes, secrets) {
  return {
    sources: [
      {
        id: "forms",
        provider: "standard-webhooks",
        secrets: [secrets.forms],
        rate: { perSecond: 500, burst: 500 },
        mapping: { email: "email", company: "company" },
      },
      { id: "crm-outcomes", provider: "standard-webhooks", secrets: [secrets.outcomes], kind: "outcomes", outcomes: { format: "generic" } },
    ],
    pools: [
      { id: "ae", members: [{ ownerId: "301" }, { ownerId: "302" }] },
      { id: "sdr", members: [{ ownerId: "401" }] },
    ],
    destinations: [{ id: "hubspot", type: "hubspot", token: fakes.hubspot.credentials.token, baseUrl: fakes.hubspot.url }],
    routes: [
      {
        id: "inbound",
        when: { always: true },
        actions: [{ upsert: { destination: "hubspot" } }],
        split: [
          { arm: "ae-first", weight: 50, actions: [{ assign: { pool: "ae" } }] },
          { arm: "sdr-first", weight: 50, actions: [{ assign: { pool: "sdr" } }] },
        ],
      },
    ],
  };
}

/** A signed Standard Webhooks request for `source`, re-signed on every retry. */
function signed(base, sourceId, secret, payload) {
  const body = JSON.stringify(payload);
  return sendLikeAProvider(base, {
    build: () => ({
      path: `/in/${sourceId}`,
      body,
      headers: {
        "content-type": "application/json",
        ...signatureHeaders({ provider: "standard-webhooks" }, secret, { body, deliveryId: `msg_${randomBytes(8).toString("hex")}` }),
      },
    }),
  });
}

async function inBatches(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function waitFor(what, check, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

describe("a 50/50 routing experiment, end to end (wrangler dev over real HTTP)", () => {
  const workDir = path.join(root, ".e2e", "experiment");
  let fakes;
  let gateway;
  let admin;
  let secrets;
  const arms = new Map();
  const owners = new Map();
  const reported = new Map();
  let stats;

  before(
    async () => {
      mkdirSync(workDir, { recursive: true });
      const persistTo = path.join(workDir, "state");
      const logFile = path.join(workDir, "gateway.log");
      rmSync(logFile, { force: true });
      freshState(persistTo);
      const { startFakes } = await loadFakes();
      fakes = await startFakes();
      const token = randomBytes(24).toString("base64url");
      gateway = gatewayProcess({
        port: await freePort(),
        persistTo,
        logFile,
        vars: { ADMIN_TOKEN: token, CONFIG_KEY: randomBytes(32).toString("base64url"), ALLOW_HTTP_DESTINATIONS: "true" },
      });
      await gateway.start();
      admin = adminApi(gateway.base, token);
      secrets = { forms: whsec(), outcomes: whsec() };
      await admin.putConfig(experimentConfig(fakes.fakes, secrets));

      say(`sending ${leadCount} leads`);
      const emails = Array.from({ length: leadCount }, (_, i) => `lead${String(i).padStart(4, "0")}@company${i}.example`);
      await inBatches(emails, 16, async (email) => {
        const answer = await signed(gateway.base, "forms", secrets.forms, { email, company: `Company ${email.slice(4, 8)}` });
        assert.equal(answer.status, 202, `lead ${email}: ${JSON.stringify(answer)}`);
      });
      const routed = await waitFor("every lead routed", async () => {
        const events = await admin.events({ source: "forms" });
        return events.length === leadCount && events.every((e) => e.arm) ? events : undefined;
      });
      for (const event of routed) {
        arms.set(event.email, event.arm);
        owners.set(event.email, event.ownerId);
      }

      // Outcomes for a known share of each arm: the first k of its leads, by email.
      const byArm = Object.fromEntries(
        Object.keys(shares).map((arm) => [
          arm,
          [...arms]
            .filter(([, a]) => a === arm)
            .map(([e]) => e)
            .sort(),
        ]),
      );
      for (const [arm, list] of Object.entries(byArm))
        reported.set(arm, { leads: list.length, qualified: list.slice(0, Math.round(list.length * shares[arm])) });
      const reports = [...reported.values()].flatMap((r) => r.qualified.map((email) => ({ email, outcome: "qualified" })));
      say(`reporting ${reports.length} outcomes (${[...reported].map(([arm, r]) => `${arm}: ${r.qualified.length} of ${r.leads}`).join(", ")})`);
      const chunks = [];
      for (let i = 0; i < reports.length; i += 50) chunks.push(reports.slice(i, i + 50));
      await inBatches(chunks, 4, async (chunk) => {
        const answer = await signed(gateway.base, "crm-outcomes", secrets.outcomes, chunk);
        assert.equal(answer.status, 202, JSON.stringify(answer));
      });
      await waitFor("every outcome report recorded", async () => {
        const events = await admin.events({ source: "crm-outcomes" });
        return events.length === chunks.length && events.every((e) => e.status === "recorded");
      });
      stats = await admin.stats();
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await gateway?.stop();
    await fakes?.stop();
  });

  it("splits the leads about 50/50, each lead in one arm with its arm's owners", () => {
    const counts = Object.fromEntries(Object.keys(shares).map((arm) => [arm, [...arms.values()].filter((a) => a === arm).length]));
    say(`arms: ${JSON.stringify(counts)}`);
    assert.equal(counts["ae-first"] + counts["sdr-first"], leadCount);
    // 4 standard deviations of a fair binomial split.
    assert.ok(Math.abs(counts["ae-first"] - leadCount / 2) < 4 * Math.sqrt(leadCount / 4), JSON.stringify(counts));
    const armOwners = { "ae-first": ["301", "302"], "sdr-first": ["401"] };
    for (const [email, arm] of arms) assert.ok(armOwners[arm].includes(owners.get(email)), `${email} in ${arm} owned by ${owners.get(email)}`);
  });

  it("reports each arm's leads and its qualified share exactly", () => {
    const byArm = stats.kpis.byArm.inbound ?? {};
    for (const [arm, expected] of reported) {
      const row = byArm[arm];
      assert.ok(row, `no KPI row for arm ${arm}: ${JSON.stringify(stats.kpis.byArm)}`);
      assert.equal(row.leads, expected.leads, `leads of ${arm}`);
      assert.equal(row.outcomes.qualified.leads, expected.qualified.length, `qualified in ${arm}`);
      assert.equal(row.outcomes.qualified.rate, expected.qualified.length / expected.leads, `qualified share of ${arm}`);
      assert.equal(row.outcomes.won.leads, 0);
      say(
        `${arm}: ${row.outcomes.qualified.leads} of ${row.leads} qualified (${(100 * row.outcomes.qualified.rate).toFixed(1)} %), webhook → CRM p50 ${row.webhookToCrmMs?.p50} ms`,
      );
    }
  });

  it("compares the arms and calls a 40% vs 10% difference real", () => {
    const experiment = stats.experiments.find((e) => e.experiment === "inbound");
    assert.ok(experiment, JSON.stringify(stats.experiments));
    assert.equal(experiment.control, "ae-first");
    const comparison = experiment.arms.find((a) => a.arm === "sdr-first")?.outcomes.qualified.vsControl;
    assert.ok(comparison, JSON.stringify(experiment));
    assert.equal(comparison.significant, true, JSON.stringify(comparison));
    assert.ok(comparison.pValue < 0.001, JSON.stringify(comparison));
    say(`verdict: ${JSON.stringify(comparison)}`);
  });
});
