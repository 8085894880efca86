import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, it } from "vitest";
import worker from "../../src/index";
import { configureSources, problemOf, standardSecret, standardWebhookHeaders } from "../helpers";

beforeAll(async () => {
  await configureSources({ id: "forms", provider: "standard-webhooks", secrets: [standardSecret] });
});

it("answers 503 with Retry-After, never a 2xx, when the inbox cannot store the event", async () => {
  const brokenInbox = {
    getByName: () => ({ accept: () => Promise.reject(new Error("Durable Object storage reset")) }),
  } as unknown as Env["SOURCE_INBOX"];
  const body = JSON.stringify({ email: "ada@example.com" });
  const request = new Request("https://gateway.test/in/forms", {
    method: "POST",
    body,
    headers: await standardWebhookHeaders(body),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, { ...env, SOURCE_INBOX: brokenInbox }, ctx);
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("5");
  expect(await problemOf(response)).toMatchObject({ status: 503, code: "storage_unavailable" });
});
