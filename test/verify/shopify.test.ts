import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { shopifyVerifier } from "../../src/verify/providers/shopify";
import type { VerifyInput } from "../../src/verify/types";

// Shopify publishes no fixed vector (its libraries sign their fixtures at test time), so
// every signature here is computed with WebCrypto as shopify.dev describes.
const SECRET = "shpss_0123456789abcdef";
const BODY = '{"id":820982911946154500,"email":"jon@example.com","total_price":"254.98"}';

const encoder = new TextEncoder();
const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

async function sign(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body))));
}

function input(options: { headers: Record<string, string>; secrets?: string[]; body?: string }): VerifyInput {
  return {
    rawBody: encoder.encode(options.body ?? BODY),
    headers: new Headers(options.headers),
    url: "https://gateway.example/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "shopify", secrets: options.secrets ?? [SECRET] }),
    nowSeconds: 1_700_000_000,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("shopify verifier", () => {
  it("declares its provider and JSON bodies", () => {
    expect(shopifyVerifier.provider).toBe("shopify");
    expect(shopifyVerifier.bodyFormat).toBe("json");
  });

  it("accepts a valid signature and reports X-Shopify-Webhook-Id", async () => {
    const headers = {
      "x-shopify-hmac-sha256": await sign(SECRET, BODY),
      "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
    };
    await expect(shopifyVerifier.verify(input({ headers }))).resolves.toEqual({
      ok: true,
      unsignedDeliveryId: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      secretIndex: 0,
    });
  });

  it("falls back to X-Shopify-Event-Id for the delivery id", async () => {
    const headers = { "x-shopify-hmac-sha256": await sign(SECRET, BODY), "x-shopify-event-id": "evt-1" };
    await expect(shopifyVerifier.verify(input({ headers }))).resolves.toEqual({ ok: true, unsignedDeliveryId: "evt-1", secretIndex: 0 });
  });

  it("accepts a valid signature without any id header", async () => {
    const headers = { "x-shopify-hmac-sha256": await sign(SECRET, BODY) };
    await expect(shopifyVerifier.verify(input({ headers }))).resolves.toEqual({ ok: true, secretIndex: 0 });
  });

  it("rejects a tampered body", async () => {
    const headers = { "x-shopify-hmac-sha256": await sign(SECRET, BODY) };
    const body = BODY.replace("254.98", "0.01");
    await expect(shopifyVerifier.verify(input({ headers, body }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a wrong secret without revealing it", async () => {
    const headers = { "x-shopify-hmac-sha256": await sign(SECRET, BODY) };
    const outcome = await shopifyVerifier.verify(input({ headers, secrets: ["shpss_wrong"] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(JSON.stringify(outcome)).not.toContain("shpss_wrong");
  });

  it("reports the index of the matching secret during rotation", async () => {
    const headers = { "x-shopify-hmac-sha256": await sign(SECRET, BODY) };
    await expect(shopifyVerifier.verify(input({ headers, secrets: ["shpss_new", SECRET] }))).resolves.toEqual({
      ok: true,
      secretIndex: 1,
    });
  });

  it("fails closed when the source has no secret", async () => {
    const headers = { "x-shopify-hmac-sha256": await sign(SECRET, BODY) };
    const outcome = await shopifyVerifier.verify(input({ headers, secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no client secret/i);
  });

  it("reports a missing X-Shopify-Hmac-Sha256 header", async () => {
    const outcome = await shopifyVerifier.verify(input({ headers: { "x-shopify-webhook-id": "w-1" } }));
    expect(outcome).toEqual(failure("signature_missing"));
  });

  it.each([
    ["garbage", "garbage!"],
    ["an empty value", ""],
    ["bad base64", "%%%%"],
    ["a hex digest instead of base64", "ab".repeat(32)],
    ["a prefixed value", "sha256=AAAA"],
  ])("rejects a header with %s", async (_label, signature) => {
    await expect(shopifyVerifier.verify(input({ headers: { "x-shopify-hmac-sha256": signature } }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("has no timestamp, so the clock does not matter", async () => {
    const headers = { "x-shopify-hmac-sha256": await sign(SECRET, BODY) };
    const outcome = await shopifyVerifier.verify({ ...input({ headers }), nowSeconds: 0 });
    expect(outcome).toEqual({ ok: true, secretIndex: 0 });
  });
});
