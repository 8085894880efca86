import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { githubVerifier } from "../../src/verify/providers/github";
import type { VerifyInput } from "../../src/verify/types";

// GitHub's own example, docs.github.com "Validating webhook deliveries" → "Testing the webhook payload validation".
const DOCS = {
  secret: "It's a Secret to Everybody",
  body: "Hello, World!",
  signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
};
// octokit/webhooks-methods.js test/verify.test.ts: GitHub's JSON formatting (2-space indent, trailing newline).
const OCTOKIT = {
  secret: "mysecret",
  body: `${JSON.stringify({ foo: "bar" }, null, 2)}\n`,
  signature: "sha256=e3eccac34c43c7dc1cbb905488b1b81347fcc700a7b025697a9d07862256023f",
};

const encoder = new TextEncoder();
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function hmacHex(algorithm: "SHA-256" | "SHA-1", secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: algorithm }, false, ["sign"]);
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body))));
}

function input(options: { headers?: Record<string, string>; secrets?: string[]; body?: string }): VerifyInput {
  return {
    rawBody: encoder.encode(options.body ?? DOCS.body),
    headers: new Headers(options.headers ?? { "x-hub-signature-256": DOCS.signature, "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958" }),
    url: "https://gateway.example/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "github", secrets: options.secrets ?? [DOCS.secret] }),
    nowSeconds: 1_700_000_000,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("github verifier", () => {
  it("declares its provider; bodies may be JSON or form-encoded", () => {
    expect(githubVerifier.provider).toBe("github");
    expect(githubVerifier.bodyFormat).toBe("any");
  });

  it("accepts GitHub's documented example and reports X-GitHub-Delivery", async () => {
    await expect(githubVerifier.verify(input({}))).resolves.toEqual({
      ok: true,
      unsignedDeliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      secretIndex: 0,
    });
  });

  it("accepts octokit's published vector", async () => {
    const outcome = await githubVerifier.verify(
      input({ secrets: [OCTOKIT.secret], body: OCTOKIT.body, headers: { "x-hub-signature-256": OCTOKIT.signature } }),
    );
    expect(outcome).toEqual({ ok: true, secretIndex: 0 });
  });

  it("accepts a signature computed independently with WebCrypto", async () => {
    const body = '{"action":"opened","issue":{"number":1}}';
    const signature = `sha256=${await hmacHex("SHA-256", "s3cret", body)}`;
    const outcome = await githubVerifier.verify(
      input({ secrets: ["s3cret"], body, headers: { "x-hub-signature-256": signature, "x-github-delivery": "d-1" } }),
    );
    expect(outcome).toEqual({ ok: true, unsignedDeliveryId: "d-1", secretIndex: 0 });
  });

  it("rejects a tampered body", async () => {
    await expect(githubVerifier.verify(input({ body: "Hello, World?" }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a wrong secret without revealing it", async () => {
    const outcome = await githubVerifier.verify(input({ secrets: ["not the secret"] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(JSON.stringify(outcome)).not.toContain("not the secret");
  });

  it("reports the index of the matching secret during rotation", async () => {
    await expect(githubVerifier.verify(input({ secrets: ["newer", DOCS.secret] }))).resolves.toMatchObject({
      ok: true,
      secretIndex: 1,
    });
  });

  it("fails closed when the source has no secret", async () => {
    const outcome = await githubVerifier.verify(input({ secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no webhook secret/i);
  });

  it("reports a missing X-Hub-Signature-256 header", async () => {
    await expect(githubVerifier.verify(input({ headers: {} }))).resolves.toEqual(failure("signature_missing"));
  });

  it("does not fall back to the SHA-1 X-Hub-Signature, even when it is valid", async () => {
    const sha1 = `sha1=${await hmacHex("SHA-1", DOCS.secret, DOCS.body)}`;
    const outcome = await githubVerifier.verify(input({ headers: { "x-hub-signature": sha1 } }));
    expect(outcome).toEqual(failure("signature_missing"));
    expect(outcome.ok === false && outcome.detail).toMatch(/SHA-1/);
  });

  it.each([
    ["garbage", "garbage"],
    ["an empty value", ""],
    ["a wrong prefix", DOCS.signature.replace("sha256=", "sha1=")],
    ["no prefix", DOCS.signature.slice("sha256=".length)],
    ["bad hex", "sha256=xyz"],
    ["a truncated digest", DOCS.signature.slice(0, 40)],
  ])("rejects a signature with %s", async (_label, signature) => {
    await expect(githubVerifier.verify(input({ headers: { "x-hub-signature-256": signature } }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("has no timestamp, so the clock does not matter", async () => {
    const outcome = await githubVerifier.verify({ ...input({}), nowSeconds: 0 });
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome).not.toHaveProperty("signedAt");
  });
});
