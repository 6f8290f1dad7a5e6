// A real upstream OpenID provider for the SSO tests: oidc-provider (OpenID-certified, from npm)
// in this process, on a free loopback port, with the accounts and clients a test gives it.
// Its development login form takes any login (the account id) and any password; consent is
// granted for the asked scopes (an existing grant), so the page after the login is the redirect
// back. "[ Cancel ]" on that form answers error=access_denied.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

// Node 18: oidc-provider's jose reaches for WebCrypto through globalThis.crypto.
globalThis.crypto ??= (await import('node:crypto')).webcrypto;
const { default: Provider } = await import('oidc-provider');

// accounts: { [id]: { email, email_verified, name, given_name, family_name } }
// clients: [{ client_id, client_secret, redirect_uris, token_endpoint_auth_method }]
export async function startUpstreamIdp({ accounts, clients }) {
  const server = http.createServer();
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const logins = [];  // account ids that signed in, in order
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({ grant_types: ['authorization_code'], response_types: ['code'], ...c })),
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true, methods: ['S256'] },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      logins.push(id);
      return { accountId: id, async claims() { return { sub: id, ...account }; } };
    },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (ctx, err) => console.error('upstream idp:', err));
  server.on('request', provider.callback());
  return {
    issuer,
    logins,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

// The upstream's development login form: signs in as `login`.
export async function signInUpstream(page, login) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
}
