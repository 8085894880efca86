import { describe, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { apiKeyVerifier } from "../../src/verify/providers/api-key";
import type { VerifyInput } from "../../src/verify/types";
import type { SourceInput } from "../helpers";

const KEY = "sk_live_4f9c2a7e1b";

function input(headers: Record<string, string>, secrets: string[] = [KEY], apiKey?: SourceInput["apiKey"]): VerifyInput {
  return {
    rawBody: new TextEncoder().encode("{}"),
    headers: new Headers(headers),
    url: "https://gateway.example.com/in/s",
    method: "POST",
    source: sourceSchema.parse({ id: "s", provider: "api-key", secrets, apiKey }),
    nowSeconds: 1_700_000_000,
  };
}

describe("api-key verifier", () => {
  it("declares provider and body format", () => {
    expect(apiKeyVerifier.provider).toBe("api-key");
    expect(apiKeyVerifier.bodyFormat).toBe("any");
  });

  it("accepts the key in the default x-api-key header", async () => {
    expect(await apiKeyVerifier.verify(input({ "X-API-Key": KEY }))).toEqual({ ok: true, secretIndex: 0 });
  });

  it("accepts a configured header and prefix, the prefix case-insensitively", async () => {
    const options = { header: "Authorization", prefix: "Bearer " };
    expect(await apiKeyVerifier.verify(input({ Authorization: `Bearer ${KEY}` }, [KEY], options))).toEqual({
      ok: true,
      secretIndex: 0,
    });
    expect(await apiKeyVerifier.verify(input({ Authorization: `bearer ${KEY}` }, [KEY], options))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it.each([
    ["a wrong key", "sk_live_4f9c2a7e1c"],
    ["a prefix of the key", "sk_live_4f9c"],
    ["the key plus more", `${KEY}x`],
    ["the key in another case", KEY.toUpperCase()],
  ])("rejects %s", async (_, value) => {
    expect(await apiKeyVerifier.verify(input({ "x-api-key": value }))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("never puts the configured key in the detail", async () => {
    const outcome = await apiKeyVerifier.verify(input({ "x-api-key": "nope" }));
    expect(JSON.stringify(outcome)).not.toContain(KEY);
  });

  it("accepts the second key during rotation and reports its index", async () => {
    const secrets = ["key-new", "key-old"];
    expect(await apiKeyVerifier.verify(input({ "x-api-key": "key-old" }, secrets))).toEqual({ ok: true, secretIndex: 1 });
    expect(await apiKeyVerifier.verify(input({ "x-api-key": "key-new" }, secrets))).toEqual({ ok: true, secretIndex: 0 });
  });

  it("fails when the source has no key", async () => {
    const outcome = await apiKeyVerifier.verify(input({ "x-api-key": KEY }, []));
    expect(outcome).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(outcome.ok ? "" : outcome.detail).toMatch(/no API key/);
  });

  it("reports a missing header, including the key sent in another header", async () => {
    expect(await apiKeyVerifier.verify(input({}))).toMatchObject({ ok: false, code: "signature_missing" });
    expect(await apiKeyVerifier.verify(input({ "x-api-key": KEY }, [KEY], { header: "Authorization", prefix: "Bearer " }))).toMatchObject({
      ok: false,
      code: "signature_missing",
    });
  });

  it.each([
    ["empty", ""],
    ["scheme only", "Bearer"],
    ["wrong scheme", `Basic ${KEY}`],
    ["no scheme", KEY],
  ])("rejects a malformed prefixed header (%s)", async (_, value) => {
    const options = { header: "Authorization", prefix: "Bearer " };
    expect(await apiKeyVerifier.verify(input({ Authorization: value }, [KEY], options))).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("rejects an empty default header", async () => {
    expect(await apiKeyVerifier.verify(input({ "x-api-key": "" }))).toMatchObject({ ok: false, code: "signature_invalid" });
  });
});
