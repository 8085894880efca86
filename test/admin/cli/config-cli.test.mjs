// The config CLI against a running gateway: `npm run test:cli` (node:test). It
// starts `wrangler dev` locally (no account, no network) with its own state in a
// temporary folder, then drives scripts/config-cli.mjs as an operator would.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { freePort } from "../../../scripts/lib/free-port.mjs";
import { startWranglerDev, waitForHttp, wrangler } from "../../../scripts/wrangler-env.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const token = "cli-test-admin-token-0123456789abcdef";
const work = mkdtempSync(path.join(os.tmpdir(), "switchboard-cli-"));
let url;
let server;

/** Runs the CLI as `npm run config -- …` would; returns its exit status and output. */
function cli(args, env = {}) {
  const result = spawnSync(process.execPath, [path.join(root, "scripts", "config-cli.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SWITCHBOARD_URL: url, SWITCHBOARD_ADMIN_TOKEN: token, ...env },
  });
  return { status: result.status, out: result.stdout, err: result.stderr };
}

async function api(method, pathname, body) {
  const response = await fetch(`${url}/admin/v1${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, etag: response.headers.get("etag"), json: await response.json() };
}

const file = (name, content) => {
  const target = path.join(work, name);
  writeFileSync(target, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return target;
};

const example = {
  sources: [
    {
      id: "typeform-leads",
      provider: "typeform",
      secrets: ["tf-secret-for-cli-test"],
      mapping: { email: "form_response.hidden.email", score: "$number(form_response.calculated.score)" },
    },
  ],
  pools: [{ id: "ae", members: [{ ownerId: "101" }, { ownerId: "102" }] }],
  destinations: [{ id: "hubspot", type: "hubspot", token: "pat-cli-test-0000" }],
  routes: [{ id: "hot", when: { field: "score", op: "gt", value: 80 }, actions: [{ assign: { pool: "ae" } }, { upsert: { destination: "hubspot" } }] }],
};

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // simulate reads D1 (earlier leads), so the schema must exist.
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", path.join(work, "state")], { quiet: true });
  server = startWranglerDev({
    port,
    persistTo: path.join(work, "state"),
    stdio: "ignore",
    vars: { ADMIN_TOKEN: token, CONFIG_KEY: "cli-test-config-key-0123456789" },
  });
  await waitForHttp(`${url}/healthz`, 90_000);
});

after(() => {
  server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("npm run config", () => {
  it("check: accepts a valid YAML file offline", () => {
    const result = cli(["check", file("good.yaml", YAML.stringify(example))]);
    assert.equal(result.status, 0, result.err);
    assert.match(result.out, /valid \(1 sources, 1 pools, 1 destinations, 1 routes\)/);
  });

  it("check: lists every problem with its pointer and exits 1", () => {
    /** @type {any} A document made wrong on purpose. */
    const bad = structuredClone(example);
    bad.sources[0].mapping.email = "form_response.(";
    bad.routes[0].actions[0].assign.pool = "ghost";
    bad.routes.push({ id: "hot", when: { always: true }, actions: [] });
    const result = cli(["check", file("bad.json", bad)]);
    assert.equal(result.status, 1);
    assert.match(result.err, /\/sources\/0\/mapping\/email: /);
    assert.match(result.err, /\/routes\/0\/actions\/0\/assign\/pool: no pool has the id 'ghost'/);
    assert.match(result.err, /\/routes\/1\/id: duplicate id 'hot'/);
  });

  it("diff and push: prints what changes, pushes it as a new version", async () => {
    const target = file("config.yaml", YAML.stringify(example));
    const diff = cli(["diff", target]);
    assert.equal(diff.status, 0, diff.err);
    assert.match(diff.out, /against version 0/);
    assert.match(diff.out, /sources: \+typeform-leads/);
    assert.match(diff.out, /routes: \+hot/);

    const push = cli(["push", target]);
    assert.equal(push.status, 0, push.err);
    assert.match(push.out, /pushed: version 1/);
    const active = await api("GET", "/config");
    assert.equal(active.etag, '"1"');
    assert.deepEqual(active.json.sources[0].secrets, ["••••test"]);

    const again = cli(["push", target]);
    assert.match(again.out, /no changes/);
    assert.match(again.out, /nothing to push/);
  });

  it("pull: writes the active configuration with secrets masked; pushing it back keeps them", async () => {
    const pulled = path.join(work, "pulled.yaml");
    const pull = cli(["pull", pulled]);
    assert.equal(pull.status, 0, pull.err);
    assert.match(pull.out, /pulled version 1/);
    const document = YAML.parse(readFileSync(pulled, "utf8"));
    assert.deepEqual(document.sources[0].secrets, ["••••test"]);
    assert.equal(document.destinations[0].token, "••••0000");
    assert.doesNotMatch(readFileSync(pulled, "utf8"), /tf-secret-for-cli-test|pat-cli-test/);

    document.routes.push({ id: "rest", when: { always: true }, actions: [{ upsert: { destination: "hubspot" } }] });
    writeFileSync(pulled, YAML.stringify(document));
    const push = cli(["push", pulled]);
    assert.equal(push.status, 0, push.err);
    assert.match(push.out, /routes: \+rest/);
    assert.match(push.out, /routes\[rest\]: ∅ →/);
    assert.match(push.out, /pushed: version 2/);

    // The masked secret kept the real one: a payload signed with it verifies.
    const rawBody = JSON.stringify({ form_response: { hidden: { email: "a@b.io" }, calculated: { score: 90 } } });
    const signature = `sha256=${createHmac("sha256", "tf-secret-for-cli-test").update(rawBody).digest("base64")}`;
    const simulated = await api("POST", "/simulate", { source: "typeform-leads", rawBody, headers: { "typeform-signature": signature } });
    assert.equal(simulated.status, 200);
    assert.deepEqual(simulated.json.verification, { ok: true, secretIndex: 0 });
    assert.equal(simulated.json.routeId, "hot");
  });

  it("push: a document the gateway rejects changes nothing and prints the problems", async () => {
    /** @type {any} A document made wrong on purpose. */
    const bad = structuredClone(example);
    bad.destinations.push({ id: "pd", type: "pipedrive" });
    const result = cli(["push", file("no-secret.json", bad)]);
    assert.equal(result.status, 1);
    assert.match(result.err, /422/);
    assert.match(result.err, /\/destinations\/1\/apiToken: required/);
    assert.equal((await api("GET", "/config")).etag, '"2"');
  });

  it("rekey: re-seals every stored version under CONFIG_KEY, page by page, and says when the old key can go", async () => {
    const result = cli(["rekey"]);
    assert.equal(result.status, 0, result.err);
    // Both versions and the active one are already under this gateway's only key.
    assert.match(result.out, /rekeyed 0 stored versions \(3 already under CONFIG_KEY\)/);
    assert.match(result.out, /CONFIG_KEY_PREVIOUS can be removed/);
    assert.equal((await api("GET", "/config")).etag, '"2"');
  });

  it("fails clearly with a wrong token or an unreachable gateway", () => {
    const wrong = cli(["pull", path.join(work, "x.json")], { SWITCHBOARD_ADMIN_TOKEN: "nope" });
    assert.equal(wrong.status, 1);
    assert.match(wrong.err, /401/);
    const down = cli(["diff", path.join(work, "good.yaml")], { SWITCHBOARD_URL: "http://127.0.0.1:9" });
    assert.equal(down.status, 1);
    assert.match(down.err, /Cannot reach/);
  });
});

describe("GET /admin/docs under wrangler dev", () => {
  it("serves the reference page (HTTP Basic for browsers) and its script as a local asset", async () => {
    const challenge = await fetch(`${url}/admin/docs`);
    assert.equal(challenge.status, 401);
    assert.match(challenge.headers.get("www-authenticate") ?? "", /^Basic/);
    const page = await fetch(`${url}/admin/docs`, { headers: { authorization: `Basic ${btoa(`me:${token}`)}` } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /src="\/_assets\/scalar\/standalone\.js"/);
    const script = await fetch(`${url}/_assets/scalar/standalone.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type") ?? "", /javascript/);
    assert.ok((await script.arrayBuffer()).byteLength > 100_000);
  });
});
