/** What `herald serve` prints on start: enough to make the first call by copy and paste. */
import { issueUserSig } from './auth/usersig.ts';
import { CONSOLE_PATH } from './console/paths.ts';
import { isLoopback } from './console/transport.ts';
import { packageVersion } from './package-info.ts';
import type { AppRecord } from './store/records.ts';

export const BANNER_SIG_SECONDS = 180 * 24 * 3600;

/**
 * `tlsCert`: the certificate Herald serves, when TLS is on. curl does not trust a self-signed one,
 * so the printed command names it with --cacert (it is the trust anchor of a self-signed setup).
 * `webConsole`: the address Herald listens on when the web console is on (null: off).
 */
export function banner(
  url: string,
  app: AppRecord,
  now: number,
  showSecrets: boolean,
  tlsCert: string | null = null,
  webConsole: { host: string } | null = null,
): string {
  const admin = app.admins[0] ?? 'administrator';
  const lines = [`Herald is serving on ${url}`];
  if (webConsole !== null) {
    // Said at once, so nobody opens the page only to find the sign-in refused.
    const note = tlsCert === null && !isLoopback(webConsole.host) ? ' (sign-in needs HTTPS on this address)' : '';
    lines.push(`  console    ${url}${CONSOLE_PATH}${note}`);
  }
  lines.push(`  version    ${packageVersion()}`, `  SDKAppID   ${app.sdkappid}`, `  admin      ${admin}`);
  if (!showSecrets) {
    lines.push('  (secret key from HERALD_SECRET_KEY; `herald usersig <identifier>` issues UserSigs)');
    return lines.join('\n');
  }
  const sig = issueUserSig(app.secretKey, app.sdkappid, admin, BANNER_SIG_SECONDS, now);
  const query = `sdkappid=${app.sdkappid}&identifier=${encodeURIComponent(admin)}&usersig=${sig}&random=1&contenttype=json`;
  lines.push(
    `  secret key ${app.secretKey}`,
    `  UserSig    ${sig}`,
    `             (for ${admin}, valid 180 days)`,
    '',
    'Create an official account:',
    `  curl -s${tlsCert ? ` --cacert ${shellQuote(tlsCert)}` : ''} -d ${shellQuote(JSON.stringify({ Owner_Account: admin, Name: 'My first account' }))} ${shellQuote(`${url}/v4/official_account_open_http_svc/create_official_account?${query}`)}`,
  );
  return lines.join('\n');
}

/** Single-quotes `text` for a POSIX shell: an admin identifier may contain ' or ". */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
