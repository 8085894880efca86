import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { configureSources, standardSecret } from "../helpers";

beforeAll(async () => {
  await configureSources({ id: "forms", provider: "standard-webhooks", secrets: [standardSecret] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** An inbox namespace that records every call the Worker makes to it. */
function recordingInboxes() {
  const calls: { inbox: string; method: string; args: unknown[] }[] = [];
  const namespace = {
    getByName: (inbox: string) =>
      new Proxy(
        {},
        {
          get:
            (_, method) =>
            (...args: unknown[]) => {
              calls.push({ inbox, method: String(method), args });
              return Promise.resolve();
            },
        },
      ),
  } as unknown as Env["SOURCE_INBOX"];
  return { calls, namespace };
}

function badSignature(): Request {
  return new Request("https://gateway.test/in/forms", {
    method: "POST",
    body: '{"email":"mallory@example.com"}',
    headers: {
      "content-type": "application/json",
      "webhook-id": "msg_forged",
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": `v1,${btoa("not the signature")}`,
    },
  });
}

it("bad signatures never call the source's inbox per request: one write per window carries the count", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout"] });
  const { calls, namespace } = recordingInboxes();
  const testEnv = { ...env, SOURCE_INBOX: namespace, VERIFY_FAILURE_FLUSH_MS: "10000" };
  const contexts: ExecutionContext[] = [];
  for (let i = 0; i < 25; i++) {
    const ctx = createExecutionContext();
    contexts.push(ctx);
    expect((await worker.fetch(badSignature(), testEnv, ctx)).status).toBe(401);
  }
  // Every request was answered; none of them has touched the inbox.
  expect(calls).toEqual([]);

  await vi.advanceTimersByTimeAsync(10_000);
  for (const ctx of contexts) await waitOnExecutionContext(ctx);
  expect(calls).toEqual([{ inbox: "forms", method: "recordRejections", args: [{ signature_invalid: 25 }] }]);
});

it("the counts reach the inbox, where the alert rules read them", async () => {
  const ctx = createExecutionContext();
  const testEnv = { ...env, VERIFY_FAILURE_FLUSH_MS: "1" };
  for (let i = 0; i < 3; i++) expect((await worker.fetch(badSignature(), testEnv, ctx)).status).toBe(401);
  await waitOnExecutionContext(ctx);
  expect(await env.SOURCE_INBOX.getByName("forms").rejectionsSince(Date.now() - 60_000)).toEqual({ signature_invalid: 3 });
});
