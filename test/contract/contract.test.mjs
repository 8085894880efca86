// `npm run test:contract`: the contract check (`npm run contract`) run as an operator
// runs it, against the local fakes instead of real CRM accounts. The fakes are as
// strict as the APIs they stand for, so a pass here says the connector, the read-back
// and the clean-up calls agree with the CRM's documented contract.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadFakes } from "../../scripts/fakes.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = mkdtempSync(path.join(tmpdir(), "contract-"));
let startFake;

before(async () => {
  ({ startFake } = await loadFakes());
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node scripts/contract.mjs …` without blocking this process, which serves the fakes. */
function contract(args, env = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, "scripts", "contract.mjs"), ...args],
      { cwd: root, env: { ...process.env, ALLOW_HTTP_DESTINATIONS: "true", ...env } },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

function documentWith(destinations) {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ destinations }));
  return file;
}

async function records(fake) {
  return (await fetch(`${fake.origin}/__fake/records`)).json();
}

const passed = (stdout) =>
  stdout
    .split("\n")
    .filter((line) => line.trimStart().startsWith("PASS"))
    .map((line) => line.trim().split(/\s{2,}/)[1]);

describe("npm run contract against the fakes", () => {
  it("HubSpot: every step passes and nothing is left in the portal", async () => {
    const fake = await startFake("hubspot");
    try {
      const config = documentWith([{ id: "crm", type: "hubspot", token: fake.credentials.token, baseUrl: fake.url }]);
      const run = await contract(["crm", "--config", config]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(passed(run.stdout), ["destination", "create", "read back created", "update", "read back updated", "refused input", "clean up"]);
      assert.match(run.stdout, /bad lead: permanent: HTTP 400 VALIDATION_ERROR/);
      assert.match(run.stdout, /7 passed, 0 failed/);
      assert.deepEqual(await records(fake), []);
    } finally {
      await fake.close();
    }
  });

  it("Pipedrive: the token from the environment when the document has it masked; person and lead deleted", async () => {
    const fake = await startFake("pipedrive");
    try {
      const config = documentWith([{ id: "crm", type: "pipedrive", apiToken: "••••cdef", baseUrl: fake.url }]);
      const run = await contract(["crm", "--config", config], { CONTRACT_API_TOKEN: fake.credentials.apiToken });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(passed(run.stdout), [
        "destination",
        "create",
        "read back created",
        "update",
        "read back updated",
        "refused input",
        "clean up",
        "clean up",
      ]);
      assert.match(run.stdout, /bad lead: permanent: HTTP 400 ERR_SCHEMA_VALIDATION_FAILED/);
      assert.deepEqual(await records(fake), { persons: [], leads: [] });
    } finally {
      await fake.close();
    }
  });

  it("Salesforce: a connected app's tokens expiring every few calls, secrets from the environment; the record deleted", async () => {
    const fake = await startFake("salesforce", { tokenLifetimeCalls: 3 });
    try {
      const { tokenUrl, clientId, clientSecret, refreshToken, externalIdField } = fake.credentials;
      const config = documentWith([
        { id: "crm", type: "salesforce", auth: { type: "refresh_token", tokenUrl, clientId, clientSecret: "••••", refreshToken: "••••" }, externalIdField },
      ]);
      const run = await contract(["crm", "--config", config], { CONTRACT_AUTH_CLIENT_SECRET: clientSecret, CONTRACT_AUTH_REFRESH_TOKEN: refreshToken });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(passed(run.stdout), ["destination", "create", "read back created", "update", "read back updated", "refused input", "clean up"]);
      assert.match(run.stdout, /bad lead: permanent: .*INVALID_EMAIL_ADDRESS/);
      assert.deepEqual(await records(fake), []);
      const tokenRequests = (await (await fetch(`${fake.origin}/__fake/requests`)).json()).filter((r) => r.path === "/services/oauth2/token");
      assert.ok(tokenRequests.length >= 2, `the token expired and was refreshed: ${tokenRequests.length} token requests`);
    } finally {
      await fake.close();
    }
  });

  it("a read-back the CRM fails is a FAIL with exit status 1, and what was written is still cleaned up", async () => {
    const fake = await startFake("hubspot");
    try {
      await fetch(`${fake.origin}/__fake/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ status: 503, method: "GET", path: "/crm/v3/objects/contacts/" }),
      });
      const config = documentWith([{ id: "crm", type: "hubspot", token: fake.credentials.token, baseUrl: fake.url }]);
      const run = await contract(["crm", "--config", config]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /FAIL {2}read back created +HTTP 503/);
      assert.match(run.stdout, /PASS {2}clean up +contact \d+ archived/);
      assert.doesNotMatch(run.stdout, /update/);
      assert.deepEqual(await records(fake), []);
    } finally {
      await fake.close();
    }
  });

  it("refuses what it cannot check: a masked secret without its variable, a non-CRM destination, no arguments", async () => {
    const masked = documentWith([
      { id: "crm", type: "hubspot", token: "••••oken" },
      { id: "chat", type: "slack", url: "https://hooks.slack.com/services/T/B/x" },
    ]);
    const secret = await contract(["crm", "--config", masked]);
    assert.equal(secret.code, 1);
    assert.match(secret.stdout, /FAIL {2}destination +token is masked in the document: set CONTRACT_TOKEN/);
    const slack = await contract(["chat", "--config", masked]);
    assert.equal(slack.code, 1);
    assert.match(slack.stdout, /type slack: the contract check covers CRM destinations only/);
    const usage = await contract([]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: npm run contract/);
  });
});
