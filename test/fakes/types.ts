/**
 * Names and addresses of the fakes, with no server code: safe to import from tests
 * that run inside workerd (serve.ts pulls in Node's http server and must not be).
 */
export const fakeTypes = ["hubspot", "salesforce", "pipedrive", "slack", "receiver", "enrichment"] as const;
export type FakeType = (typeof fakeTypes)[number];

/** Where a connector should point, and what it must send, to reach one fake. */
export interface FakeInfo {
  type: FakeType;
  /** `http://127.0.0.1:<port>`: the control API is under `<origin>/__fake`. */
  origin: string;
  /**
   * The destination setting: HubSpot `baseUrl`, Salesforce `instanceUrl`, Pipedrive
   * `baseUrl`, the Slack webhook `url`, the receiver's `url`, an `http` enrichment's `url`.
   */
  url: string;
  /** HubSpot `token`, Salesforce `accessToken` + `externalIdField` + the connected app (`tokenUrl`, `clientId`, `clientSecret`, `refreshToken`), Pipedrive `apiToken`, receiver `secret`, enrichment `token`. */
  credentials: Record<string, string>;
}
