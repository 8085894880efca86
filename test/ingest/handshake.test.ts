import { beforeAll, describe, expect, it } from "vitest";
import { configureSources, eventsOf, flushInbox, post } from "../helpers";
import { hmacSha256Hex as hmacHex } from "../signing";

const secret = "8f742231b10e8888abcd99yyyzzz85a5";

/** Slack and Zoom sign `v0:<timestamp>:<body>` alike, under different header names. */
async function v0Headers(body: string, prefix: "x-slack" | "x-zm"): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${await hmacHex(secret, `v0:${timestamp}:${body}`)}`;
  return prefix === "x-slack"
    ? { "content-type": "application/json", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature }
    : { "content-type": "application/json", "x-zm-request-timestamp": timestamp, "x-zm-signature": signature };
}

beforeAll(async () => {
  await configureSources({ id: "slack", provider: "slack", secrets: [secret] }, { id: "zoom", provider: "zoom", secrets: ["old-secret-token", secret] });
});

describe("provider handshakes", () => {
  it("echoes Slack's url_verification challenge and stores nothing", async () => {
    const body = JSON.stringify({ token: "t", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
    const response = await post("/in/slack", body, await v0Headers(body, "x-slack"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    expect(await flushInbox("slack")).toBe(false);
    expect(await eventsOf("slack")).toEqual([]);
  });

  it("answers Zoom's endpoint.url_validation with the token hashed under the matching secret", async () => {
    const plainToken = "qgg8vlvZRS6UYooatFL8Aw";
    const body = JSON.stringify({ payload: { plainToken }, event_ts: 1654503849680, event: "endpoint.url_validation" });
    const response = await post("/in/zoom", body, await v0Headers(body, "x-zm"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ plainToken, encryptedToken: await hmacHex(secret, plainToken) });
    expect(await eventsOf("zoom")).toEqual([]);
  });

  it("refuses an unsigned handshake: only the endpoint's owner may answer for it", async () => {
    const body = JSON.stringify({ challenge: "x", type: "url_verification" });
    const response = await post("/in/slack", body, { "content-type": "application/json" });
    expect(response.status).toBe(401);
  });

  it("accepts ordinary Slack events signed the same way", async () => {
    const body = JSON.stringify({ type: "event_callback", event_id: "Ev01", event: { type: "team_join" } });
    const response = await post("/in/slack", body, await v0Headers(body, "x-slack"));
    expect(response.status).toBe(202);
  });
});
