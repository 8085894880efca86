// The operator console in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core), against `wrangler dev` with the CRM fakes: sign in, find a lead
// by email, read its trace, replay a dead letter and see it reach a fake, roll back a
// configuration version, simulate. Every page is screenshotted into docs/screenshots.
// Run: npm run test:browser   (needs `apt-get install -y chromium`)
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startGateway } from "./lib/gateway.mjs";
import { adminApi, eventually, sendSigned, websiteSecret } from "./lib/webhooks.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const shots = path.join(root, "docs", "screenshots");
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// As TOOLCHAIN.md says: without the background-networking flags Chromium keeps trying to reach the network.
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function configDocument(fakes, hotThreshold) {
  return {
    sources: [
      {
        id: "website-signup",
        provider: "standard-webhooks",
        secrets: [websiteSecret],
        mapping: {
          email: "data.email",
          firstName: "data.first_name",
          lastName: "data.last_name",
          company: "data.company",
          country: "data.country",
          employees: "data.employees",
          score: "data.score",
        },
      },
    ],
    pools: [
      {
        id: "enterprise-ae",
        members: [
          { ownerId: "101", name: "Ada", weight: 2, dailyCap: 40 },
          { ownerId: "102", name: "Grace", weight: 1 },
        ],
      },
      {
        id: "smb-reps",
        strategy: "load_balanced",
        members: [
          { ownerId: "201", name: "Linus", dailyCap: 25 },
          { ownerId: "202", name: "Barbara" },
        ],
      },
    ],
    destinations: [
      { id: "hubspot", type: "hubspot", token: fakes.hubspot.credentials.token, baseUrl: fakes.hubspot.url },
      { id: "sales-slack", type: "slack", url: fakes.slack.url },
      // One attempt only, so a single injected fault turns a delivery into a dead letter.
      { id: "warehouse", type: "http", url: fakes.receiver.url, secret: fakes.receiver.credentials.secret, maxAttempts: 1 },
    ],
    routes: [
      {
        id: "hot",
        when: {
          all: [
            { field: "score", op: "gt", value: hotThreshold },
            { field: "country", op: "in", value: ["US", "CA", "GB", "DE"] },
          ],
        },
        actions: [{ assign: { pool: "enterprise-ae" } }, { upsert: { destination: "hubspot" } }, { notify: { destination: "sales-slack" } }],
      },
      {
        id: "warm",
        when: { all: [{ field: "score", op: "gte", value: 50 }] },
        actions: [{ assign: { pool: "smb-reps" } }, { upsert: { destination: "hubspot", properties: { lifecyclestage: "marketingqualifiedlead" } } }],
      },
      { id: "rest", when: { always: true }, actions: [{ forward: { destination: "warehouse" } }] },
    ],
    settings: { alertDestination: "sales-slack" },
  };
}

const lead = (email, score, extra = {}) => ({ type: "user.created", data: { email, score, country: "US", ...extra } });

let gw;
let api;
let context;
let page;
const external = [];
const cspViolations = [];
const events = {};

async function statusOf(id) {
  return (await api("GET", `/events/${id}`)).status;
}

async function settled(id) {
  return eventually(
    async () => {
      const status = await statusOf(id);
      return ["routed", "dead", "unmatched", "invalid", "partially_failed"].includes(status) ? status : undefined;
    },
    { what: `event ${id} to settle` },
  );
}

async function receiverRecords() {
  const response = await fetch(`${gw.fakes.receiver.origin}/__fake/records`);
  return response.json();
}

async function shot(name, target = page, { fullPage = true } = {}) {
  await target.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
}

/** The focused element's text and tag, for keyboard checks. */
function focused(target = page) {
  return target.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName ?? "", id: el?.id ?? "", text: (el?.textContent ?? "").trim(), outline: el ? getComputedStyle(el).outlineStyle : "" };
  });
}

/** Presses Tab until the focused element's text matches, like a keyboard user would (at most `limit` presses). */
async function tabTo(pattern, limit = 60) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const now = await focused();
    if (pattern.test(now.text)) return now;
  }
  throw new Error(`no element matching ${pattern} within ${limit} tabs`);
}

describe("operator console in Chromium", { timeout: 240_000 }, () => {
  let profile;

  before(async () => {
    assert.ok(existsSync(executablePath), `${executablePath} is missing: apt-get install -y chromium`);
    mkdirSync(shots, { recursive: true });
    gw = await startGateway();
    api = adminApi(gw.base, gw.tokens.admin);
    await api("PUT", "/config", configDocument(gw.fakes, 80));

    // A morning's worth of leads: hot, warm, rest (to the warehouse), one invalid, one forged.
    const sent = [
      ["ada", lead("ada@acme.example", 91, { first_name: "Ada", last_name: "Lovelace", company: "Acme", employees: 1200 })],
      ["grace", lead("grace@navy.example", 88, { first_name: "Grace", company: "Navy" })],
      ["linus", lead("linus@kernel.example", 64, { first_name: "Linus", country: "FI" })],
      ["barbara", lead("barbara@clu.example", 57, { first_name: "Barbara" })],
      ["ken", lead("ken@unix.example", 20, { first_name: "Ken" })],
      ["nobody", lead("not-an-email", 40)],
    ];
    for (const [name, payload] of sent) {
      const response = await sendSigned(gw.base, "website-signup", payload);
      const body = await response.text();
      assert.equal(response.status, 202, `${name}: ${body}`);
      events[name] = JSON.parse(body).id;
    }
    assert.equal((await sendSigned(gw.base, "website-signup", lead("mallory@evil.example", 99), { forge: true })).status, 401);
    for (const name of Object.keys(events)) await settled(events[name]);
    assert.equal(await statusOf(events.ada), "routed");
    assert.equal(await statusOf(events.nobody), "invalid");

    // A dead letter: the warehouse answers 503 once, and that delivery has one attempt.
    await fetch(`${gw.fakes.receiver.origin}/__fake/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: 503, count: 1 }),
    });
    const dana = await sendSigned(gw.base, "website-signup", lead("dana@rest.example", 12, { first_name: "Dana" }));
    events.dana = (await dana.json()).id;
    assert.equal(await settled(events.dana), "dead");
    await fetch(`${gw.fakes.receiver.origin}/__fake/faults`, { method: "DELETE" });

    // Version 2 raises the bar for hot leads; the browser rolls it back to version 1.
    await api("PUT", "/config", configDocument(gw.fakes, 85));

    profile = mkdtempSync(path.join(tmpdir(), "switchboard-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1280, height: 900 },
      colorScheme: "light",
    });
    context.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(`${gw.base}/`) && !url.startsWith("data:")) external.push(url);
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  after(async () => {
    try {
      await context?.close();
    } finally {
      if (profile) rmSync(profile, { recursive: true, force: true });
      await gw?.stop();
    }
  });

  it("signs in with the keyboard and keeps only a signed, HttpOnly, Secure, SameSite=Strict cookie", async () => {
    await page.goto(`${gw.base}/console`);
    assert.match(page.url(), /\/console\/login\?next=%2Fconsole$/);
    await shot("console-login");
    // The token field has focus on arrival: type and press Enter.
    assert.equal((await focused()).id, "token");
    await page.keyboard.type(gw.tokens.admin);
    await Promise.all([page.waitForURL(`${gw.base}/console`), page.keyboard.press("Enter")]);
    const cookies = await context.cookies(`${gw.base}/console`);
    const session = cookies.find((c) => c.name === "sb_console");
    assert.ok(session, "the browser kept the session cookie on http://127.0.0.1 although it is Secure");
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, "Strict");
    assert.equal(session.path, "/console");
    assert.ok(!session.value.includes(gw.tokens.admin));
    assert.equal(await page.evaluate(() => document.cookie), "", "scripts see no cookie");
  });

  it("shows the overview: chart, dead letters and verification failures highlighted, latency, destination health", async () => {
    await page.goto(`${gw.base}/console?hours=1`);
    const deadCard = page.locator(".cards .alert", { hasText: "Dead letters" });
    assert.match(await deadCard.innerText(), /Dead letters\s+2/);
    assert.match(await page.locator(".cards .alert", { hasText: "Verification failures" }).innerText(), /1\s+website-signup: 1 signature invalid/);
    assert.equal((await page.locator("figure.chart svg rect").count()) > 0, true);
    assert.match(await page.locator("#dead-heading ~ .table-wrap").innerText(), /dana|website-signup/);
    assert.match(
      await page.locator("table", { hasText: "Destination health" }).or(page.locator("#destinations-heading + .table-wrap")).innerText(),
      /hubspot \(HubSpot\)\s+healthy/,
    );
    assert.match(await page.locator(".cards").innerText(), /Delivery latency p50 \/ p99\s+\d+ ms \/ \d+ ms/);
    // The one script ran (CSP allows it) and offers to pause the auto-refresh.
    assert.equal(await page.locator("#refresh-control").isVisible(), true);
    await shot("console-overview");
  });

  it("is usable with the keyboard: skip link first, visible focus, then the navigation", async () => {
    await page.goto(`${gw.base}/console`);
    await page.keyboard.press("Tab");
    const skip = await focused();
    assert.equal(skip.text, "Skip to content");
    assert.notEqual(skip.outline, "none");
    await page.keyboard.press("Enter");
    assert.equal((await focused()).id, "main");
    const nav = await tabTo(/^Events$/);
    assert.notEqual(nav.outline, "none", "focused links show an outline");
  });

  it("finds a lead by email and tells its decision as a story", async () => {
    await page.goto(`${gw.base}/console`);
    await tabTo(/^Events$/);
    await Promise.all([page.waitForURL(/\/console\/events$/), page.keyboard.press("Enter")]);
    assert.equal(await page.locator("table.stack tbody tr").count(), Object.keys(events).length);
    await shot("console-events");
    await page.getByLabel("Lead email").focus();
    await page.keyboard.type("ADA@acme.example");
    await Promise.all([page.waitForURL(/email=ADA%40acme\.example/), page.keyboard.press("Enter")]);
    const rows = page.locator("table.stack tbody tr");
    assert.equal(await rows.count(), 1);
    await shot("console-events-search");
    await page.getByRole("link", { name: events.ada }).focus();
    await Promise.all([page.waitForURL(new RegExp(`/console/events/${events.ada}$`)), page.keyboard.press("Enter")]);
    const story = await page.locator("ol.story").innerText();
    assert.match(story, /Route hot matched because score 91 > 80, country "US" in \["US","CA","GB","DE"\]\./);
    assert.match(story, /Route warm not tried: route hot matched first\./);
    assert.match(story, /Route hot decided where the lead goes\./);
    assert.match(story, /Owner 10[12] from pool enterprise-ae: round robin/);
    assert.match(story, /upsert → hubspot \(route hot\) succeeded after 1 attempt/);
    assert.match(await page.locator("#deliveries-heading ~ .table-wrap").last().innerText(), /hubspot\s+1\s+succeeded\s+200/);
    await shot("console-event");
  });

  it("replays a dead letter from the console and the lead reaches the warehouse fake", async () => {
    assert.equal(
      (await receiverRecords()).some((r) => r.body?.includes("dana@rest.example")),
      false,
    );
    await page.goto(`${gw.base}/console`);
    const row = page.locator("#dead-heading ~ .table-wrap tbody tr", { has: page.getByRole("link", { name: events.dana }) });
    await row.getByRole("button", { name: "Replay" }).focus();
    await Promise.all([page.waitForURL(/\/console\/events\/evt_[^?]+\?done=replayed$/), page.keyboard.press("Enter")]);
    const replayId = /\/events\/(evt_[^?]+)/.exec(page.url())[1];
    assert.notEqual(replayId, events.dana);
    assert.match(await page.locator(".notice").innerText(), /Replay queued/);
    assert.equal(await settled(replayId), "routed");
    await page.goto(`${gw.base}/console/events/${replayId}`);
    assert.equal(await page.locator("h1 .badge").innerText(), "routed");
    assert.match(await page.locator("#deliveries-heading ~ .table-wrap").last().innerText(), /warehouse\s+1\s+succeeded\s+200/);
    const delivered = await eventually(async () => (await receiverRecords()).find((r) => r.verified && r.body.includes("dana@rest.example")), {
      what: "the replayed lead at the receiver",
    });
    assert.ok(delivered);
    await shot("console-replay");
  });

  it("renders routing as a flow with pools and versions, and rolls back a version", async () => {
    await page.goto(`${gw.base}/console/routing`);
    const flow = await page.locator("ol.flow").innerText();
    assert.match(flow, /1\. hot\s+when score > 85 and country is one of "US", "CA", "GB", "DE"/);
    assert.match(flow, /Assign an owner from pool enterprise-ae/);
    assert.match(await page.locator("#pools-heading").locator("..").innerText(), /Ada 101\s+2\s+\d+\s+40/);
    await shot("console-routing");
    await page.getByRole("link", { name: "Version 1: changes" }).focus();
    await Promise.all([page.waitForURL(/\/console\/routing\/versions\/1$/), page.keyboard.press("Enter")]);
    assert.match(await page.locator("#rollback-heading").locator("..").innerText(), /routes\[hot\]\.when\.all\.0\.value\s+85\s+80/);
    await shot("console-version");
    await page.getByRole("button", { name: "Roll back to version 1" }).focus();
    await Promise.all([page.waitForURL(/\/console\/routing\?done=rolledback&version=1$/), page.keyboard.press("Enter")]);
    assert.match(await page.locator(".notice").innerText(), /version 1 is active again/);
    const versions = await api("GET", "/config/versions");
    assert.equal(versions.active, 3);
    assert.equal(versions.versions[0].rollbackOf, 1);
    assert.equal((await api("GET", "/config")).routes[0].when.all[0].value, 80);
  });

  it("simulates a pasted payload without side effects", async () => {
    const before = (await api("GET", "/events?limit=200")).items.length;
    await page.goto(`${gw.base}/console/simulate`);
    await page.getByLabel("Source").selectOption("website-signup");
    await page.getByLabel("Payload (JSON)").fill(JSON.stringify(lead("sim@newco.example", 93, { company: "NewCo", employees: 40 }), null, 2));
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Simulate" }).press("Enter")]);
    const result = await page.locator("#result-heading").locator("..").innerText();
    assert.match(result, /Result: routed/);
    assert.match(result, /Simulated: nothing was written/);
    assert.match(result, /Route hot matched because score 93 > 80/);
    await shot("console-simulate");
    assert.equal((await api("GET", "/events?limit=200")).items.length, before);
  });

  it("is readable at 360 px: no sideways scrolling on any page", async () => {
    const narrow = await context.newPage();
    await narrow.setViewportSize({ width: 360, height: 780 });
    for (const url of [
      "/console",
      `/console/events/${events.ada}`,
      "/console/events",
      "/console/routing",
      "/console/routing/versions/2",
      "/console/simulate",
    ]) {
      await narrow.goto(`${gw.base}${url}`);
      const width = await narrow.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${url} is ${width} px wide at 360`);
    }
    await narrow.goto(`${gw.base}/console?hours=1`);
    await shot("console-overview-360", narrow);
    // One phone screen of an event's story.
    await narrow.goto(`${gw.base}/console/events/${events.ada}`);
    await narrow.locator("#trace-heading").scrollIntoViewIfNeeded();
    await narrow.evaluate(() => document.getElementById("trace-heading")?.scrollIntoView());
    await shot("console-event-360", narrow, { fullPage: false });
    await narrow.close();
  });

  it("made no request outside the gateway and broke no CSP rule", () => {
    assert.deepEqual(external, []);
    assert.deepEqual(cspViolations, []);
  });
});
