import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { mandrillVerifier } from "../../src/verify/providers/mandrill";
import type { VerifyInput } from "../../src/verify/types";

const KEY = "mandrill-webhook-key";
const URL_SIGNED = "https://hooks.example.com/in/mandrill-events";
const EVENTS = '[{"event":"send","msg":{"email":"ada@example.com","subject":"Hi there"},"ts":1700000000}]';
const BODY = `mandrill_events=${encodeURIComponent(EVENTS)}`;

async function hmacSha1Base64(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(message)));
  return btoa(String.fromCharCode(...mac));
}

function input(opts: { header?: string | null; body?: string; secrets?: string[]; url?: string }): VerifyInput {
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  if (opts.header !== null && opts.header !== undefined) headers.set("X-Mandrill-Signature", opts.header);
  return {
    rawBody: new TextEncoder().encode(opts.body ?? BODY),
    headers,
    url: opts.url ?? URL_SIGNED,
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "mandrill", secrets: opts.secrets ?? [KEY] }),
    nowSeconds: 1_700_000_000,
  };
}

describe("mandrill verifier", () => {
  it("declares provider and body format", () => {
    expect(mandrillVerifier.provider).toBe("mandrill");
    expect(mandrillVerifier.bodyFormat).toBe("form");
  });

  it("accepts a fixed vector computed outside the test runtime", async () => {
    // Python: parse_qsl of the '+'-encoded form body, then base64(HMAC-SHA1(key, url + key1 + value1 …)).
    const body =
      "mandrill_events=%5B%7B%22event%22%3A%22send%22%2C%22msg%22%3A%7B%22email%22%3A%22ada%40example.com%22%2C%22subject%22%3A%22Hi+there%22%7D%2C%22ts%22%3A1700000000%7D%5D";
    expect(await mandrillVerifier.verify(input({ body, header: "pC4WMU58moDzJ2wXHrKYJkNEmUA=" }))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it("accepts a signature computed with WebCrypto (same events, %20-encoded)", async () => {
    const header = await hmacSha1Base64(KEY, `${URL_SIGNED}mandrill_events${EVENTS}`);
    expect(header).toBe("pC4WMU58moDzJ2wXHrKYJkNEmUA=");
    expect(await mandrillVerifier.verify(input({ header }))).toEqual({ ok: true, secretIndex: 0 });
  });

  it("signs parameters sorted by key, not in body order", async () => {
    const body = "zeta=last&alpha=first&mandrill_events=%5B%5D";
    const header = await hmacSha1Base64(KEY, `${URL_SIGNED}alphafirstmandrill_events[]zetalast`);
    expect(await mandrillVerifier.verify(input({ body, header }))).toEqual({ ok: true, secretIndex: 0 });
    const bodyOrder = await hmacSha1Base64(KEY, `${URL_SIGNED}zetalastalphafirstmandrill_events[]`);
    expect(await mandrillVerifier.verify(input({ body, header: bodyOrder }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("rejects a tampered body", async () => {
    const header = await hmacSha1Base64(KEY, `${URL_SIGNED}mandrill_events${EVENTS}`);
    const body = `mandrill_events=${encodeURIComponent(EVENTS.replace("send", "hard_bounce"))}`;
    expect(await mandrillVerifier.verify(input({ body, header }))).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a signature for another URL", async () => {
    const header = await hmacSha1Base64(KEY, `${URL_SIGNED}mandrill_events${EVENTS}`);
    expect(await mandrillVerifier.verify(input({ header, url: "https://worker.example.dev/in/s" }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("rejects a repeated key that would let a forged value ride on a signed one", async () => {
    const header = await hmacSha1Base64(KEY, `${URL_SIGNED}mandrill_events${EVENTS}`);
    const body = `mandrill_events=${encodeURIComponent("[]")}&${BODY}`;
    expect(await mandrillVerifier.verify(input({ body, header }))).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a body that is not UTF-8", async () => {
    const header = await hmacSha1Base64(KEY, `${URL_SIGNED}mandrill_events${EVENTS}`);
    const outcome = await mandrillVerifier.verify({
      ...input({ header }),
      rawBody: new Uint8Array([0x6d, 0x3d, 0xff, 0xfe]),
    });
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a signature made with another key, without echoing the expected one", async () => {
    const header = await hmacSha1Base64("other-key", `${URL_SIGNED}mandrill_events${EVENTS}`);
    const outcome = await mandrillVerifier.verify(input({ header }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(JSON.stringify(outcome)).not.toContain("pC4WMU58moDzJ2wXHrKYJkNEmUA=");
  });

  it("accepts the second key during rotation and reports its index", async () => {
    const header = await hmacSha1Base64("old-key", `${URL_SIGNED}mandrill_events${EVENTS}`);
    expect(await mandrillVerifier.verify(input({ header, secrets: ["new-key", "old-key"] }))).toEqual({
      ok: true,
      secretIndex: 1,
    });
  });

  it("fails when the source has no key", async () => {
    const outcome = await mandrillVerifier.verify(input({ header: "pC4WMU58moDzJ2wXHrKYJkNEmUA=", secrets: [] }));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no webhook key/);
  });

  it("reports a missing header", async () => {
    expect(await mandrillVerifier.verify(input({ header: null }))).toMatchObject({
      ok: false,
      code: "signature_missing",
    });
  });

  it.each([
    ["empty", ""],
    ["not base64", "!!not base64!!"],
    ["hex instead of base64", "a42e16314e7c9a80f3276c171eb29826434499"],
    ["truncated", "pC4WMU58moDzJ2wXHrKYJkNEmU"],
    ["prefixed", "sha1=pC4WMU58moDzJ2wXHrKYJkNEmUA="],
  ])("rejects a malformed header (%s)", async (_, header) => {
    expect(await mandrillVerifier.verify(input({ header }))).toMatchObject({ ok: false, code: "signature_invalid" });
  });
});
