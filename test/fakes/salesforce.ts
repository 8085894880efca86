import { z } from "zod";
import { createFakeApp, createState, EMAIL_PATTERN, isRecord, jsonResponse, readJson } from "./common";

/**
 * Contract fake of the Salesforce REST API parts the gateway uses, each behaviour as
 * Salesforce documents it:
 *
 * - OAuth 2.0 token endpoint `POST /services/oauth2/token`, parameters form-encoded
 *   (refresh token flow, client credentials flow); answer `{ access_token,
 *   instance_url, id, token_type, issued_at, signature }`; errors `{ error,
 *   error_description }` with 400: `invalid_grant` "expired access/refresh token",
 *   `invalid_client_id`, `invalid_client`, `unsupported_grant_type`.
 *   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
 *   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
 *   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm
 *   With refresh token rotation (`rotateRefreshTokens`) each refresh answers a new
 *   `refresh_token` and invalidates the one used (refresh token flow page above).
 * - Access tokens expire with the session ("Session expired or invalid"): here after
 *   `tokenLifetimeCalls` API calls, then 401 `[{ message, errorCode: "INVALID_SESSION_ID" }]`.
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_refresh_token_oauth.htm
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 * - Describe `GET /services/data/vXX.X/sobjects/{object}/describe`: `{ name, fields:
 *   [{ name, type, length, createable, updateable, externalId, restrictedPicklist,
 *   picklistValues: [{ value, label, active }] }] }`.
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 *   https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm
 * - sObject Collections upsert `PATCH /services/data/vXX.X/composite/sobjects/{object}/{externalIdField}`
 *   (v46.0+): `{ allOrNone, records: [{ attributes: { type }, … }] }`, at most 200
 *   records, each of the URL's type; a request that is not well formed is a 400 for
 *   the whole call (an unknown field: INVALID_FIELD; a value that does not parse as
 *   its field's type, e.g. a date not in YYYY-MM-DD: JSON_PARSER_ERROR); otherwise 200 with one
 *   `{ id, success, errors: [{ statusCode, message, fields }], created }` per record
 *   in request order, each record saved or refused on its own when allOrNone is false.
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
 * - Per record: STRING_TOO_LONG past a field's length, INVALID_EMAIL_ADDRESS,
 *   MALFORMED_ID (OwnerId not a User/Queue id), INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST,
 *   REQUIRED_FIELD_MISSING on create (Lead: LastName, Company), UNABLE_TO_LOCK_ROW
 *   (seeded with `/__fake/locks`), DUPLICATE_EXTERNAL_ID when the value matches
 *   several records (the single-record upsert's 300), DUPLICATES_DETECTED from a
 *   duplicate rule: a `block` rule always, an `alert` rule unless the request says
 *   `Sforce-Duplicate-Rule-Header: allowSave=true`.
 *   https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_duplicaterules.htm
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
 * - State and Country/Territory Picklists (`countryPicklists`, on by default here):
 *   Lead gets restricted picklists `CountryCode`/`StateCode` of ISO codes, and the
 *   text field `Country` takes only a country's name (integration value): an ISO code
 *   there is FIELD_INTEGRITY_EXCEPTION. Off, the object has no `CountryCode`/`StateCode`.
 *   https://help.salesforce.com/s/articleView?id=sf.admin_state_country_picklists_overview.htm
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

const fieldSchema = z.object({
  name: z.string(),
  type: z.enum(["string", "email", "phone", "url", "textarea", "picklist", "int", "double", "currency", "reference", "boolean", "id", "date"]),
  length: z.number().int().nonnegative().default(0),
  values: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  restricted: z.boolean().default(false),
});
type FieldSpec = z.infer<typeof fieldSchema>;

const objectSchema = z.object({
  externalIdFields: z.array(z.string()),
  fields: z.array(z.union([z.string(), fieldSchema])),
  required: z.array(z.string()),
  idPrefix: z.string().length(3),
});

/** Salesforce's standard countries are the ISO 3166-1 list, labelled with English names. */
// Not countries (EU, UN, …) and ISO 3166 reserved codes (AC, CP, …) are no options.
const NOT_COUNTRIES = new Set(["EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA", "XK"]);
const regionNames = new Intl.DisplayNames(["en"], { type: "region" });
const COUNTRIES = Array.from({ length: 26 * 26 }, (_, i) => String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)))
  .filter((code) => !NOT_COUNTRIES.has(code))
  .flatMap((code) => {
    let label: string | undefined;
    try {
      label = regionNames.of(code);
    } catch {
      label = undefined;
    }
    return label && label !== code ? [{ value: code, label }] : [];
  });
const STATES = [
  { value: "CA", label: "California" },
  { value: "NY", label: "New York" },
  { value: "TX", label: "Texas" },
  { value: "ON", label: "Ontario" },
];
const INDUSTRIES = ["Agriculture", "Banking", "Education", "Healthcare", "Software", "Technology"].map((v) => ({ value: v, label: v }));
const LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Other"].map((v) => ({ value: v, label: v }));

/** Lead's standard fields with the lengths Salesforce gives them (Object Reference, Lead). */
const LEAD_FIELDS: (string | z.input<typeof fieldSchema>)[] = [
  { name: "FirstName", type: "string", length: 40 },
  { name: "LastName", type: "string", length: 80 },
  { name: "Company", type: "string", length: 255 },
  { name: "Email", type: "email", length: 80 },
  { name: "Phone", type: "phone", length: 40 },
  { name: "MobilePhone", type: "phone", length: 40 },
  { name: "Title", type: "string", length: 128 },
  { name: "Website", type: "url", length: 255 },
  { name: "Country", type: "string", length: 80 },
  { name: "State", type: "string", length: 80 },
  { name: "City", type: "string", length: 40 },
  { name: "PostalCode", type: "string", length: 20 },
  { name: "Street", type: "textarea", length: 255 },
  { name: "Industry", type: "picklist", length: 255, values: INDUSTRIES },
  { name: "NumberOfEmployees", type: "int" },
  { name: "AnnualRevenue", type: "currency" },
  { name: "LeadSource", type: "picklist", length: 255, values: LEAD_SOURCES },
  { name: "Status", type: "picklist", length: 255, values: [{ value: "Open - Not Contacted", label: "Open - Not Contacted" }] },
  { name: "Description", type: "textarea", length: 32000 },
  { name: "OwnerId", type: "reference", length: 18 },
  { name: "Email__c", type: "email", length: 80 },
];
const PICKLIST_FIELDS: z.input<typeof fieldSchema>[] = [
  { name: "CountryCode", type: "picklist", length: 255, values: COUNTRIES, restricted: true },
  { name: "StateCode", type: "picklist", length: 255, values: STATES, restricted: true },
];
const CONTACT_FIELDS = [
  "FirstName",
  "LastName",
  "Email",
  "Phone",
  "MobilePhone",
  "Title",
  "MailingCountry",
  "LeadSource",
  "Description",
  "OwnerId",
  "AccountId",
  "Email__c",
];

export const salesforceFakeOptionsSchema = z.object({
  /** A fixed token that never expires (development destinations). */
  accessToken: z.string().default("00Dfake0000000001!fake-salesforce-access-token"),
  clientId: z.string().default("3MVG9fake.consumer.key.0123456789"),
  clientSecret: z.string().default("fake-consumer-secret-0123456789ABCDEF"),
  refreshToken: z.string().default("5Aep861fake.refresh.token.0123456789"),
  /** API calls an issued access token serves before it expires. */
  tokenLifetimeCalls: z.number().int().positive().default(1000),
  /**
   * Refresh token rotation: each refresh answers a new `refresh_token` and the one
   * used stops working.
   */
  rotateRefreshTokens: z.boolean().default(false),
  /** Whether the connected app has a client-credentials run-as user. */
  clientCredentials: z.boolean().default(true),
  countryPicklists: z.boolean().default(true),
  /** A duplicate rule on Email for new records of every object. */
  duplicateRule: z.enum(["none", "alert", "block"]).default("none"),
  objects: z.record(z.string(), objectSchema).optional(),
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
type RecordError = { statusCode: string; message: string; fields: string[]; duplicateResult?: unknown };
type Value = string | number | boolean | null;

export function createSalesforceFake(input: SalesforceFakeOptions = {}) {
  const options = salesforceFakeOptionsSchema.parse(input);
  const objects: Record<string, z.input<typeof objectSchema>> = options.objects ?? {
    Lead: {
      externalIdFields: ["Email__c"],
      fields: options.countryPicklists ? [...LEAD_FIELDS, ...PICKLIST_FIELDS] : LEAD_FIELDS,
      required: ["LastName", "Company"],
      idPrefix: "00Q",
    },
    Contact: { externalIdFields: ["Email__c"], fields: CONTACT_FIELDS, required: ["LastName"], idPrefix: "003" },
  };
  const specs = new Map(
    Object.entries(objects).map(([name, o]) => [
      name,
      new Map(
        o.fields.map((f) => [typeof f === "string" ? f : f.name, fieldSchema.parse(typeof f === "string" ? { name: f, type: "string", length: 255 } : f)]),
      ),
    ]),
  );
  let sequence = 1;
  let accounts: FakeAccount[] = [];
  let tokens = new Map<string, number>();
  let locks = new Map<string, number>();
  let revoked = false;
  let refreshToken = options.refreshToken;
  const state = createState(
    "salesforce",
    () => new Map<string, SalesforceRecord>(),
    () => {
      sequence = 1;
      tokens = new Map();
      locks = new Map();
      revoked = false;
      refreshToken = options.refreshToken;
      accounts = [];
    },
  );
  const app = createFakeApp(
    state,
    { error: (status) => ({ body: JSON.stringify(errorBody(status)), contentType: "application/json;charset=UTF-8" }) },
    (records) => [...records.values()],
    (control) => {
      control.post("/__fake/accounts", async (c) => {
        const parsed = z.union([accountSeedSchema, z.array(accountSeedSchema)]).safeParse(await c.req.json().catch(() => undefined));
        if (!parsed.success) return c.json({ error: "expected { Name, Website?, OwnerId?, Id? } or a list", issues: parsed.error.issues }, 400);
        const created = (Array.isArray(parsed.data) ? parsed.data : [parsed.data]).map((seed) => {
          const account: FakeAccount = {
            Website: null,
            OwnerId: null,
            ...seed,
            Id: seed.Id ?? recordId("001", sequence++),
            CreatedDate: new Date(Date.now() + accounts.length).toISOString(),
          };
          accounts.push(account);
          return account;
        });
        return c.json({ accounts: created }, 201);
      });
      /** `{ externalId, count }`: the next `count` saves of that record fail with UNABLE_TO_LOCK_ROW. */
      control.post("/__fake/locks", async (c) => {
        const body = z.object({ externalId: z.string(), count: z.number().int().positive() }).parse(await c.req.json());
        locks.set(body.externalId.toLowerCase(), body.count);
        return c.json({ locks: Object.fromEntries(locks) });
      });
      /** Seeds records as they are, several with one External ID value if asked (it is not unique). */
      control.post("/__fake/seed", async (c) => {
        const body = z
          .array(
            z.object({
              object: z.string(),
              externalIdField: z.string(),
              externalId: z.string(),
              fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
            }),
          )
          .parse(await c.req.json());
        const seeded = body.map((r) => {
          const record = { Id: recordId(objects[r.object]?.idPrefix ?? "001", sequence++), ...r, fields: { ...r.fields, [r.externalIdField]: r.externalId } };
          state.records.set(record.Id, record);
          return record;
        });
        return c.json(seeded);
      });
      control.post("/__fake/expire-tokens", (c) => {
        tokens = new Map();
        return c.json({ expired: true });
      });
      control.post("/__fake/revoke", (c) => {
        revoked = true;
        tokens = new Map();
        return c.json({ revoked: true });
      });
    },
  );

  app.post("/services/oauth2/token", async (c) => {
    if (!(c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
      return oauthError("unsupported_grant_type", "grant type not supported");
    }
    const form = new URLSearchParams(await c.req.text());
    const grant = form.get("grant_type");
    if (grant !== "refresh_token" && grant !== "client_credentials") return oauthError("unsupported_grant_type", "grant type not supported");
    if (form.get("client_id") !== options.clientId) return oauthError("invalid_client_id", "client identifier invalid");
    if (form.get("client_secret") !== options.clientSecret) return oauthError("invalid_client", "invalid client credentials");
    if (grant === "refresh_token" && (revoked || form.get("refresh_token") !== refreshToken)) {
      return oauthError("invalid_grant", "expired access/refresh token");
    }
    const rotated = grant === "refresh_token" && options.rotateRefreshTokens;
    if (rotated) refreshToken = `5Aep861fake.rotated.${crypto.randomUUID()}`;
    if (grant === "client_credentials" && !options.clientCredentials) return oauthError("invalid_grant", "no client credentials user enabled");
    const token = `00Dfake0000000001!issued.${crypto.randomUUID()}`;
    tokens.set(token, options.tokenLifetimeCalls);
    const origin = new URL(c.req.url).origin;
    return jsonResponse(
      {
        access_token: token,
        ...(rotated ? { refresh_token: refreshToken } : {}),
        signature: "fake-signature=",
        scope: "api refresh_token",
        instance_url: origin,
        id: `${origin}/id/00Dfake0000000001/005fake000000001`,
        token_type: "Bearer",
        issued_at: String(Date.now()),
      },
      200,
    );
  });

  app.use("/services/data/*", async (c, next) => {
    const token = (c.req.header("authorization") ?? "").replace(/^(Bearer|OAuth) /, "");
    const left = tokens.get(token);
    if (token !== options.accessToken && (left === undefined || left <= 0)) {
      tokens.delete(token);
      return errors(401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    }
    if (left !== undefined) tokens.set(token, left - 1);
    await next();
  });

  app.get("/services/data/:version/sobjects/:object/describe", (c) => {
    const { version, object } = c.req.param();
    const fields = specs.get(object);
    if (!knownVersion(version, 20) || !fields || !objects[object])
      return errors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    const external = new Set(objects[object].externalIdFields);
    return jsonResponse(
      {
        name: object,
        fields: [
          { name: "Id", type: "id", length: 18, createable: false, updateable: false, externalId: false, restrictedPicklist: false, picklistValues: [] },
          ...[...fields.values()].map((f) => ({
            name: f.name,
            type: f.type,
            length: f.length,
            createable: true,
            updateable: true,
            externalId: external.has(f.name),
            restrictedPicklist: f.restricted,
            picklistValues: (f.values ?? []).map((v) => ({ active: true, defaultValue: false, label: v.label, validFor: null, value: v.value })),
          })),
        ],
      },
      200,
    );
  });

  app.patch("/services/data/:version/composite/sobjects/:object/:field", async (c) => {
    const { version, object, field } = c.req.param();
    const spec = objects[object];
    const fields = specs.get(object);
    if (!knownVersion(version, 46) || !spec || !fields) return errors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    if (!spec.externalIdFields.includes(field)) {
      return errors(404, [{ errorCode: "NOT_FOUND", message: `Provided external ID field does not exist or is not accessible: ${field}` }]);
    }
    if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return errors(415, [{ errorCode: "UNSUPPORTED_MEDIA_TYPE", message: "MediaType of 'text/plain' is not supported by this resource" }]);
    }
    const body = await readJson(c);
    if (!isRecord(body) || !Array.isArray(body.records)) {
      return errors(400, [{ errorCode: "JSON_PARSER_ERROR", message: "Unexpected parameter: the request body needs `records`" }]);
    }
    if (body.records.length > 200) {
      return errors(400, [{ errorCode: "EXCEEDED_ID_LIMIT", message: "record limit reached. cannot submit more than 200 records into this call" }]);
    }
    // The whole request is read before anything is saved: a malformed record fails it all.
    const parsed: Record<string, Value>[] = [];
    for (const record of body.records) {
      if (!isRecord(record) || !isRecord(record.attributes) || record.attributes.type !== object) {
        return errors(400, [{ errorCode: "INVALID_TYPE", message: `Each record needs attributes.type '${object}'` }]);
      }
      const out: Record<string, Value> = {};
      for (const [name, raw] of Object.entries(record)) {
        if (name === "attributes") continue;
        const f = fields.get(name);
        if (!f) return errors(400, [{ errorCode: "INVALID_FIELD", message: `No such column '${name}' on sobject of type ${object}` }]);
        if (raw !== null && typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
          return errors(400, [{ errorCode: "JSON_PARSER_ERROR", message: `Cannot deserialize value of ${name}` }]);
        }
        if ((f.type === "int" || f.type === "double" || f.type === "currency") && typeof raw === "string" && !Number.isFinite(Number(raw))) {
          return errors(400, [{ errorCode: "JSON_PARSER_ERROR", message: `Cannot deserialize instance of ${f.type} from VALUE_STRING value ${raw}` }]);
        }
        // Dates are ISO 8601 (YYYY-MM-DD) in JSON; anything else fails the parse of the whole body.
        if (f.type === "date" && raw !== null && !(typeof raw === "string" && /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw)))) {
          return errors(400, [{ errorCode: "JSON_PARSER_ERROR", message: `Cannot deserialize value of type \`date\` from String "${String(raw)}"` }]);
        }
        out[name] = raw;
      }
      parsed.push(out);
    }
    const allowSave = /allowSave=true/i.test(c.req.header("sforce-duplicate-rule-header") ?? "");
    const counts = new Map<string, number>();
    for (const r of parsed) if (typeof r[field] === "string") counts.set(String(r[field]).toLowerCase(), (counts.get(String(r[field]).toLowerCase()) ?? 0) + 1);

    const results = parsed.map((record) => {
      const failed = (error: RecordError) => ({ success: false, errors: [error] });
      const value = record[field];
      if (typeof value !== "string" || value === "") {
        return failed({ statusCode: "MISSING_ARGUMENT", message: `${field} not specified`, fields: [field] });
      }
      if ((counts.get(value.toLowerCase()) ?? 0) > 1) {
        return failed({ statusCode: "DUPLICATE_VALUE", message: `Duplicate external id specified: ${value}`, fields: [field] });
      }
      const invalid = checkFields(record, fields, options.countryPicklists);
      if (invalid) return failed(invalid);
      const matches = [...state.records.values()].filter((r) => r.object === object && String(r.fields[field] ?? "").toLowerCase() === value.toLowerCase());
      if (matches.length > 1) {
        return failed({
          statusCode: "DUPLICATE_EXTERNAL_ID",
          message: `${field}: more than one record found for external id field: [${matches.map((m) => m.Id).join(", ")}]`,
          fields: [],
        });
      }
      const lock = locks.get(value.toLowerCase());
      if (lock !== undefined) {
        if (lock <= 1) locks.delete(value.toLowerCase());
        else locks.set(value.toLowerCase(), lock - 1);
        return failed({ statusCode: "UNABLE_TO_LOCK_ROW", message: "unable to obtain exclusive access to this record", fields: [] });
      }
      const existing = matches[0];
      const merged = { ...existing?.fields, ...record };
      const missing = spec.required.filter((name) => merged[name] === undefined || merged[name] === null || merged[name] === "");
      if (missing.length > 0)
        return failed({ statusCode: "REQUIRED_FIELD_MISSING", message: `Required fields are missing: [${missing.join(", ")}]`, fields: missing });
      if (!existing && options.duplicateRule !== "none" && typeof record.Email === "string") {
        const twin = [...state.records.values()].find(
          (r) => r.object === object && String(r.fields.Email ?? "").toLowerCase() === String(record.Email).toLowerCase(),
        );
        if (twin && (options.duplicateRule === "block" || !allowSave)) {
          return failed({
            statusCode: "DUPLICATES_DETECTED",
            message: "Use one of these records?",
            fields: [],
            duplicateResult: {
              allowSave: options.duplicateRule === "alert",
              duplicateRule: "Standard_Rule_for_Leads_with_Duplicate_Leads",
              matchResults: [{ matchRecords: [{ record: { Id: twin.Id } }] }],
            },
          });
        }
      }
      if (existing) {
        existing.fields = merged;
        return { id: existing.Id, success: true, errors: [], created: false };
      }
      const created: SalesforceRecord = { Id: recordId(spec.idPrefix, sequence++), object, externalIdField: field, externalId: value, fields: merged };
      state.records.set(created.Id, created);
      return { id: created.Id, success: true, errors: [], created: true };
    });
    return jsonResponse(results, 200);
  });

  app.get("/services/data/:version/query", (c) => {
    const q = c.req.query("q") ?? "";
    const m =
      /^SELECT\s+([A-Za-z, ]+?)\s+FROM\s+Account\s+WHERE\s+([A-Za-z]+)\s+LIKE\s+'((?:[^'\\]|\\.)*)'\s+ORDER\s+BY\s+CreatedDate\s+ASC\s+LIMIT\s+(\d+)$/i.exec(
        q.trim(),
      );
    if (!m) return errors(400, [{ message: `unexpected token in: ${q.slice(0, 80)}`, errorCode: "MALFORMED_QUERY" }]);
    const [, list = "", field = "", pattern = "", limit = "0"] = m;
    const fields = list.split(",").map((f) => f.trim());
    const unknown = [...fields, field].find((f) => !ACCOUNT_FIELDS.includes(f));
    if (unknown) return errors(400, [{ message: `No such column '${unknown}' on entity 'Account'.`, errorCode: "INVALID_FIELD" }]);
    const like = likePattern(pattern);
    if (!like) return errors(400, [{ message: "Invalid string literal escape sequence", errorCode: "MALFORMED_QUERY" }]);
    const version = c.req.param("version");
    if (!knownVersion(version, 20)) return errors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    const matched = accounts.filter((a) => like.test(String(a[field as keyof FakeAccount] ?? ""))).slice(0, Number(limit));
    const records = matched.map((a) => ({
      attributes: { type: "Account", url: `/services/data/${version}/sobjects/Account/${a.Id}` },
      ...Object.fromEntries(fields.map((f) => [f, a[f as keyof FakeAccount] ?? null])),
    }));
    return jsonResponse({ totalSize: records.length, done: true, records }, 200);
  });

  // "Get field values from a record" and "Delete a record" by Id:
  // `GET /services/data/vXX.X/sobjects/{object}/{id}?fields=A,B` → 200 `{ attributes:
  // { type, url }, Id, A, B }` (every field without `fields`; a field the object does
  // not have is 400 INVALID_FIELD); `DELETE …/{id}` → 204, and the record is no longer
  // found. No such record of that object: 404 NOT_FOUND.
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_get_field_values.htm
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_delete_record.htm
  app.get("/services/data/:version/sobjects/:object/:id", (c) => {
    const { version, object, id } = c.req.param();
    const record = state.records.get(id);
    const fields = specs.get(object);
    if (!knownVersion(version, 20) || !fields || record?.object !== object)
      return errors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    const wanted = c.req.query("fields")?.split(",").filter(Boolean) ?? [...fields.keys()];
    const unknown = wanted.filter((name) => name !== "Id" && !fields.has(name));
    if (unknown.length > 0) return errors(400, [{ errorCode: "INVALID_FIELD", message: `No such column '${unknown[0]}' on entity '${object}'` }]);
    const values = Object.fromEntries(wanted.map((name) => [name, record.fields[name] ?? null]));
    return jsonResponse({ attributes: { type: object, url: `/services/data/${version}/sobjects/${object}/${id}` }, ...values, Id: id }, 200);
  });

  app.delete("/services/data/:version/sobjects/:object/:id", (c) => {
    const { version, object, id } = c.req.param();
    if (!knownVersion(version, 20) || state.records.get(id)?.object !== object)
      return errors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    state.records.delete(id);
    return new Response(null, { status: 204 });
  });

  app.all("*", () => errors(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]));
  return { app, state, options };
}

const ACCOUNT_FIELDS = ["Id", "Name", "Website", "OwnerId", "CreatedDate"];

const accountSeedSchema = z.object({
  Id: z
    .string()
    .regex(/^001[A-Za-z0-9]{15}$/)
    .optional(),
  Name: z.string().min(1),
  Website: z.string().nullable().optional(),
  OwnerId: z
    .string()
    .regex(/^(005|00G)[A-Za-z0-9]{15}$/)
    .nullable()
    .optional(),
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

function knownVersion(version: string, minimum: number): boolean {
  const n = Number(/^v(\d+)\.0$/.exec(version)?.[1]);
  return Number.isInteger(n) && n >= minimum && n <= 70;
}

function checkFields(record: Record<string, Value>, fields: Map<string, FieldSpec>, countryPicklists: boolean): RecordError | undefined {
  for (const [name, value] of Object.entries(record)) {
    const f = fields.get(name);
    if (!f || value === null) continue;
    if (f.type === "reference" && name === "OwnerId" && !(typeof value === "string" && /^(005|00G)[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(value))) {
      return { message: `Owner ID: id value of incorrect type: ${String(value)}`, statusCode: "MALFORMED_ID", fields: [name] };
    }
    if (f.type === "int" && !Number.isInteger(Number(value))) {
      return { message: `${name}: value not of required type: ${String(value)}`, statusCode: "INVALID_TYPE_ON_FIELD_IN_RECORD", fields: [name] };
    }
    if (typeof value !== "string") continue;
    if (f.type === "email" && value !== "" && !EMAIL_PATTERN.test(value)) {
      return { message: `${name}: invalid email address: ${value}`, statusCode: "INVALID_EMAIL_ADDRESS", fields: [name] };
    }
    if (f.length > 0 && value.length > f.length) {
      return { message: `${name}: data value too large: ${value.slice(0, 40)} (max length=${f.length})`, statusCode: "STRING_TOO_LONG", fields: [name] };
    }
    // Picklist values must match exactly (case included) when the picklist is restricted.
    if (f.type === "picklist" && f.restricted && !(f.values ?? []).some((v) => v.value === value)) {
      return { message: `${name}: bad value for restricted picklist field: ${value}`, statusCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", fields: [name] };
    }
    if (countryPicklists && name === "Country" && !COUNTRIES.some((c) => c.label === value)) {
      return {
        message: "There's a problem with this country, even though it may appear correct. Please select a country/territory from the list of valid countries.",
        statusCode: "FIELD_INTEGRITY_EXCEPTION",
        fields: [name],
      };
    }
  }
  return undefined;
}

/** An 18-character id with the object's key prefix, like 00Q5g00000AbCdEAAV. */
function recordId(prefix: string, n: number): string {
  return `${prefix}5g${String(n).padStart(10, "0")}AAA`;
}

function oauthError(error: string, description: string): Response {
  return jsonResponse({ error, error_description: description }, 400);
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
