import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { calendlyVerifier } from "../../src/verify/providers/calendly";
import type { VerifyInput } from "../../src/verify/types";
import { hmacSha256Hex } from "../signing";

const NOW = 1_700_000_000;
const KEY = "calendly-signing-key";
const BODY = '{"event":"invitee.created","payload":{"email":"ada@example.com"}}';

async function signedHeader(key: string, t: number, body = BODY): Promise<string> {
  return `t=${t},v1=${await hmacSha256Hex(key, `${t}.${body}`)}`;
}

function input(opts: { header?: string | null; body?: string; secrets?: string[]; now?: number }): VerifyInput {
  const headers = new Headers({ "content-type": "application/json" });
  if (opts.header !== null && opts.header !== undefined) headers.set("Calendly-Webhook-Signature", opts.header);
  return {
    rawBody: new TextEncoder().encode(opts.body ?? BODY),
    headers,
    url: "https://gateway.example.com/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "calendly", secrets: opts.secrets ?? [KEY] }),
    nowSeconds: opts.now ?? NOW,
  };
}

describe("calendly verifier", () => {
  it("declares provider and body format", () => {
    expect(calendlyVerifier.provider).toBe("calendly");
    expect(calendlyVerifier.bodyFormat).toBe("json");
  });

  it("accepts a fixed vector computed outside the test runtime", async () => {
    // HMAC-SHA256("calendly-signing-key", "1700000000." + BODY), computed with Python's hmac module.
    const header = "t=1700000000,v1=616958d7d3b0d8ff168c9d5c74b5ed490f3624033fbe62da55b569f6e0c75b31";
    expect(await calendlyVerifier.verify(input({ header }))).toEqual({ ok: true, signedAt: NOW, secretIndex: 0 });
  });

  it("accepts a signature computed with WebCrypto", async () => {
    const header = await signedHeader(KEY, NOW - 10);
    expect(await calendlyVerifier.verify(input({ header }))).toEqual({ ok: true, signedAt: NOW - 10, secretIndex: 0 });
  });

  it("accepts when one of several v1 values matches", async () => {
    const good = await hmacSha256Hex(KEY, `${NOW}.${BODY}`);
    const header = `t=${NOW},v1=${"0".repeat(64)},v1=${good}`;
    expect(await calendlyVerifier.verify(input({ header }))).toEqual({ ok: true, signedAt: NOW, secretIndex: 0 });
  });

  it("rejects a tampered body", async () => {
    const header = await signedHeader(KEY, NOW);
    const outcome = await calendlyVerifier.verify(input({ header, body: BODY.replace("ada", "eve") }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a signature made with another key, without echoing it", async () => {
    const header = await signedHeader("another-key", NOW);
    const outcome = await calendlyVerifier.verify(input({ header }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    const expected = await hmacSha256Hex(KEY, `${NOW}.${BODY}`);
    expect(JSON.stringify(outcome)).not.toContain(expected);
    expect(JSON.stringify(outcome)).not.toContain(KEY);
  });

  it("accepts the second secret during rotation and reports its index", async () => {
    const header = await signedHeader("old-key", NOW);
    expect(await calendlyVerifier.verify(input({ header, secrets: ["new-key", "old-key"] }))).toEqual({
      ok: true,
      signedAt: NOW,
      secretIndex: 1,
    });
  });

  it("fails when the source has no secret", async () => {
    const header = await signedHeader(KEY, NOW);
    const outcome = await calendlyVerifier.verify(input({ header, secrets: [] }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no webhook signing key/);
  });

  it("reports a missing header", async () => {
    expect(await calendlyVerifier.verify(input({ header: null }))).toMatchObject({
      ok: false,
      code: "signature_missing",
    });
  });

  it.each([
    ["empty", ""],
    ["garbage", "not a signature"],
    ["no v1", `t=${NOW}`],
    ["no t", `v1=${"a".repeat(64)}`],
    ["non-numeric t", `t=yesterday,v1=${"a".repeat(64)}`],
    ["bad hex", `t=${NOW},v1=zz${"a".repeat(62)}`],
    ["Paddle-style separators", `ts=${NOW};h1=${"a".repeat(64)}`],
    ["two timestamps", `t=${NOW},t=${NOW},v1=${"a".repeat(64)}`],
  ])("rejects a malformed header (%s)", async (_, header) => {
    expect(await calendlyVerifier.verify(input({ header }))).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a correctly signed but stale timestamp beyond tolerance", async () => {
    const header = await signedHeader(KEY, NOW - 301);
    expect(await calendlyVerifier.verify(input({ header }))).toMatchObject({
      ok: false,
      code: "timestamp_out_of_tolerance",
    });
  });

  it("rejects a correctly signed timestamp too far in the future", async () => {
    const header = await signedHeader(KEY, NOW + 301);
    expect(await calendlyVerifier.verify(input({ header }))).toMatchObject({
      ok: false,
      code: "timestamp_out_of_tolerance",
    });
  });

  it("accepts timestamps exactly at the tolerance edge in both directions", async () => {
    for (const t of [NOW - 300, NOW + 300]) {
      const header = await signedHeader(KEY, t);
      expect(await calendlyVerifier.verify(input({ header }))).toEqual({ ok: true, signedAt: t, secretIndex: 0 });
    }
  });
});
