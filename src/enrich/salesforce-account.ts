import { z } from "zod";
import type { ConnectorOptions } from "../connectors/connector";
import { parseJson, sendHttp } from "../connectors/http";
import type { SalesforceDestination } from "../connectors/salesforce-destination";
import { withSession } from "../connectors/salesforce-session";
import { transportError } from "./http-lookup";

/** An Account as the query returns it. */
export interface FoundAccount {
  Id: string;
  Name: string | null;
  Website: string | null;
  OwnerId: string | null;
}

/**
 * The query answer as documented: `{ totalSize, done, records: [{ attributes: {
 * type, url }, …fields }], nextRecordsUrl? }`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm
 */
const queryAnswer = z.object({
  totalSize: z.number().int().nonnegative(),
  done: z.boolean(),
  records: z.array(
    z
      .object({
        Id: z.string(),
        Name: z.string().nullable().default(null),
        Website: z.string().nullable().default(null),
        OwnerId: z.string().nullable().default(null),
      })
      .loose(),
  ),
});

/** Salesforce's errors: `[{ message, errorCode, fields? }]`. */
const errorAnswer = z.array(z.object({ errorCode: z.string() }).loose()).min(1);

/**
 * A string literal inside a SOQL `LIKE` pattern: `\` and `'` are reserved and `%`
 * and `_` are wildcards, so all four are escaped.
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\'%_]/g, (c) => `\\${c}`);
}

/**
 * Accounts whose `Website` or `Name` contains `text` (SOQL `LIKE` is
 * case-insensitive), oldest first, at most `limit`:
 * `GET {instanceUrl}/services/data/{apiVersion}/query?q=SELECT Id, Name, Website,
 * OwnerId FROM Account WHERE <field> LIKE '%<text>%' ORDER BY CreatedDate ASC LIMIT n`
 * with `Authorization: Bearer <access token>`: the destination's session, as its
 * deliveries get it (`withSession`: a fixed `accessToken`, or a connected app's
 * token from the `CRM_TOKENS` Durable Object, refreshed once on INVALID_SESSION_ID).
 * The caller compares what comes back by its own keys: `LIKE` only narrows.
 */
export async function queryAccounts(
  destination: SalesforceDestination,
  where: { field: "Website" | "Name"; contains: string; limit: number },
  options: ConnectorOptions & { timeoutMs: number },
): Promise<{ kind: "found"; accounts: FoundAccount[] } | { kind: "failed"; error: string }> {
  const soql = `SELECT Id, Name, Website, OwnerId FROM Account WHERE ${where.field} LIKE '%${likeLiteral(where.contains)}%' ORDER BY CreatedDate ASC LIMIT ${where.limit}`;
  const result = await withSession(destination, options, (session) =>
    sendHttp(
      {
        url: `${session.instanceUrl}/services/data/${encodeURIComponent(destination.apiVersion)}/query?q=${encodeURIComponent(soql)}`,
        method: "GET",
        headers: { accept: "application/json", authorization: `Bearer ${session.accessToken}` },
      },
      { timeoutMs: options.timeoutMs, allowHttp: options.allowHttp },
    ),
  );
  if ("ok" in result) return { kind: "failed", error: result.error };
  if (result.kind !== "response") return { kind: "failed", error: transportError(result, options.timeoutMs) };
  const json = parseJson(result.text);
  if (result.status < 200 || result.status >= 300) {
    const error = errorAnswer.safeParse(json);
    return { kind: "failed", error: `Salesforce answered HTTP ${result.status}${error.success ? ` ${error.data[0]?.errorCode}` : ""}` };
  }
  const answer = queryAnswer.safeParse(json);
  if (!answer.success) return { kind: "failed", error: "Salesforce's query answer is not the documented shape" };
  return { kind: "found", accounts: answer.data.records };
}
