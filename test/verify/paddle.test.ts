import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { paddleVerifier } from "../../src/verify/providers/paddle";
import type { VerifyInput } from "../../src/verify/types";
import { hmacSha256Hex } from "../signing";

const NOW = 1_700_000_000;
const SECRET = "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI";
const BODY =
  '{"event_id":"evt_01hv8wptq8987qeep44cyrewp9","notification_id":"ntf_01hv8wpts6tbsrbq3jmqd0ma5e","event_type":"transaction.paid","occurred_at":"2024-04-12T10:18:49.621022Z","data":{"id":"txn_01hv8wnwfhq7bnhxgnr6bqfkqb"}}';

async function signedHeader(keys: string[], ts: number, body = BODY): Promise<string> {
  const hashes = await Promise.all(keys.map((key) => hmacSha256Hex(key, `${ts}:${body}`)));
  return [`ts=${ts}`, ...hashes.map((h) => `h1=${h}`)].join(";");
}

function input(opts: { header?: string | null; body?: string; secrets?: string[]; now?: number }): VerifyInput {
  const headers = new Headers({ "content-type": "application/json" });
  if (opts.header !== null && opts.header !== undefined) headers.set("Paddle-Signature", opts.header);
  return {
    rawBody: new TextEncoder().encode(opts.body ?? BODY),
    headers,
    url: "https://gateway.example.com/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "paddle", secrets: opts.secrets ?? [SECRET] }),
    nowSeconds: opts.now ?? NOW,
  };
}

describe("paddle verifier", () => {
  it("declares provider and body format", () => {
    expect(paddleVerifier.provider).toBe("paddle");
    expect(paddleVerifier.bodyFormat).toBe("json");
  });

  // Vectors from PaddleHQ/paddle-node-sdk src/__tests__/notifications/webhooks-validator.test.ts
  // (signed with the key "VALID_SECRET" at ts=1698796800).
  describe("official SDK vectors", () => {
    const ts = 1698796800;
    const sdkInput = (body: string, header: string, secret: string) => input({ body, header, secrets: [secret], now: ts });

    it("accepts 'Valid signature'", async () => {
      const outcome = await paddleVerifier.verify(
        sdkInput('{"data": ["1", "2"]}', "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9", "VALID_SECRET"),
      );
      expect(outcome).toEqual({ ok: true, signedAt: ts, secretIndex: 0 });
    });

    it("accepts 'Valid signature with multiple hashes' (unknown h2 ignored)", async () => {
      const outcome = await paddleVerifier.verify(
        sdkInput(
          '{"data": "value"}',
          "ts=1698796800;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h2=RANDOM_HASH",
          "VALID_SECRET",
        ),
      );
      expect(outcome).toEqual({ ok: true, signedAt: ts, secretIndex: 0 });
    });

    it("rejects 'Invalid secret'", async () => {
      const outcome = await paddleVerifier.verify(
        sdkInput('{"data": ["1", "2"]}', "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9", "INVALID_VALID_SECRET"),
      );
      expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    });

    it("rejects 'Invalid data - has more space'", async () => {
      const outcome = await paddleVerifier.verify(
        sdkInput('{ "data": [ "1", "2" ]}', "ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9", "VALID_SECRET"),
      );
      expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    });

    it("rejects 'InValid timestamp' (ts=9876 with the same h1)", async () => {
      const outcome = await paddleVerifier.verify(
        sdkInput('{"data": ["1", "2"]}', "ts=9876;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9", "VALID_SECRET"),
      );
      expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    });

    it.each([["invalid_header"], ["h1=invalid_header"], ["ts=1234;h2=invalid_header"], ["ts=1234;h1=invalid_signature"]])(
      "rejects the SDK's malformed header %s",
      async (header) => {
        const outcome = await paddleVerifier.verify(sdkInput('{"data": ["1", "2"]}', header, "VALID_SECRET"));
        expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
      },
    );
  });

  it("accepts a signature computed with WebCrypto and returns event_id as delivery id", async () => {
    const header = await signedHeader([SECRET], NOW - 2);
    expect(await paddleVerifier.verify(input({ header }))).toEqual({
      ok: true,
      deliveryId: "evt_01hv8wptq8987qeep44cyrewp9",
      signedAt: NOW - 2,
      secretIndex: 0,
    });
  });

  it("falls back to notification_id when the body has no event_id", async () => {
    const body = '{"notification_id":"ntf_01","data":{}}';
    const header = await signedHeader([SECRET], NOW, body);
    expect(await paddleVerifier.verify(input({ header, body }))).toEqual({
      ok: true,
      deliveryId: "ntf_01",
      signedAt: NOW,
      secretIndex: 0,
    });
  });

  it("returns no delivery id for a verified body that is not JSON", async () => {
    const body = "not json";
    const header = await signedHeader([SECRET], NOW, body);
    expect(await paddleVerifier.verify(input({ header, body }))).toEqual({ ok: true, signedAt: NOW, secretIndex: 0 });
  });

  it("rejects a tampered body", async () => {
    const header = await signedHeader([SECRET], NOW);
    const outcome = await paddleVerifier.verify(input({ header, body: BODY.replace("transaction.paid", "transaction.refunded") }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a signature made with another key, without echoing the expected one", async () => {
    const header = await signedHeader(["pdl_ntfset_other"], NOW);
    const outcome = await paddleVerifier.verify(input({ header }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(JSON.stringify(outcome)).not.toContain(await hmacSha256Hex(SECRET, `${NOW}:${BODY}`));
  });

  it("accepts a header with one h1 per key during Paddle-side rotation", async () => {
    const header = await signedHeader(["pdl_ntfset_old", SECRET], NOW);
    expect(await paddleVerifier.verify(input({ header }))).toMatchObject({ ok: true, secretIndex: 0 });
  });

  it("reports the newest configured secret when the header carries h1 for both", async () => {
    const header = await signedHeader(["pdl_ntfset_old", "pdl_ntfset_new"], NOW);
    expect(await paddleVerifier.verify(input({ header, secrets: ["pdl_ntfset_new", "pdl_ntfset_old"] }))).toMatchObject({
      ok: true,
      secretIndex: 0,
    });
  });

  it("accepts the second configured secret and reports its index", async () => {
    const header = await signedHeader(["pdl_ntfset_old"], NOW);
    expect(await paddleVerifier.verify(input({ header, secrets: ["pdl_ntfset_new", "pdl_ntfset_old"] }))).toMatchObject({
      ok: true,
      secretIndex: 1,
    });
  });

  it("fails when the source has no secret", async () => {
    const header = await signedHeader([SECRET], NOW);
    const outcome = await paddleVerifier.verify(input({ header, secrets: [] }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no endpoint secret key/);
  });

  it("reports a missing header", async () => {
    expect(await paddleVerifier.verify(input({ header: null }))).toMatchObject({ ok: false, code: "signature_missing" });
  });

  it.each([
    ["empty", ""],
    ["garbage", "garbage"],
    ["Calendly-style separators", `t=${NOW},v1=${"a".repeat(64)}`],
    ["bad hex", `ts=${NOW};h1=${"g".repeat(64)}`],
    ["empty h1", `ts=${NOW};h1=`],
    ["non-numeric ts", `ts=now;h1=${"a".repeat(64)}`],
  ])("rejects a malformed header (%s)", async (_, header) => {
    expect(await paddleVerifier.verify(input({ header }))).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects stale and future timestamps beyond tolerance", async () => {
    for (const ts of [NOW - 301, NOW + 301]) {
      const header = await signedHeader([SECRET], ts);
      expect(await paddleVerifier.verify(input({ header }))).toMatchObject({
        ok: false,
        code: "timestamp_out_of_tolerance",
      });
    }
  });

  it("accepts timestamps within tolerance in both directions", async () => {
    for (const ts of [NOW - 300, NOW + 300]) {
      const header = await signedHeader([SECRET], ts);
      expect(await paddleVerifier.verify(input({ header }))).toMatchObject({ ok: true, signedAt: ts });
    }
  });
});
