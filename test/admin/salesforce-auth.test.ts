import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { diffDocuments } from "../../src/config/offline";
import { configSchema } from "../../src/config/schema";
import { loadConfig } from "../../src/config/store";
import { configWriteSchema } from "../../src/config/write-schema";
import { admin, json, problem } from "./helpers";

const SECRET = "consumer-secret-0123456789";
const REFRESH = "5Aep861refresh-token-0123456789";

const withAuth = (auth: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: "sf",
  type: "salesforce",
  externalIdField: "Email__c",
  auth: { type: "refresh_token", tokenUrl: "https://login.salesforce.com/services/oauth2/token", clientId: "3MVG9consumer-key", ...auth },
  ...extra,
});

const putDestination = (body: unknown) => admin("PUT", "/v1/destinations/sf", { body });
const active = async () => (await loadConfig(env, () => {})).document.destinations.find((d) => d.id === "sf");

describe("Salesforce destination auth through the admin API", () => {
  it("stores clientSecret and refreshToken encrypted, shows them masked, and keeps them when sent back masked or left out", async () => {
    await json(await putDestination(withAuth({ clientSecret: SECRET, refreshToken: REFRESH })), 201);
    const shown = await json<{ auth: Record<string, string> }>(await admin("GET", "/v1/destinations/sf"));
    expect(shown.auth).toMatchObject({ clientSecret: "••••6789", refreshToken: "••••6789", clientId: "3MVG9consumer-key" });
    for (const { name } of (await env.CONFIG.list({ prefix: "config/" })).keys) {
      const raw = (await env.CONFIG.get(name)) ?? "";
      expect(raw).not.toContain(SECRET);
      expect(raw).not.toContain(REFRESH);
    }

    await json(await putDestination(withAuth({ clientSecret: "••••6789" }, { timeoutMs: 5000 })));
    expect(await active()).toMatchObject({ timeoutMs: 5000, auth: { clientSecret: SECRET, refreshToken: REFRESH } });
  });

  it("refuses a masked value that masks nothing, and a refresh_token auth without its token", async () => {
    const masked = await problem(await putDestination(withAuth({ clientSecret: "••••zzzz", refreshToken: REFRESH }, { id: "sf" })), 422);
    expect(masked.problems).toContainEqual(expect.objectContaining({ pointer: "/auth/clientSecret" }));
    const missing = await problem(await admin("PUT", "/v1/destinations/sf-new", { body: { ...withAuth({ clientSecret: SECRET }), id: "sf-new" } }), 422);
    expect(missing.problems).toContainEqual(expect.objectContaining({ pointer: "/auth/refreshToken" }));
  });

  it("takes exactly one of accessToken and auth; accessToken needs instanceUrl", async () => {
    const both = await problem(
      await putDestination(
        withAuth({ clientSecret: SECRET, refreshToken: REFRESH }, { accessToken: "00Dx!token", instanceUrl: "https://acme.my.salesforce.com" }),
      ),
      422,
    );
    expect(both.problems).toContainEqual(expect.objectContaining({ pointer: "/auth" }));
    const noInstance = await problem(
      await admin("PUT", "/v1/destinations/sf-static", {
        body: { id: "sf-static", type: "salesforce", externalIdField: "Email__c", accessToken: "00Dx!token" },
      }),
      422,
    );
    expect(noInstance.problems).toContainEqual(expect.objectContaining({ pointer: "/instanceUrl" }));
    const neither = await problem(
      await admin("PUT", "/v1/destinations/sf-none", {
        body: { id: "sf-none", type: "salesforce", externalIdField: "Email__c", instanceUrl: "https://acme.my.salesforce.com" },
      }),
      422,
    );
    expect(neither.problems).toContainEqual(expect.objectContaining({ pointer: "/auth" }));
  });

  it("drops a stored accessToken when a write switches to auth, and refuses API versions before v52.0", async () => {
    await json(
      await admin("PUT", "/v1/destinations/sf-switch", {
        body: {
          id: "sf-switch",
          type: "salesforce",
          externalIdField: "Email__c",
          instanceUrl: "https://acme.my.salesforce.com",
          accessToken: "00Dx!static-token-123",
        },
      }),
      201,
    );
    await json(await admin("PUT", "/v1/destinations/sf-switch", { body: { ...withAuth({ clientSecret: SECRET, refreshToken: REFRESH }), id: "sf-switch" } }));
    const switched = (await loadConfig(env, () => {})).document.destinations.find((d) => d.id === "sf-switch");
    expect(switched).toMatchObject({ auth: { type: "refresh_token" } });
    expect(switched && "accessToken" in switched ? switched.accessToken : undefined).toBeUndefined();
    const old = await problem(await putDestination(withAuth({ clientSecret: SECRET, refreshToken: REFRESH }, { apiVersion: "v45.0" })), 422);
    expect(old.problems).toContainEqual(expect.objectContaining({ pointer: "/apiVersion" }));
  });
});

describe("the config CLI's diff with nested secrets", () => {
  it("sees no change when auth secrets are left out or masked, and a change when one is replaced", () => {
    const remote = configSchema.parse({ destinations: [withAuth({ clientSecret: "••••6789", refreshToken: "••••6789" })] });
    const same = configWriteSchema.parse({ destinations: [withAuth({ clientSecret: "••••6789" })] });
    expect(diffDocuments(same, remote).changes).toEqual([]);
    const replaced = configWriteSchema.parse({ destinations: [withAuth({ clientSecret: "a-new-consumer-secret-0000" })] });
    expect(diffDocuments(replaced, remote).changes).toEqual([expect.objectContaining({ path: expect.stringContaining("clientSecret") })]);
  });
});
