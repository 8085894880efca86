import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { providers } from "../../src/config/schema";
import { configureSources, post, standardSecret, standardWebhookHeaders } from "../helpers";

// A source per provider, so random requests reach every verifier.
beforeAll(async () => {
  await configureSources(
    ...providers.map((provider) => ({
      id: `p-${provider}`,
      provider,
      secrets: provider === "basic-auth" ? ["user:pass"] : ["c2VjcmV0LXNlY3JldC1zZWNyZXQ="],
      maxBodyBytes: 2048,
      rate: { perSecond: 100_000, burst: 100_000 },
    })),
    { id: "signed", provider: "standard-webhooks", secrets: [standardSecret], rate: { perSecond: 100_000, burst: 100_000 } },
  );
});

const headerName = fc.oneof(
  fc.constantFrom(
    "content-type",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-signature",
    "stripe-signature",
    "x-hub-signature-256",
    "x-hub-signature",
    "x-shopify-hmac-sha256",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "x-twilio-signature",
    "x-hubspot-signature-v3",
    "x-hubspot-signature",
    "x-hubspot-request-timestamp",
    "x-hubspot-signature-version",
    "typeform-signature",
    "x-zm-signature",
    "x-zm-request-timestamp",
    "calendly-webhook-signature",
    "paddle-signature",
    "linear-signature",
    "x-mandrill-signature",
    "x-twilio-email-event-webhook-signature",
    "x-twilio-email-event-webhook-timestamp",
    "authorization",
    "x-api-key",
    "x-signature",
    "content-length",
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
  fc.constantFrom("application/json", "application/x-www-form-urlencoded", "t=1,v1=00", "v1,AAAA", "sha256=zz", "Basic !!!", "-1", "99999999999999999999"),
);
const body = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 3 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.constant(""),
  fc.string({ minLength: 2049, maxLength: 2100 }),
);

describe("random requests", () => {
  it("never get a 5xx from any provider's source", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...providers), fc.dictionary(headerName, headerValue, { maxKeys: 6 }), body, async (provider, headers, payload) => {
        // content-length must stay honest or the runtime refuses the request itself.
        const { "content-length": _ignored, ...rest } = headers;
        const response = await post(`/in/p-${provider}`, payload, rest);
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) expect(response.headers.get("content-type")).toBe("application/problem+json");
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it("that are correctly signed get 202, 200 or 400, whatever the body and content type", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 4 })),
        fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8"),
        async (payload, contentType) => {
          const headers = { ...(await standardWebhookHeaders(payload)), "content-type": contentType };
          const response = await post("/in/signed", payload, headers);
          expect([200, 202, 400]).toContain(response.status);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
