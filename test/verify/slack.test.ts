import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { slackVerifier } from "../../src/verify/providers/slack";
import type { VerifyInput } from "../../src/verify/types";

// Slack's worked example (docs.slack.dev/authentication/verifying-requests-from-slack), also the
// fixture of slackapi/python-slack-sdk tests/slack_sdk/signature/test_signature_verifier.py.
const DOCS = {
  secret: "8f742231b10e8888abcd99yyyzzz85a5",
  timestamp: 1531420618,
  body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
  signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};

const encoder = new TextEncoder();
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function sign(secret: string, timestamp: number | string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`v0:${timestamp}:${body}`));
  return `v0=${toHex(new Uint8Array(mac))}`;
}

function input(options: { headers?: Record<string, string>; secrets?: string[]; body?: string; now?: number; tolerance?: number }): VerifyInput {
  return {
    rawBody: encoder.encode(options.body ?? DOCS.body),
    headers: new Headers(options.headers ?? { "x-slack-signature": DOCS.signature, "x-slack-request-timestamp": String(DOCS.timestamp) }),
    url: "https://gateway.example/in/s",
    method: "POST",
    source: sourceSchema.parse({
      id: "s",
      provider: "slack",
      secrets: options.secrets ?? [DOCS.secret],
      toleranceSeconds: options.tolerance ?? 300,
    }),
    nowSeconds: options.now ?? DOCS.timestamp,
  };
}

const failure = (code: string) => ({ ok: false, code, detail: expect.any(String) });

describe("slack verifier", () => {
  it("declares its provider; bodies are JSON (Events API) or forms (commands, interactivity)", () => {
    expect(slackVerifier.provider).toBe("slack");
    expect(slackVerifier.bodyFormat).toBe("any");
  });

  it("accepts Slack's documented example (a form body, so no delivery id)", async () => {
    await expect(slackVerifier.verify(input({}))).resolves.toEqual({
      ok: true,
      signedAt: DOCS.timestamp,
      secretIndex: 0,
    });
  });

  it("accepts an Events API body signed independently and reports its event_id", async () => {
    const now = 1_700_000_000;
    const body = '{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention"}}';
    const headers = { "x-slack-signature": await sign("signing", now, body), "x-slack-request-timestamp": String(now) };
    await expect(slackVerifier.verify(input({ headers, body, now, secrets: ["signing"] }))).resolves.toEqual({
      ok: true,
      deliveryId: "Ev08MFMKH6",
      signedAt: now,
      secretIndex: 0,
    });
  });

  it("verifies the url_verification handshake like any other request", async () => {
    const body = '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}';
    const headers = { "x-slack-request-timestamp": String(DOCS.timestamp) };
    await expect(slackVerifier.verify(input({ headers: { ...headers, "x-slack-signature": "v0=00" }, body }))).resolves.toEqual(failure("signature_invalid"));
    const signed = { ...headers, "x-slack-signature": await sign(DOCS.secret, DOCS.timestamp, body) };
    await expect(slackVerifier.verify(input({ headers: signed, body }))).resolves.toEqual({
      ok: true,
      signedAt: DOCS.timestamp,
      secretIndex: 0,
    });
  });

  it("rejects a tampered body", async () => {
    await expect(slackVerifier.verify(input({ body: `${DOCS.body}------` }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a timestamp header changed after signing", async () => {
    const headers = { "x-slack-signature": DOCS.signature, "x-slack-request-timestamp": String(DOCS.timestamp + 1) };
    const outcome = await slackVerifier.verify(input({ headers }));
    expect(outcome).toEqual(failure("signature_invalid"));
  });

  it("rejects a wrong secret without revealing it", async () => {
    const outcome = await slackVerifier.verify(input({ secrets: ["wrong-signing-secret"] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(JSON.stringify(outcome)).not.toContain("wrong-signing-secret");
  });

  it("reports the index of the matching secret during rotation", async () => {
    await expect(slackVerifier.verify(input({ secrets: ["rotated-in", DOCS.secret] }))).resolves.toEqual({
      ok: true,
      signedAt: DOCS.timestamp,
      secretIndex: 1,
    });
  });

  it("fails closed when the source has no secret", async () => {
    const outcome = await slackVerifier.verify(input({ secrets: [] }));
    expect(outcome).toEqual(failure("signature_invalid"));
    expect(outcome.ok === false && outcome.detail).toMatch(/no signing secret/i);
  });

  it("reports a missing X-Slack-Signature header", async () => {
    const headers = { "x-slack-request-timestamp": String(DOCS.timestamp) };
    await expect(slackVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_missing"));
  });

  it("reports a missing X-Slack-Request-Timestamp header", async () => {
    const headers = { "x-slack-signature": DOCS.signature };
    await expect(slackVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_missing"));
  });

  it.each([
    ["garbage", "garbage"],
    ["an empty value", ""],
    ["a wrong version", DOCS.signature.replace("v0=", "v1=")],
    ["no version", DOCS.signature.slice(3)],
    ["bad hex", "v0=not-hex"],
    ["the right digest in base64", "v0=ohFNV7SOrDm5rRid2DFiNae0qNIaEL0nUZZmSJxptQM="],
  ])("rejects a signature with %s", async (_label, signature) => {
    const headers = { "x-slack-signature": signature, "x-slack-request-timestamp": String(DOCS.timestamp) };
    await expect(slackVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
  });

  it.each(["", "soon", "1531420618.0"])("rejects a timestamp header of %j", async (timestamp) => {
    const headers = { "x-slack-signature": DOCS.signature, "x-slack-request-timestamp": timestamp };
    await expect(slackVerifier.verify(input({ headers }))).resolves.toEqual(failure("signature_invalid"));
  });

  it("rejects a stale timestamp (python-slack-sdk's expiration case)", async () => {
    await expect(slackVerifier.verify(input({ now: DOCS.timestamp + 301 }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
  });

  it("rejects a timestamp further in the future than the tolerance", async () => {
    await expect(slackVerifier.verify(input({ now: DOCS.timestamp - 301 }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
  });

  it("accepts timestamps within the tolerance in both directions", async () => {
    await expect(slackVerifier.verify(input({ now: DOCS.timestamp + 300 }))).resolves.toMatchObject({ ok: true });
    await expect(slackVerifier.verify(input({ now: DOCS.timestamp - 300 }))).resolves.toMatchObject({ ok: true });
    await expect(slackVerifier.verify(input({ now: DOCS.timestamp + 120, tolerance: 60 }))).resolves.toEqual(failure("timestamp_out_of_tolerance"));
  });
});
