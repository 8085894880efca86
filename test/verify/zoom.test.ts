import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { zoomVerifier } from "../../src/verify/providers/zoom";
import type { VerifyInput } from "../../src/verify/types";

// Zoom publishes no fixed vector (zoom/webhook-sample and @zoom/rivet sign at run time), so
// signatures are computed with WebCrypto as developers.zoom.us "Verify webhook events" says.
const SECRET = "zoom-secret-token";
const NOW = 1_658_940_994;
const BODY = '{"event":"meeting.started","event_ts":1658940994000,"payload":{"account_id":"AAA","object":{"id":"1234"}}}';
const URL_VALIDATION = '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}';

const encoder = new TextEncoder();
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function sign(secret: string, timestamp: number | string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `v0=${toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`v0:${timestamp}:${body}`))))}`;
}

async function signedHeaders(timestamp = NOW, body = BODY, secret = SECRET): Promise<Record<string, string>> {
  return { "x-zm-signature": await sign(secret, timestamp, body), "x-zm-request-timestamp": String(timestamp) };
}

function input(options: { headers: Record<string, string>; secrets?: string[]; body?: string; now?: number }): VerifyInput {
  return {
    rawBody: encoder.encode(options.body ?? BODY),
    headers: new Headers(options.headers),
    url: "https://gateway.example/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "zoom", secrets: options.secrets ?? [SECRET] }),
    nowSeconds: options.now ?? NOW,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("zoom verifier", () => {
  it("declares its provider and JSON bodies", () => {
    expect(zoomVerifier.provider).toBe("zoom");
    expect(zoomVerifier.bodyFormat).toBe("json");
  });

  it("accepts a valid signature", async () => {
    await expect(zoomVerifier.verify(input({ headers: await signedHeaders() }))).resolves.toEqual({
      ok: true,
      signedAt: NOW,
      secretIndex: 0,
    });
  });

  it("verifies the endpoint.url_validation request, which Zoom signs like any event", async () => {
    const headers = await signedHeaders(NOW, URL_VALIDATION);
    await expect(zoomVerifier.verify(input({ headers, body: URL_VALIDATION }))).resolves.toMatchObject({ ok: true });
    const unsigned = { "x-zm-request-timestamp": String(NOW) };
    await expect(zoomVerifier.verify(input({ headers: unsigned, body: URL_VALIDATION }))).resolves.toEqual(failure("signature_missing"));
  });

  it("rejects a tampered body", async () => {
    const body = BODY.replace('"id":"1234"', '"id":"9999"');
    await expect(zoomVerifier.verify(input({ headers: await signedHeaders(), body }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a timestamp changed after signing", async () => {
    const headers = { ...(await signedHeaders()), "x-zm-request-timestamp": String(NOW + 1) };
    await expect(zoomVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a wrong secret token without revealing it", async () => {
    const outcome = await zoomVerifier.verify(input({ headers: await signedHeaders(), secrets: ["other-token"] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(JSON.stringify(outcome)).not.toContain("other-token");
  });

  it("reports the index of the matching secret during rotation", async () => {
    await expect(zoomVerifier.verify(input({ headers: await signedHeaders(), secrets: ["new-token", SECRET] }))).resolves.toEqual({
      ok: true,
      signedAt: NOW,
      secretIndex: 1,
    });
  });

  it("fails closed when the source has no secret", async () => {
    const outcome = await zoomVerifier.verify(input({ headers: await signedHeaders(), secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no secret token/i);
  });

  it("reports a missing x-zm-signature header", async () => {
    await expect(zoomVerifier.verify(input({ headers: { "x-zm-request-timestamp": String(NOW) } }))).resolves.toEqual(failure("signature_missing"));
  });

  it("reports a missing x-zm-request-timestamp header", async () => {
    const { "x-zm-signature": signature } = await signedHeaders();
    await expect(zoomVerifier.verify(input({ headers: { "x-zm-signature": signature ?? "" } }))).resolves.toEqual(failure("signature_missing"));
  });

  it.each([
    ["garbage", "garbage"],
    ["an empty value", ""],
    ["a wrong version", "v1=00"],
    ["bad hex", "v0=nothex"],
    ["a truncated digest", "v0=abcdef"],
  ])("rejects a signature with %s", async (_label, signature) => {
    const headers = { "x-zm-signature": signature, "x-zm-request-timestamp": String(NOW) };
    await expect(zoomVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects the right digest without its v0= prefix", async () => {
    const headers = await signedHeaders();
    const bare = { ...headers, "x-zm-signature": (headers["x-zm-signature"] ?? "").slice(3) };
    await expect(zoomVerifier.verify(input({ headers: bare }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a timestamp in milliseconds signed as such", async () => {
    const ms = NOW * 1000;
    const outcome = await zoomVerifier.verify(input({ headers: await signedHeaders(ms) }));
    expect(outcome).toEqual(failure("signature_invalid"));
  });

  it("rejects stale and future timestamps beyond the tolerance", async () => {
    await expect(zoomVerifier.verify(input({ headers: await signedHeaders(NOW - 301) }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
    await expect(zoomVerifier.verify(input({ headers: await signedHeaders(NOW + 301) }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
  });

  it("accepts timestamps within the tolerance", async () => {
    await expect(zoomVerifier.verify(input({ headers: await signedHeaders(NOW - 300) }))).resolves.toMatchObject({
      ok: true,
      signedAt: NOW - 300,
    });
    await expect(zoomVerifier.verify(input({ headers: await signedHeaders(NOW + 300) }))).resolves.toMatchObject({
      ok: true,
      signedAt: NOW + 300,
    });
  });
});
