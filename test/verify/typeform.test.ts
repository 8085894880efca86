import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { typeformVerifier } from "../../src/verify/providers/typeform";
import type { VerifyInput } from "../../src/verify/types";

// Typeform publishes no fixed vector (its docs show code only), so signatures are computed
// with WebCrypto as https://www.typeform.com/developers/webhooks/secure-your-webhooks/ says.
const SECRET = "tf-secret";
const BODY =
  '{"event_id":"01HZ3N5Q8K","event_type":"form_response","form_response":{"form_id":"lT4Z3j","hidden":{"email":"ada@example.com"},"calculated":{"score":91}}}';

const encoder = new TextEncoder();
const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

async function sign(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `sha256=${toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body))))}`;
}

function input(options: { signature?: string | null; secrets?: string[]; body?: string }): VerifyInput {
  const headers = new Headers({ "content-type": "application/json" });
  if (typeof options.signature === "string") headers.set("typeform-signature", options.signature);
  return {
    rawBody: encoder.encode(options.body ?? BODY),
    headers,
    url: "https://gateway.example/in/typeform-leads",
    method: "POST",
    source: sourceSchema.parse({ id: "typeform-leads", provider: "typeform", secrets: options.secrets ?? [SECRET] }),
    nowSeconds: 1_700_000_000,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("typeform verifier", () => {
  it("declares its provider and JSON bodies", () => {
    expect(typeformVerifier.provider).toBe("typeform");
    expect(typeformVerifier.bodyFormat).toBe("json");
  });

  it("accepts a valid signature and reports the body's event_id", async () => {
    await expect(typeformVerifier.verify(input({ signature: await sign(SECRET, BODY) }))).resolves.toEqual({
      ok: true,
      deliveryId: "01HZ3N5Q8K",
      secretIndex: 0,
    });
  });

  it("accepts a verified body without an event_id, reporting no delivery id", async () => {
    const body = '{"event_type":"form_response"}';
    await expect(typeformVerifier.verify(input({ signature: await sign(SECRET, body), body }))).resolves.toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it("rejects a tampered body", async () => {
    const body = BODY.replace('"score":91', '"score":99');
    await expect(typeformVerifier.verify(input({ signature: await sign(SECRET, BODY), body }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a wrong secret without revealing it", async () => {
    const outcome = await typeformVerifier.verify(input({ signature: await sign(SECRET, BODY), secrets: ["other-secret"] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(JSON.stringify(outcome)).not.toContain("other-secret");
  });

  it("reports the index of the matching secret during rotation", async () => {
    const outcome = await typeformVerifier.verify(input({ signature: await sign(SECRET, BODY), secrets: ["new", SECRET] }));
    expect(outcome).toEqual({ ok: true, deliveryId: "01HZ3N5Q8K", secretIndex: 1 });
  });

  it("fails closed when the source has no secret", async () => {
    const outcome = await typeformVerifier.verify(input({ signature: await sign(SECRET, BODY), secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no webhook secret/i);
  });

  it("reports a missing Typeform-Signature header", async () => {
    await expect(typeformVerifier.verify(input({ signature: null }))).resolves.toEqual(failure("signature_missing"));
  });

  it.each([
    ["garbage", "garbage"],
    ["an empty value", ""],
    ["a wrong prefix", "sha1=AAAA"],
    ["no prefix", "c2lnbmF0dXJl"],
    ["bad base64", "sha256=%%%"],
    ["a hex digest", `sha256=${"ab".repeat(32)}`],
  ])("rejects a header with %s", async (_label, signature) => {
    await expect(typeformVerifier.verify(input({ signature }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects the right digest without its sha256= prefix", async () => {
    const bare = (await sign(SECRET, BODY)).slice("sha256=".length);
    await expect(typeformVerifier.verify(input({ signature: bare }))).resolves.toEqual(failure("signature_invalid"));
  });
});
