import { inject } from "vitest";
import type { LeadDelivery } from "../../src/connectors/types";
import type { Lead } from "../../src/lead/schema";
import { createFake, type FakeHandle } from "../fakes/client";
import type { FakeInfo, FakeType } from "../fakes/types";

/** Local fakes listen on http://127.0.0.1, as ALLOW_HTTP_DESTINATIONS=true allows in tests. */
export const options = { allowHttp: true } as const;

/** A fake of this test file's own (records, faults and rate-limit window unshared). */
export function privateFake(type: FakeType, fakeOptions: object = {}): Promise<FakeHandle> {
  return createFake(inject("fakes").factoryUrl, type, fakeOptions);
}

/** A Salesforce `auth` (refresh-token flow) for a Salesforce fake's connected app. */
export function salesforceAuth(fake: FakeInfo) {
  return {
    type: "refresh_token" as const,
    tokenUrl: fake.credentials.tokenUrl ?? "",
    clientId: fake.credentials.clientId ?? "",
    clientSecret: fake.credentials.clientSecret ?? "",
    refreshToken: fake.credentials.refreshToken ?? "",
  };
}

let sequence = 0;

export function delivery(lead: Partial<Lead> = {}, extra: Partial<Omit<LeadDelivery, "lead">> = {}): LeadDelivery {
  sequence += 1;
  return {
    deliveryId: `evt_test${sequence}:0`,
    eventId: `evt_test${sequence}`,
    sourceId: "typeform-leads",
    routeId: "hot",
    lead: {
      email: `lead${sequence}@acme.example`,
      firstName: "Jane",
      lastName: "Doe",
      company: "Acme",
      custom: {},
      ...lead,
    },
    properties: {},
    ...extra,
  };
}

export function jsonOf(request: { body: string }): unknown {
  return JSON.parse(request.body);
}
