import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldSchemaAt, hasParent, keepStoredAt, mapStringsAt, replaceFieldsAt, splitPath, valueAt, withValueAt } from "../../src/config/secret-paths";

/**
 * A destination shape with nested secrets inside a union, as a connector with OAuth
 * declares them (`auth.clientSecret`, `auth.refreshToken`): no connector has one yet,
 * so the path machinery is checked on its own here.
 */
const oauthDestination = z.object({
  id: z.string(),
  type: z.literal("oauth-crm"),
  auth: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("refresh_token"), clientId: z.string(), clientSecret: z.string().min(1), refreshToken: z.string().min(1) }),
      z.object({ type: z.literal("client_credentials"), clientId: z.string(), clientSecret: z.string().min(1) }),
    ])
    .optional(),
});
const paths = ["auth.clientSecret", "auth.refreshToken"].map(splitPath);
const keep = (field: z.ZodType) => z.union([z.string().startsWith("••••"), field]).optional();
const refreshAuth = { type: "refresh_token", clientId: "app", clientSecret: "client-secret-1", refreshToken: "refresh-token-2" };

describe("secret paths", () => {
  it("reads and replaces nested values without touching the original or a missing parent", () => {
    const destination = { id: "crm", type: "oauth-crm", auth: refreshAuth };
    const path = splitPath("auth.refreshToken");
    expect(valueAt(destination, path)).toBe("refresh-token-2");
    const replaced = withValueAt(destination, path, "new");
    expect(replaced.auth).toEqual({ ...refreshAuth, refreshToken: "new" });
    expect(destination.auth.refreshToken).toBe("refresh-token-2");

    const withoutAuth = { id: "crm", type: "oauth-crm" };
    expect(valueAt(withoutAuth, path)).toBeUndefined();
    expect(hasParent(withoutAuth, path)).toBe(false);
    expect(withValueAt(withoutAuth, path, "new")).toEqual(withoutAuth);
  });

  it("maps only the strings found at the paths", () => {
    const credentials = { id: "crm", type: "oauth-crm", auth: { type: "client_credentials", clientId: "app", clientSecret: "client-secret-1" } };
    expect(mapStringsAt(credentials, paths, (text) => `masked:${text.slice(-1)}`)).toEqual({
      ...credentials,
      auth: { ...credentials.auth, clientSecret: "masked:1" },
    });
  });

  it("finds the field a path leads to through the union option the value picks", () => {
    const refresh = fieldSchemaAt(oauthDestination, { auth: refreshAuth }, splitPath("auth.refreshToken"));
    expect(refresh?.safeParse(undefined).success).toBe(false);
    expect(fieldSchemaAt(oauthDestination, { auth: { type: "client_credentials" } }, splitPath("auth.refreshToken"))).toBeUndefined();
    expect(fieldSchemaAt(oauthDestination, {}, splitPath("auth.nothing"))).toBeUndefined();
  });

  it("builds a write schema where nested secrets may be left out or masked, and nested typos are refused", () => {
    const write = replaceFieldsAt(oauthDestination, paths, keep);
    expect(write.safeParse({ id: "crm", type: "oauth-crm", auth: { type: "refresh_token", clientId: "app" } }).success).toBe(true);
    expect(write.safeParse({ id: "crm", type: "oauth-crm", auth: { ...refreshAuth, clientSecret: "••••et-1" } }).success).toBe(true);
    expect(write.safeParse({ id: "crm", type: "oauth-crm" }).success).toBe(true);
    expect(write.safeParse({ id: "crm", type: "oauth-crm", auth: { type: "client_credentials", clientId: "app", clientSecrett: "x" } }).success).toBe(false);
    expect(write.safeParse({ id: "crm", type: "oauth-crm", auth: { ...refreshAuth, clientSecret: "" } }).success).toBe(false);
    // The document schema itself still requires them.
    expect(oauthDestination.safeParse({ id: "crm", type: "oauth-crm", auth: { type: "refresh_token", clientId: "app" } }).success).toBe(false);
  });

  it("keeps nested secrets from the stored entry, and requires only those the written shape has", () => {
    const masks = { schema: oauthDestination, paths, maskSecret: (v: string) => `••••${v.slice(-2)}`, isMasked: (v: string) => v.startsWith("••••") };
    const stored = { id: "crm", type: "oauth-crm", auth: refreshAuth };

    // Left out and masked: both kept.
    const rewritten = keepStoredAt({ id: "crm", type: "oauth-crm", auth: { type: "refresh_token", clientId: "app", refreshToken: "••••-2" } }, stored, masks);
    expect(rewritten).toEqual({ value: stored, problems: [] });

    // Switched to client credentials: the secret is kept, the refresh token is not asked for.
    const switched = keepStoredAt({ id: "crm", type: "oauth-crm", auth: { type: "client_credentials", clientId: "app" } }, stored, masks);
    expect(switched).toEqual({
      value: { id: "crm", type: "oauth-crm", auth: { type: "client_credentials", clientId: "app", clientSecret: "client-secret-1" } },
      problems: [],
    });

    // New, nothing stored: each required secret of the shape is missing; a wrong mask matches nothing.
    const fresh = keepStoredAt({ id: "crm", type: "oauth-crm", auth: { type: "refresh_token", clientId: "app", clientSecret: "••••zz" } }, undefined, masks);
    expect(fresh.problems).toEqual([
      { path: ["auth", "clientSecret"], missing: false },
      { path: ["auth", "refreshToken"], missing: true },
    ]);

    // No auth written: nothing under it is asked for.
    expect(keepStoredAt({ id: "crm", type: "oauth-crm" }, undefined, masks).problems).toEqual([]);
  });

  it("refuses a secret path through something that is not an object", () => {
    const listed = z.object({ id: z.string(), type: z.literal("x"), tokens: z.array(z.object({ value: z.string() })) });
    expect(() => replaceFieldsAt(listed, [splitPath("tokens.value")], keep)).toThrow(/cannot pass through a array/);
  });
});
