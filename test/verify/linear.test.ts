import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { linearVerifier } from "../../src/verify/providers/linear";
import type { VerifyInput } from "../../src/verify/types";
import { hmacSha256Hex } from "../signing";

const SECRET = "lin_wh_signing_secret";
const NOW = 1_700_000_000;
const DELIVERY = "234d1a4e-b617-4388-90fe-adc3633d6b72";

function bodyAt(webhookTimestampMs: number): string {
  return JSON.stringify({ action: "create", type: "Issue", data: { id: "issue-1" }, webhookTimestamp: webhookTimestampMs });
}

function input(opts: { signature?: string | null; delivery?: string | null; body: string; secrets?: string[]; now?: number }): VerifyInput {
  const headers = new Headers({ "content-type": "application/json", "Linear-Event": "Issue" });
  if (opts.signature !== null && opts.signature !== undefined) headers.set("Linear-Signature", opts.signature);
  if (opts.delivery !== null) headers.set("Linear-Delivery", opts.delivery ?? DELIVERY);
  return {
    rawBody: new TextEncoder().encode(opts.body),
    headers,
    url: "https://gateway.example.com/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "linear", secrets: opts.secrets ?? [SECRET] }),
    nowSeconds: opts.now ?? NOW,
  };
}

describe("linear verifier", () => {
  it("declares provider and body format", () => {
    expect(linearVerifier.provider).toBe("linear");
    expect(linearVerifier.bodyFormat).toBe("json");
  });

  it("accepts the Linear SDK test payload with a digest computed outside the test runtime", async () => {
    // Body: JSON.stringify of the requestBody in linear/linear packages/sdk/src/_tests/LinearWebhooks.test.ts,
    // signed with that test's key "SECRET"; the digest was computed with Python's hmac module.
    const body =
      '{"action":"create","data":{"id":"2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9","createdAt":"2020-01-23T12:53:18.084Z","updatedAt":"2020-01-23T12:53:18.084Z","archivedAt":null,"body":"Indeed, I think this is definitely an improvement over the previous version.","edited":false,"issueId":"539068e2-ae88-4d09-bd75-22eb4a59612f","userId":"aacdca22-6266-4c0a-ab3c-8fa70a26765c"},"type":"Comment","url":"https://linear.app/issue/LIN-1778/foo-bar#comment-77217de3-fb52-4dad-bb9a-b356beb93de8","createdAt":"2020-01-23T12:53:18.084Z","webhookTimestamp":1677611643000}';
    const signature = "8790fcbbea809950be9198408593c2a13f7591bba6c61adb589f709b5e1b186a";
    const atSend = await linearVerifier.verify(input({ body, signature, secrets: ["SECRET"], now: 1677611643 }));
    expect(atSend).toEqual({ ok: true, unsignedDeliveryId: DELIVERY, signedAt: 1677611643, secretIndex: 0 });
    // The SDK's own test expects this payload's timestamp to be rejected "now".
    const later = await linearVerifier.verify(input({ body, signature, secrets: ["SECRET"] }));
    expect(later).toMatchObject({ ok: false, code: "timestamp_out_of_tolerance" });
  });

  it("accepts a signature computed with WebCrypto", async () => {
    const body = bodyAt(NOW * 1000 - 1500);
    const signature = await hmacSha256Hex(SECRET, body);
    expect(await linearVerifier.verify(input({ body, signature }))).toEqual({
      ok: true,
      unsignedDeliveryId: DELIVERY,
      signedAt: NOW - 2,
      secretIndex: 0,
    });
  });

  it("omits the delivery id when Linear-Delivery is absent", async () => {
    const body = bodyAt(NOW * 1000);
    const signature = await hmacSha256Hex(SECRET, body);
    expect(await linearVerifier.verify(input({ body, signature, delivery: null }))).toEqual({
      ok: true,
      signedAt: NOW,
      secretIndex: 0,
    });
  });

  it("rejects a tampered body", async () => {
    const body = bodyAt(NOW * 1000);
    const signature = await hmacSha256Hex(SECRET, body);
    const outcome = await linearVerifier.verify(input({ body: body.replace("issue-1", "issue-2"), signature }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a signature made with another secret, without echoing the expected one", async () => {
    const body = bodyAt(NOW * 1000);
    const outcome = await linearVerifier.verify(input({ body, signature: await hmacSha256Hex("WRONG_SECRET", body) }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(JSON.stringify(outcome)).not.toContain(await hmacSha256Hex(SECRET, body));
  });

  it("accepts the second secret during rotation and reports its index", async () => {
    const body = bodyAt(NOW * 1000);
    const signature = await hmacSha256Hex("old-secret", body);
    expect(await linearVerifier.verify(input({ body, signature, secrets: ["new-secret", "old-secret"] }))).toMatchObject({
      ok: true,
      secretIndex: 1,
    });
  });

  it("fails when the source has no secret", async () => {
    const body = bodyAt(NOW * 1000);
    const outcome = await linearVerifier.verify(input({ body, signature: await hmacSha256Hex(SECRET, body), secrets: [] }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no webhook signing secret/);
  });

  it("reports a missing signature header", async () => {
    expect(await linearVerifier.verify(input({ body: bodyAt(NOW * 1000), signature: null }))).toMatchObject({
      ok: false,
      code: "signature_missing",
    });
  });

  it.each([
    ["empty", ""],
    ["garbage", "not-a-digest"],
    ["prefixed", `sha256=${"a".repeat(64)}`],
    ["odd-length hex", "a".repeat(63)],
    ["truncated digest", "a".repeat(62)],
  ])("rejects a malformed signature header (%s)", async (_, signature) => {
    expect(await linearVerifier.verify(input({ body: bodyAt(NOW * 1000), signature }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("rejects a correctly signed body without a numeric webhookTimestamp", async () => {
    for (const body of ['{"action":"create"}', '{"webhookTimestamp":"1700000000000"}', "[1,2]"]) {
      const signature = await hmacSha256Hex(SECRET, body);
      expect(await linearVerifier.verify(input({ body, signature }))).toMatchObject({
        ok: false,
        code: "signature_invalid",
      });
    }
  });

  it("rejects a correctly signed body that is not JSON", async () => {
    const body = "webhookTimestamp=1700000000000";
    expect(await linearVerifier.verify(input({ body, signature: await hmacSha256Hex(SECRET, body) }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("rejects stale and future webhookTimestamps beyond tolerance (milliseconds)", async () => {
    for (const ms of [(NOW - 301) * 1000, (NOW + 301) * 1000, NOW * 1000 - 300_001]) {
      const body = bodyAt(ms);
      expect(await linearVerifier.verify(input({ body, signature: await hmacSha256Hex(SECRET, body) }))).toMatchObject({
        ok: false,
        code: "timestamp_out_of_tolerance",
      });
    }
  });

  it("treats a seconds value as far in the past rather than now", async () => {
    const body = bodyAt(NOW);
    expect(await linearVerifier.verify(input({ body, signature: await hmacSha256Hex(SECRET, body) }))).toMatchObject({
      ok: false,
      code: "timestamp_out_of_tolerance",
    });
  });

  it("accepts webhookTimestamps within tolerance in both directions", async () => {
    for (const ms of [(NOW - 300) * 1000, (NOW + 300) * 1000]) {
      const body = bodyAt(ms);
      expect(await linearVerifier.verify(input({ body, signature: await hmacSha256Hex(SECRET, body) }))).toMatchObject({
        ok: true,
        signedAt: ms / 1000,
      });
    }
  });
});
