import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SlackDestination } from "../../src/connectors/slack";
import { notify } from "../../src/connectors/slack";
import type { FakeHandle } from "../fakes/client";
import type { SlackMessageRecord } from "../fakes/slack";
import { delivery, options, privateFake } from "./fixtures";

let fake: FakeHandle;
let destination: SlackDestination;

beforeAll(async () => {
  fake = await privateFake("slack");
});
beforeEach(async () => {
  await fake.reset();
  destination = { id: "sales-slack", type: "slack", url: fake.url, timeoutMs: 2000, maxAttempts: 8 };
});

describe("Slack incoming webhook", () => {
  it("posts text and blocks naming the lead, its score, the route and the owner", async () => {
    const outcome = await notify(
      destination,
      delivery({ email: "jane@acme.example", company: "Acme <Labs> & Co", score: 91 }, { ownerId: "101", routeId: "hot" }),
      options,
    );
    expect(outcome).toMatchObject({ ok: true, status: 200, excerpt: "ok" });

    const [message] = await fake.records<SlackMessageRecord[]>();
    expect(message?.text).toBe("New lead: Jane Doe (jane@acme.example) at Acme &lt;Labs&gt; &amp; Co, score 91 → 101 via route hot");
    expect(message?.blocks?.[0]).toEqual({ type: "header", text: { type: "plain_text", text: "New lead: Jane Doe" } });
    const fields = ((message?.blocks?.[1] ?? { fields: [] }) as { fields: { text: string }[] }).fields.map((field) => field.text);
    expect(fields).toEqual([
      "*Email*\njane@acme.example",
      "*Company*\nAcme &lt;Labs&gt; &amp; Co",
      "*Score*\n91",
      "*Owner*\n101",
      "*Route*\nhot",
      "*Source*\ntypeform-leads",
    ]);
    const [request] = await fake.requests();
    expect(request?.headers["content-type"]).toBe("application/json");
  });

  it("keeps within Block Kit limits for long values and says 'unassigned' without an owner", async () => {
    const outcome = await notify(destination, delivery({ firstName: "A".repeat(400), company: "C".repeat(5000) }), options);
    expect(outcome).toMatchObject({ ok: true });
    const [message] = await fake.records<SlackMessageRecord[]>();
    expect(message?.text).toContain("→ unassigned");
  });

  it("treats Slack's 4xx codes as permanent and keeps the webhook URL out of the error", async () => {
    const wrong = await notify({ ...destination, url: `${fake.origin}/services/T0/B0/not-the-secret` }, delivery(), options);
    expect(wrong).toMatchObject({ ok: false, retryable: false, status: 404, error: "HTTP 404 no_service", excerpt: "no_service" });
    expect(JSON.stringify(wrong)).not.toContain("not-the-secret");

    const archived = await privateFake("slack", { channel: "archived" });
    expect(await notify({ ...destination, url: archived.url }, delivery(), options)).toMatchObject({
      ok: false,
      retryable: false,
      status: 410,
      error: "HTTP 410 channel_is_archived",
    });
    await fake.fault([{ status: 400 }, { status: 403 }]);
    expect(await notify(destination, delivery(), options)).toMatchObject({ retryable: false, error: "HTTP 400 invalid_payload" });
    expect(await notify(destination, delivery(), options)).toMatchObject({ retryable: false, error: "HTTP 403 action_prohibited" });
  });

  it("retries 429 with Retry-After, 5xx and timeouts", async () => {
    await fake.fault([{ status: 429, retryAfter: 30 }, { status: 500 }, { delayMs: 1000 }]);
    expect(await notify(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, retryAfterSeconds: 30 });
    expect(await notify(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, error: "HTTP 500 rollup_error" });
    expect(await notify({ ...destination, timeoutMs: 150 }, delivery(), options)).toMatchObject({ ok: false, retryable: true, error: "timeout after 150 ms" });
  });

  it("counts any 2xx as posted, whatever the body (a retry would post twice)", async () => {
    await fake.fault({ malformed: true });
    expect(await notify(destination, delivery(), options)).toMatchObject({ ok: true, status: 200 });
  });

  it("refuses http:// unless allowed", async () => {
    expect(await notify(destination, delivery(), { allowHttp: false })).toMatchObject({ ok: false, retryable: false });
    expect(await fake.requests()).toHaveLength(0);
  });
});

describe("Slack fake contract", () => {
  it("answers no_text, invalid_payload and invalid_blocks like Slack", async () => {
    const post = (body: string) => fetch(fake.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const answers = await Promise.all([
      post("{}"),
      post("not json"),
      post(JSON.stringify({ text: "x", blocks: [{ type: "header", text: { type: "plain_text", text: "H".repeat(151) } }] })),
    ]);
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400]);
    expect(await Promise.all(answers.map((r) => r.text()))).toEqual(["no_text", "invalid_payload", "invalid_blocks"]);
  });
});
