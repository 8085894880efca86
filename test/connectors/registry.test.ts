import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { destinationSchema } from "../../src/config/schema";
import { maskDestination, maskSecret } from "../../src/config/secret-fields";
import { fieldSchemaAt, splitPath, valueAt, withValueAt } from "../../src/config/secret-paths";
import { loadConfig } from "../../src/config/store";
import { destinationWriteSchema } from "../../src/config/write-schema";
import { destinationActions } from "../../src/connectors/connector";
import { connectorOf, connectors, crmTypes, type DestinationType, destinationTypes } from "../../src/connectors/registry";
import { rateSchema } from "../../src/lib/config-fields";
import { admin, json, problem } from "../admin/helpers";

type Sample<Type extends DestinationType> = z.input<(typeof connectors)[Type]["schema"]>;

/**
 * One destination of every type, with a distinct secret at each of its secret paths;
 * every secret, and nothing else, contains `SECRET`, so a secret the connector forgot
 * to declare shows up unmasked. The mapped type makes a connector added to the
 * registry without a sample here a type error, so every check below covers it.
 */
const samples: { [Type in DestinationType]: Sample<Type> } = {
  hubspot: { id: "hubspot", type: "hubspot", token: "pat-na1-hubspot-SECRET-0001" },
  salesforce: {
    id: "salesforce",
    type: "salesforce",
    auth: {
      type: "refresh_token",
      tokenUrl: "https://login.salesforce.com/services/oauth2/token",
      clientId: "3MVG9-consumer-key",
      clientSecret: "salesforce-consumer-SECRET-0006",
      refreshToken: "5Aep861-salesforce-refresh-SECRET-0007",
    },
    externalIdField: "Email__c",
  },
  pipedrive: { id: "pipedrive", type: "pipedrive", apiToken: "pipedrive-token-SECRET-0003" },
  slack: { id: "slack", type: "slack", url: "https://hooks.slack.com/services/T000/B000/SECRET-0004" },
  http: { id: "http", type: "http", url: "https://receiver.example/hooks", secret: "whsec_SECRET0005" },
};

/**
 * Further shapes of a type whose secrets cannot all sit in one destination
 * (Salesforce takes either a fixed `accessToken` or a connected app's `auth`).
 */
const alternatives: { [Type in DestinationType]?: Sample<Type>[] } = {
  salesforce: [
    {
      id: "salesforce-static",
      type: "salesforce",
      instanceUrl: "https://example.my.salesforce.com",
      accessToken: "00Dxx-salesforce-SECRET-0002",
      externalIdField: "Email__c",
    },
  ],
};

/** Every sample, with its type. */
function allSamples(): { type: DestinationType; sample: Sample<DestinationType> }[] {
  return destinationTypes.flatMap((type) => [samples[type], ...(alternatives[type] ?? [])].map((sample) => ({ type, sample })));
}

/** Every (type, sample id, path, secret) of the samples; each declared path is in at least one sample of its type. */
function sampleSecrets(): { type: DestinationType; id: string; sample: Sample<DestinationType>; path: readonly string[]; secret: string }[] {
  const found = allSamples().flatMap(({ type, sample }) =>
    connectors[type].secrets.flatMap((dotted) => {
      const path = splitPath(dotted);
      const secret = valueAt(sample, path);
      return typeof secret === "string" ? [{ type, id: sample.id, sample, path, secret }] : [];
    }),
  );
  for (const type of destinationTypes) {
    for (const dotted of connectors[type].secrets) {
      if (!found.some((s) => s.type === type && s.path.join(".") === dotted)) throw new Error(`no ${type} sample has a secret at ${dotted}`);
    }
  }
  return found;
}

function documentWith(destinations: unknown[]) {
  return { sources: [], pools: [], routes: [], destinations };
}

describe("connector registry", () => {
  it("keys each connector by its schema's type, and the configuration takes each type", () => {
    for (const type of destinationTypes) expect(connectors[type].schema.shape.type.value).toBe(type);
    for (const { type, sample } of allSamples()) expect(destinationSchema.parse(sample).type).toBe(type);
    expect(destinationSchema.options.map((option) => option.shape.type.value)).toEqual(destinationTypes);
  });

  it("declares a usable rate, batch size, label and actions for every connector", () => {
    for (const type of destinationTypes) {
      const connector = connectors[type];
      expect(rateSchema.safeParse(connector.defaultRate).success, type).toBe(true);
      expect(Number.isSafeInteger(connector.deliveriesPerCall) && connector.deliveriesPerCall > 0, type).toBe(true);
      expect(connector.label.trim(), type).not.toBe("");
      expect(connector.actions.length, type).toBeGreaterThan(0);
      expect(new Set(connector.actions).size, type).toBe(connector.actions.length);
      // A CRM is where `upsert` writes records; outcome linking relies on their ids.
      if (connector.crm) expect(connector.actions, type).toContain("upsert");
    }
    for (const action of destinationActions) {
      expect(
        destinationTypes.some((type) => (connectors[type].actions as readonly string[]).includes(action)),
        action,
      ).toBe(true);
    }
    expect(crmTypes).toEqual(destinationTypes.filter((type) => connectors[type].crm));
  });

  it("declares secret paths that lead to string fields of the connector's schema", () => {
    for (const { type, sample, path, secret } of sampleSecrets()) {
      const field = fieldSchemaAt(connectors[type].schema, sample, path);
      expect(field, `${type}: ${path.join(".")}`).toBeDefined();
      expect(field?.safeParse(secret).success, `${type}: ${path.join(".")}`).toBe(true);
    }
    const secrets = sampleSecrets().map((s) => s.secret);
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(secrets.every((secret) => secret.includes("SECRET"))).toBe(true);
  });

  it("shows each connector's target in the console, from the masked destination, without a secret", () => {
    for (const { type, sample } of allSamples()) {
      // The console reads the masked document, as the API returns it.
      const destination = maskDestination(destinationSchema.parse(sample));
      const target = connectorOf(destination).target(destination);
      expect(target.length, type).toBeGreaterThan(0);
      expect(target, type).not.toContain("SECRET");
    }
  });

  it("reads each API's error code from the error body its documentation shows", () => {
    // One documented error body per connector that reads error codes.
    const documented: Partial<Record<DestinationType, { body: string; code: string }>> = {
      // https://developers.hubspot.com/docs/api/error-handling
      hubspot: {
        body: JSON.stringify({ status: "error", message: "Property values were not valid", correlationId: "aeb5f871", category: "VALIDATION_ERROR" }),
        code: "VALIDATION_ERROR",
      },
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
      salesforce: { body: JSON.stringify([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]), code: "INVALID_SESSION_ID" },
      // https://pipedrive.readme.io/docs/core-api-concepts-responses
      pipedrive: {
        body: JSON.stringify({
          success: false,
          error: "Couldn't add the deal. Open deals limit reached.",
          error_info: "Please check developers.pipedrive.com",
          data: null,
          additional_data: null,
          code: "feature_capping_deals_limit",
        }),
        code: "feature_capping_deals_limit",
      },
      // https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks
      slack: { body: "channel_is_archived", code: "channel_is_archived" },
    };
    for (const type of destinationTypes) {
      const read = connectors[type].errorCode;
      const sample = documented[type];
      expect(read === undefined, `${type}: an error reader needs a documented sample here, and a sample a reader`).toBe(sample === undefined);
      if (read && sample) {
        expect(read(sample.body), type).toBe(sample.code);
        expect(read("<html><body>Bad Gateway</body></html>"), type).toBeUndefined();
      }
    }
  });

  it("refuses a misspelt field on write for every type (writes are strict)", () => {
    for (const { type, sample } of allSamples()) {
      expect(destinationWriteSchema.safeParse(sample).success, type).toBe(true);
      expect(destinationWriteSchema.safeParse({ ...sample, maxAttempt: 3 }).success, type).toBe(false);
    }
  });
});

describe("connector secrets through the admin API", () => {
  it("masks every secret path on GET and stores none of them in clear", async () => {
    await json(await admin("PUT", "/v1/config", { body: documentWith(allSamples().map(({ sample }) => sample)) }));
    const shown = await json<{ destinations: Record<string, unknown>[] }>(await admin("GET", "/v1/config"));
    for (const { type, id, path, secret } of sampleSecrets()) {
      const destination = shown.destinations.find((d) => d.id === id);
      expect(valueAt(destination, path), `${type}: ${path.join(".")}`).toBe(maskSecret(secret));
    }
    // Undeclared secrets too: nothing marked as one may show or be stored in clear.
    expect(JSON.stringify(shown)).not.toContain("SECRET");
    const listed = await env.CONFIG.list({ prefix: "config/" });
    expect(listed.keys.length).toBeGreaterThan(0);
    for (const { name } of listed.keys) expect((await env.CONFIG.get(name)) ?? "", name).not.toContain("SECRET");
  });

  it("keeps every stored secret when a write leaves it out or sends it masked", async () => {
    const stored = allSamples().map(({ sample }) => ({ ...sample, id: `keep-${sample.id}` }));
    await json(await admin("PUT", "/v1/config", { body: documentWith(stored) }));
    const secrets = sampleSecrets();
    const rewritten = stored.map((destination) =>
      secrets
        .filter((s) => `keep-${s.id}` === destination.id)
        // Even-numbered secrets left out, odd ones sent masked.
        .reduce<Record<string, unknown>>((out, s) => withValueAt(out, s.path, secrets.indexOf(s) % 2 === 0 ? undefined : maskSecret(s.secret)), {
          ...destination,
          timeoutMs: 5_000,
        }),
    );
    await json(await admin("PUT", "/v1/config", { body: documentWith(rewritten) }));
    const active = await loadConfig(env, () => {});
    for (const { type, id, path, secret } of secrets) {
      const destination = active.document.destinations.find((d) => d.id === `keep-${id}`);
      expect(destination?.timeoutMs).toBe(5_000);
      expect(valueAt(destination, path), `${type}: ${path.join(".")}`).toBe(secret);
    }
  });

  it("refuses a new destination without its secrets, pointing at each secret path", async () => {
    const fresh = destinationTypes.map((type) =>
      connectors[type].secrets.reduce<Record<string, unknown>>((out, dotted) => withValueAt(out, splitPath(dotted), undefined), {
        ...samples[type],
        id: `fresh-${type}`,
      }),
    );
    const body = await problem(await admin("PUT", "/v1/config", { body: documentWith(fresh) }), 422);
    // The secrets each sample has (a Salesforce `auth` sample has no `accessToken`).
    const expected = destinationTypes.flatMap((type, i) =>
      connectors[type].secrets
        .filter((dotted) => typeof valueAt(samples[type], splitPath(dotted)) === "string")
        .map((dotted) => ({ pointer: `/destinations/${i}/${splitPath(dotted).join("/")}`, message: "required (no stored value to keep)" })),
    );
    expect(body.problems).toEqual(expected);
  });
});
