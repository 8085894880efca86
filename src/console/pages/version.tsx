import type { AdminBindings } from "../../admin/env";
import { describeSummary, type FieldChange, fieldChanges } from "../../config/diff";
import { maskDocument } from "../../config/secret-fields";
import { readConfigVersion, readCurrentConfig } from "../../config/store";
import { GatewayError } from "../../errors";
import { Layout } from "../components/layout";
import { PostButton } from "../components/post-button";
import { href } from "../env";
import { dateTime } from "../format";
import type { Session } from "../session";

/**
 * One version and two diffs, field by field with secrets masked: what this version
 * changed (against the one before), and what rolling back to it would change now.
 */
export async function loadVersion(env: AdminBindings, version: number) {
  const [target, previous, current] = await Promise.all([
    readConfigVersion(env, version),
    version > 1 ? readConfigVersion(env, version - 1) : Promise.resolve(undefined),
    readCurrentConfig(env),
  ]);
  if (!target) throw new GatewayError("config_version_not_found", `There is no configuration version ${version}.`);
  const { document, ...info } = target;
  const masked = maskDocument(document);
  return {
    info,
    active: current?.version ?? 0,
    changes: fieldChanges(previous ? maskDocument(previous.document) : undefined, masked),
    rollbackChanges: current && current.version !== version ? fieldChanges(maskDocument(current.document), masked) : undefined,
  };
}

export type VersionData = Awaited<ReturnType<typeof loadVersion>>;

function show(value: unknown): string {
  return value === undefined ? "(absent)" : JSON.stringify(value, null, 1).replace(/\n\s*/g, " ");
}

function ChangeTable({ changes, caption }: { changes: FieldChange[]; caption: string }) {
  if (changes.length === 0) return <p>No field differs.</p>;
  return (
    <div class="table-wrap">
      <table class="stack">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr>
              <td data-label="Field" class="mono id">
                {c.path}
              </td>
              <td data-label="Before" class="mono id">
                {show(c.before)}
              </td>
              <td data-label="After" class="mono id">
                {show(c.after)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function VersionPage({ data, session }: { data: VersionData; session: Session }) {
  const { info } = data;
  const n = info.version;
  return (
    <Layout title={`Configuration version ${n}`} session={session} active="routing">
      <p>
        <a href={href("/routing")}>← Routing</a>
      </p>
      <h1>
        Configuration version {n} {n === data.active ? <span class="badge s-routed">active</span> : null}
      </h1>
      <dl class="facts panel">
        <dt>Stored</dt>
        <dd>{dateTime(Date.parse(info.updatedAt))}</dd>
        <dt>By</dt>
        <dd>{info.updatedBy}</dd>
        {info.rollbackOf !== undefined ? (
          <>
            <dt>Rollback of</dt>
            <dd>
              <a href={href(`/routing/versions/${info.rollbackOf}`)}>version {info.rollbackOf}</a>
            </dd>
          </>
        ) : null}
        <dt>Summary</dt>
        <dd class="mono">{info.summary ? describeSummary(info.summary).replaceAll("\n", "; ") : "–"}</dd>
      </dl>

      <section class="card" aria-labelledby="changes-heading">
        <h2 id="changes-heading">{n > 1 ? `What version ${n} changed, against version ${n - 1}` : "Version 1: the first configuration"}</h2>
        <ChangeTable changes={data.changes} caption={`Fields changed by version ${n}`} />
      </section>

      {data.rollbackChanges ? (
        <section class="card" aria-labelledby="rollback-heading">
          <h2 id="rollback-heading">
            Rolling back to version {n} from the active version {data.active}
          </h2>
          <ChangeTable changes={data.rollbackChanges} caption={`What rolling back would change`} />
          {session.role === "admin" ? (
            <div class="actions-row">
              <PostButton
                action={href("/routing/rollback")}
                csrf={session.csrf}
                label={`Roll back to version ${n}`}
                variant="danger"
                fields={{ version: String(n), expected: String(data.active) }}
                describedBy="rollback-hint"
              />
              <span class="hint" id="rollback-hint">
                Stores version {n}'s document (secrets included) as version {data.active + 1}; the history stays append-only.
              </span>
            </div>
          ) : (
            <p class="hint">The read-only token cannot roll back.</p>
          )}
        </section>
      ) : null}
    </Layout>
  );
}
