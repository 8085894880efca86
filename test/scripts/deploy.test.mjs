// `npm run deploy`: the plan, the dry run and the idempotent creation of resources,
// against a local stand-in for Cloudflare's API (fake-cloudflare-api.mjs). The dry
// run also runs wrangler's own `deploy --dry-run`, so the Worker must bundle.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";
import { cloudflareApi } from "../../scripts/deploy/cloudflare-api.mjs";
import { applyResources, planResources, requiredResources } from "../../scripts/deploy/resources.mjs";
import { collectSecrets } from "../../scripts/deploy/secrets.mjs";
import { setTomlValue } from "../../scripts/deploy/toml-ids.mjs";
import { startFakeCloudflareApi } from "./fake-cloudflare-api.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const token = "test-token";
const accountId = "0123456789abcdef0123456789abcdef";
const repoToml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
const config = unstable_readConfig({ config: path.join(root, "wrangler.toml") }, { hideWarnings: true });

/** Runs the CLI without blocking this process, which also serves the fake API it calls. */
function runDeploy(args, env = {}) {
  const clean = { ...process.env, CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ACCOUNT_ID: "", ...env };
  const child = spawn(process.execPath, [path.join(root, "scripts/deploy.mjs"), ...args], { cwd: root, env: clean, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

describe("npm run deploy --dry-run", () => {
  let fake;
  let configFile;
  before(async () => {
    fake = await startFakeCloudflareApi({
      token,
      accountId,
      state: {
        d1: [
          { name: "switchboard", uuid: "9f2c1e4a-1111-4222-8333-444455556666" },
          { name: "switchboard-old", uuid: "1f2c1e4a-1111-4222-8333-444455556666" },
        ],
        queues: [{ queue_name: "switchboard-routing", queue_id: "q1" }],
        secrets: { switchboard: [{ name: "ADMIN_TOKEN", type: "secret_text" }] },
      },
    });
    // A copy beside wrangler.toml, so the paths in it (main, migrations, assets) resolve.
    configFile = path.join(root, `wrangler.deploy-test-${process.pid}.toml`);
    writeFileSync(configFile, repoToml);
  });
  after(async () => {
    await fake.close();
    rmSync(configFile, { force: true });
  });

  it("without credentials, plans every resource as new, bundles, and changes nothing", async () => {
    const run = await runDeploy(["--dry-run"]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /the account is not read/);
    assert.match(run.stdout, /D1 database "switchboard" \(binding DB\): create, then write its id/);
    assert.match(run.stdout, /KV namespace "switchboard-CONFIG" \(binding CONFIG\): create/);
    for (const queue of ["switchboard-routing", "switchboard-deliveries", "switchboard-dead-letters"]) {
      assert.match(run.stdout, new RegExp(`Queue "${queue}": create`));
    }
    assert.match(run.stdout, /Secret CONFIG_KEY: missing/);
    assert.match(run.stdout, /Total Upload/, "wrangler deploy --dry-run ran and bundled the Worker");
    assert.match(run.stdout, /Dry run done: nothing was created/);
    assert.equal(readFileSync(path.join(root, "wrangler.toml"), "utf8"), repoToml);
  });

  it("with credentials, reads the account, plans only what is missing, and only reads", async () => {
    const run = await runDeploy(["--dry-run", "--config", configFile], {
      CLOUDFLARE_API_TOKEN: token,
      CLOUDFLARE_ACCOUNT_ID: accountId,
      CLOUDFLARE_API_BASE_URL: fake.base,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /D1 database "switchboard" \(binding DB\): exists; write its id 9f2c1e4a-1111-4222-8333-444455556666/);
    assert.match(run.stdout, /Queue "switchboard-routing": exists/);
    assert.match(run.stdout, /Queue "switchboard-deliveries": create/);
    assert.match(run.stdout, /Secret ADMIN_TOKEN: set \(kept\)/);
    assert.match(run.stdout, /Secret CONFIG_KEY: missing/);
    assert.deepEqual(
      fake.calls.filter((call) => call.method !== "GET"),
      [],
      "a dry run makes no change on the account",
    );
    assert.equal(readFileSync(configFile, "utf8"), repoToml, "a dry run writes no id");
  });

  it("refuses a real run without credentials, with usage", async () => {
    const run = await runDeploy([]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID must be set/);
  });

  it("refuses an unknown flag with usage", async () => {
    const run = await runDeploy(["--dryrun"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /Usage: npm run deploy/);
  });
});

describe("creating the resources", () => {
  it("creates what is missing once, writes the ids, and creates nothing the second time", async () => {
    const fake = await startFakeCloudflareApi({ token, accountId });
    try {
      const api = cloudflareApi({ token, accountId, base: fake.base });
      const required = requiredResources(config);
      const first = await planResources(required, api);
      assert.deepEqual(
        first.map((step) => `${step.kind}:${step.name}:${step.action}`),
        [
          "D1 database:switchboard:create",
          "KV namespace:switchboard-CONFIG:create",
          "Queue:switchboard-routing:create",
          "Queue:switchboard-deliveries:create",
          "Queue:switchboard-dead-letters:create",
        ].concat(required.r2.map((bucket) => `R2 bucket:${bucket.name}:create`)),
      );
      const written = await applyResources(first, api, repoToml);
      const d1 = fake.account.d1[0].uuid;
      const kv = fake.account.kv[0].id;
      assert.match(written, new RegExp(`database_id = "${d1}"`));
      assert.match(written, new RegExp(`\\nid = "${kv}"`));
      assert.equal(written.split("\n").length, repoToml.split("\n").length, "only values change; comments and layout stay");
      const posts = fake.calls.filter((call) => call.method === "POST").length;
      assert.equal(posts, first.length);

      // Second run, with the ids now in the configuration: everything exists, nothing to write.
      const again = requiredResources({
        ...config,
        d1_databases: [{ ...config.d1_databases[0], database_id: d1 }],
        kv_namespaces: [{ ...config.kv_namespaces[0], id: kv }],
      });
      const second = await planResources(again, api);
      assert.ok(second.every((step) => step.action === "exists" && !step.writeId));
      assert.equal(await applyResources(second, api, written), written);
      assert.equal(fake.calls.filter((call) => call.method === "POST").length, posts, "no resource is created twice");
    } finally {
      await fake.close();
    }
  });

  it("stops on a refused token instead of planning creates", async () => {
    const fake = await startFakeCloudflareApi({ token, accountId });
    try {
      const api = cloudflareApi({ token: "wrong", accountId, base: fake.base });
      await assert.rejects(planResources(requiredResources(config), api), /10000 Authentication error/);
    } finally {
      await fake.close();
    }
  });
});

describe("wrangler.toml ids", () => {
  const toml = [
    "# a comment",
    "[[d1_databases]]",
    'binding = "DB" # the database',
    'database_id = "0000" # placeholder',
    "",
    "[[kv_namespaces]]",
    'binding = "CONFIG"',
    'id = "0000"',
  ].join("\n");

  it("sets the value in the matching block only, keeping comments", () => {
    const out = setTomlValue(toml, { table: "kv_namespaces", matchKey: "binding", matchValue: "CONFIG", key: "id", value: "abc" });
    assert.match(out, /id = "abc"/);
    assert.match(out, /database_id = "0000" # placeholder/);
    const db = setTomlValue(toml, { table: "d1_databases", matchKey: "binding", matchValue: "DB", key: "database_id", value: "uuid" });
    assert.match(db, /database_id = "uuid" # placeholder/);
  });

  it("names what is missing", () => {
    assert.throws(
      () => setTomlValue(toml, { table: "kv_namespaces", matchKey: "binding", matchValue: "OTHER", key: "id", value: "x" }),
      /no \[\[kv_namespaces\]\] with binding = "OTHER"/,
    );
  });
});

describe("secrets", () => {
  it("takes a secret from the environment, generates one otherwise, and refuses a short one", async () => {
    const lines = [];
    const given = "x".repeat(40);
    const values = await collectSecrets(["ADMIN_TOKEN", "CONFIG_KEY"], {
      interactive: false,
      env: { SWITCHBOARD_ADMIN_TOKEN: given },
      say: (line) => lines.push(line),
    });
    assert.equal(values.ADMIN_TOKEN, given);
    assert.ok(values.CONFIG_KEY.length >= 32);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /generated CONFIG_KEY/);
    await assert.rejects(
      collectSecrets(["ADMIN_TOKEN"], { interactive: false, env: { SWITCHBOARD_ADMIN_TOKEN: "short" }, say: () => {} }),
      /at least 32 characters/,
    );
  });

  it("asks for nothing the Worker already has", async () => {
    assert.deepEqual(await collectSecrets([], { interactive: false, env: {}, say: () => {} }), {});
  });
});
