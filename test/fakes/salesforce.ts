import { z } from "zod";
import { EMAIL_PATTERN, createFakeApp, createState, isRecord, jsonResponse, readJson, respond } from "./common";

/**
 * Contract fake of Salesforce's REST upsert by External ID
 * (`PATCH /services/data/vXX.X/sobjects/{object}/{field}/{value}`, Bearer access
 * token), as documented in the REST API guide (dome_upsert, errorcodes):
 * - errors are `[{ message, errorCode, fields? }]`
 * - 401 INVALID_SESSION_ID; 404 NOT_FOUND for an unknown version, object or
 *   External ID field; 415 without a JSON content type; 400 JSON_PARSER_ERROR,
 *   INVALID_FIELD (unknown field), MALFORMED_ID (OwnerId not a User/Queue id),
 *   INVALID_EMAIL_ADDRESS, and REQUIRED_FIELD_MISSING when a create lacks a required
 *   field (Lead: LastName, Company; Contact: LastName) or an update blanks one
 * - created: 201 `{ id, success, errors, created: true }`; updated: 200 `{ …,
 *   created: false }` from v46.0, 204 without a body before
 * The same External ID value updates the same record.
 *
 * Also the SOQL query resource on Account, as far as Switchboard uses it
 * (`GET /services/data/vXX.X/query?q=SELECT <fields> FROM Account WHERE <field>
 * LIKE '<pattern>' ORDER BY CreatedDate ASC LIMIT <n>`), per
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm:
 * 200 `{ totalSize, done: true, records: [{ attributes: { type, url }, …fields }] }`;
 * LIKE is case-insensitive with `%` and `_` wildcards and `\` escapes (`\'`, `\\`,
 * `\%`, `\_`), per …/soql_sosl/sforce_api_calls_soql_select_quotedstringescapes.htm
 * and …/sforce_api_calls_soql_select_comparisonoperators.htm; an unknown field is
 * 400 INVALID_FIELD. Any other statement gets 400 MALFORMED_QUERY: the fake parses
 * only this shape (stricter than Salesforce, never looser). Accounts are seeded with
 * `POST /__fake/accounts` (one or a list of `{ Name, Website?, OwnerId?, Id? }`).
 */
const objectSchema = z.object({
  externalIdFields: z.array(z.string()),
  fields: z.array(z.string()),
  required: z.array(z.string()),
  idPrefix: z.string().length(3),
});
const LEAD_FIELDS = [
  "FirstName", "LastName", "Company", "Email", "Phone", "MobilePhone", "Title", "Website", "Country", "CountryCode",
  "State", "City", "PostalCode", "Street", "Industry", "NumberOfEmployees", "AnnualRevenue", "LeadSource", "Status",
  "Rating", "Description", "OwnerId", "Email__c",
];
const CONTACT_FIELDS = [
  "FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title", "MailingCountry", "LeadSource", "Description",
  "OwnerId", "AccountId", "Email__c",
];

export const salesforceFakeOptionsSchema = z.object({
  accessToken: z.string().default("00Dfake0000000001!fake-salesforce-access-token"),
  objects: z.record(z.string(), objectSchema).default({
    Lead: { externalIdFields: ["Email__c"], fields: LEAD_FIELDS, required: ["LastName", "Company"], idPrefix: "00Q" },
    Contact: { externalIdFields: ["Email__c"], fields: CONTACT_FIELDS, required: ["LastName"], idPrefix: "003" },
  }),
});
export type SalesforceFakeOptions = z.input<typeof salesforceFakeOptionsSchema>;

export interface SalesforceRecord {
  Id: string;
  object: string;
  externalIdField: string;
  externalId: string;
  fields: Record<string, string | number | boolean | null>;
}

type SfError = { message: string; errorCode: string; fields?: string[] };

export function createSalesforceFake(input: SalesforceFakeOptions = {}) {
  const options = salesforceFakeOptionsSchema.parse(input);
  let sequence = 1;
  let accounts: FakeAccount[] = [];
  const state = createState("salesforce", () => new Map<string, SalesforceRecord>(), () => {
    sequence = 1;
    accounts = [];
  });
  const app = createFakeApp(
    state,
    { error: (status) => ({ body: JSON.stringify(errorBody(status)), contentType: "application/json;charset=UTF-8" }) },
    (records) => [...records.values()],
    (control) => {
      control.post("/__fake/accounts", async (c) => {
        const parsed = z.union([accountSeedSchema, z.array(accountSeedSchema)]).safeParse(await c.req.json().catch(() => undefined));
        if (!parsed.success) return c.json({ error: "expected { Name, Website?, OwnerId?, Id? } or a list", issues: parsed.error.issues }, 400);
        const created = (Array.isArray(parsed.data) ? parsed.data : [parsed.data]).map((seed) => {
          const account: FakeAccount = { Website: null, OwnerId: null, ...seed, Id: seed.Id ?? recordId("001", sequence++), CreatedDate: new Date(Date.now() + accounts.length).toISOString() };
          accounts.push(account);
          return account;
        });
        return c.json({ accounts: created }, 201);
      });
    },
  );

  app.use("/services/*", async (c, next) => {
    const auth = c.req.header("authorization") ?? "";
    const token = auth.replace(/^(Bearer|OAuth) /, "");
    if (token !== options.accessToken || token === auth) return errors(401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    await next();
  });

  app.patch("/services/data/:version/sobjects/:object/:field/:value", async (c) => {
    const { version, object, field } = c.req.param();
    const value = c.req.param("value");
    const versionNumber = /^v(\d+)\.0$/.exec(version)?.[1];
    const spec = options.objects[object];
    if (!versionNumber || Number(versionNumber) < 20 || Number(versionNumber) > 70 || !spec) {
      return errors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    }
    if (!spec.externalIdFields.includes(field)) {
      return errors(404, [{ errorCode: "NOT_FOUND", message: `Provided external ID field does not exist or is not accessible: ${field}` }]);
    }
    if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return errors(415, [{ errorCode: "UNSUPPORTED_MEDIA_TYPE", message: "MediaType of 'text/plain' is not supported by this resource" }]);
    }
    const body = await readJson(c);
    if (!isRecord(body)) {
      return errors(400, [{ errorCode: "JSON_PARSER_ERROR", message: "Unexpected character: the request body is not a JSON object" }]);
    }

    const fields: Record<string, string | number | boolean | null> = {};
    for (const [name, raw] of Object.entries(body)) {
      if (!spec.fields.includes(name)) {
        return errors(400, [{ errorCode: "INVALID_FIELD", message: `No such column '${name}' on sobject of type ${object}` }]);
      }
      if (raw !== null && typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
        return errors(400, [{ errorCode: "JSON_PARSER_ERROR", message: `Cannot deserialize value of ${name}` }]);
      }
      fields[name] = raw;
    }
    const invalid = checkFields(fields);
    if (invalid) return errors(400, [invalid]);

    const key = `${object}|${field}|${value.toLowerCase()}`;
    const existing = state.records.get(key);
    const merged = { ...existing?.fields, ...fields, [field]: value };
    const missing = spec.required.filter((name) => merged[name] === undefined || merged[name] === null || merged[name] === "");
    if (missing.length > 0) {
      return errors(400, [{ message: `Required fields are missing: [${missing.join(", ")}]`, errorCode: "REQUIRED_FIELD_MISSING", fields: missing }]);
    }

    if (existing) {
      existing.fields = merged;
      if (Number(versionNumber) < 46) return respond(null, 204);
      return jsonResponse({ id: existing.Id, success: true, errors: [], created: false }, 200);
    }
    const record: SalesforceRecord = { Id: recordId(spec.idPrefix, sequence++), object, externalIdField: field, externalId: value, fields: merged };
    state.records.set(key, record);
    return jsonResponse({ id: record.Id, success: true, errors: [], created: true }, 201);
  });

  app.get("/services/data/:version/query", (c) => {
    const q = c.req.query("q") ?? "";
    const m = /^SELECT\s+([A-Za-z, ]+?)\s+FROM\s+Account\s+WHERE\s+([A-Za-z]+)\s+LIKE\s+'((?:[^'\\]|\\.)*)'\s+ORDER\s+BY\s+CreatedDate\s+ASC\s+LIMIT\s+(\d+)$/i.exec(q.trim());
    if (!m) return errors(400, [{ message: `unexpected token in: ${q.slice(0, 80)}`, errorCode: "MALFORMED_QUERY" }]);
    const [, list = "", field = "", pattern = "", limit = "0"] = m;
    const fields = list.split(",").map((f) => f.trim());
    const unknown = [...fields, field].find((f) => !ACCOUNT_FIELDS.includes(f));
    if (unknown) return errors(400, [{ message: `No such column '${unknown}' on entity 'Account'.`, errorCode: "INVALID_FIELD" }]);
    const like = likePattern(pattern);
    if (!like) return errors(400, [{ message: "Invalid string literal escape sequence", errorCode: "MALFORMED_QUERY" }]);
    const version = c.req.param("version");
    const matched = accounts.filter((a) => like.test(String(a[field as keyof FakeAccount] ?? ""))).slice(0, Number(limit));
    const records = matched.map((a) => ({
      attributes: { type: "Account", url: `/services/data/${version}/sobjects/Account/${a.Id}` },
      ...Object.fromEntries(fields.map((f) => [f, a[f as keyof FakeAccount] ?? null])),
    }));
    return jsonResponse({ totalSize: records.length, done: true, records }, 200);
  });

  app.all("*", () => errors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]));
  return { app, state, options };
}

const ACCOUNT_FIELDS = ["Id", "Name", "Website", "OwnerId", "CreatedDate"];

const accountSeedSchema = z.object({
  Id: z.string().regex(/^001[A-Za-z0-9]{15}$/).optional(),
  Name: z.string().min(1),
  Website: z.string().nullable().optional(),
  OwnerId: z.string().regex(/^(005|00G)[A-Za-z0-9]{15}$/).nullable().optional(),
});
type FakeAccount = { Id: string; Name: string; Website: string | null; OwnerId: string | null; CreatedDate: string };

/** A SOQL LIKE literal as a case-insensitive RegExp; undefined for a bad escape. */
function likePattern(literal: string): RegExp | undefined {
  let source = "";
  for (let i = 0; i < literal.length; i++) {
    const c = literal[i] ?? "";
    if (c === "\\") {
      const next = literal[++i] ?? "";
      if (!["'", "\\", "%", "_", '"'].includes(next)) return undefined;
      source += next.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else if (c === "%") source += ".*";
    else if (c === "_") source += ".";
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "is");
}

function checkFields(fields: Record<string, string | number | boolean | null>): SfError | undefined {
  const owner = fields.OwnerId;
  if (owner !== undefined && owner !== null && !(typeof owner === "string" && /^(005|00G)[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(owner))) {
    return { message: `Owner ID: id value of incorrect type: ${String(owner)}`, errorCode: "MALFORMED_ID", fields: ["OwnerId"] };
  }
  const employees = fields.NumberOfEmployees;
  if (employees !== undefined && employees !== null && !Number.isInteger(employees)) {
    return { message: `Cannot deserialize instance of int from value ${String(employees)}`, errorCode: "JSON_PARSER_ERROR" };
  }
  for (const name of ["Email", "Email__c"]) {
    const email = fields[name];
    if (typeof email === "string" && email !== "" && !EMAIL_PATTERN.test(email)) {
      return { message: `${name}: invalid email address: ${email}`, errorCode: "INVALID_EMAIL_ADDRESS", fields: [name] };
    }
  }
  return undefined;
}

/** An 18-character id with the object's key prefix, like 00Q5g00000AbCdEAAV. */
function recordId(prefix: string, n: number): string {
  return `${prefix}5g${String(n).padStart(10, "0")}AAA`;
}

function errors(status: number, body: SfError[]): Response {
  return jsonResponse(body, status);
}

function errorBody(status: number): SfError[] {
  const byStatus: Record<number, SfError> = {
    400: { message: "Bad request", errorCode: "INVALID_FIELD" },
    401: { message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" },
    403: { message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" },
    404: { message: "The requested resource does not exist", errorCode: "NOT_FOUND" },
    503: { message: "Server unavailable", errorCode: "SERVER_UNAVAILABLE" },
  };
  return [byStatus[status] ?? { message: "An unexpected error occurred.", errorCode: "UNKNOWN_EXCEPTION" }];
}
