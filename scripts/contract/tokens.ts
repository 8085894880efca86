import type { ConnectorOptions } from "../../src/connectors/connector";
import type { CrmTokens } from "../../src/connectors/crm-tokens";
import { requestToken, type TokenAnswer } from "../../src/connectors/oauth-token";
import type { SalesforceAuth } from "../../src/connectors/salesforce-auth";

/**
 * What stands in for the `CRM_TOKENS` Durable Object under Node: the check is one
 * process, so one access token per destination kept in memory, asked for with the
 * connector's own token request (oauth-token.ts) and asked for again when the
 * connector reports it stale. A refresh token the connected app rotates is not kept
 * (the gateway keeps its own): the check needs a refresh token of its own there.
 */
export function memoryTokens(allowHttp: boolean): NonNullable<ConnectorOptions["crmTokens"]> {
  const current = new Map<string, Promise<TokenAnswer>>();
  const tokens = {
    async token(auth: SalesforceAuth, timeoutMs: number, stale?: string): Promise<TokenAnswer> {
      const key = JSON.stringify(auth);
      const held = await current.get(key);
      if (held?.ok && held.accessToken !== stale) return held;
      const answer = requestToken(auth, { timeoutMs, allowHttp }).then((grant): TokenAnswer => {
        if (!grant.ok) return grant;
        const { refreshToken: _, ...token } = grant;
        return token;
      });
      current.set(key, answer);
      return answer;
    },
  };
  // Only `getByName(id).token(…)` is used (salesforce-session.ts); the cast stands for the rest of the namespace.
  return { getByName: () => tokens } as unknown as DurableObjectNamespace<CrmTokens>;
}
