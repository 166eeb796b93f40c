/**
 * Checks HERALD_TLS_CERT and HERALD_TLS_KEY before anything else starts: each file must be
 * readable PEM, and the key must belong to the certificate. OpenSSL's own errors name neither
 * file ("PEM routines::no start line"), so each part is tried alone to tell which one is wrong.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { reasonOf, StartupError, settingName } from './errors.ts';

const CERT = settingName('HERALD_TLS_CERT', '--tls-cert');
const KEY = settingName('HERALD_TLS_KEY', '--tls-key');

function read(setting: string, path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new StartupError(`${setting} ${path} cannot be read (${reasonOf(e)}): give the path of a ${what}`);
  }
}

export function checkTlsFiles(tls: { cert: string; key: string } | null): void {
  if (tls === null) return;
  const certPath = resolve(tls.cert);
  const keyPath = resolve(tls.key);
  const cert = read(CERT, certPath, 'PEM certificate');
  const key = read(KEY, keyPath, 'PEM private key');
  try {
    createSecureContext({ cert });
  } catch (e) {
    throw new StartupError(
      `${CERT} ${certPath} is not a PEM certificate (${reasonOf(e)}): give a file that starts with -----BEGIN CERTIFICATE-----`,
    );
  }
  try {
    createSecureContext({ key });
  } catch (e) {
    throw new StartupError(
      `${KEY} ${keyPath} is not a PEM private key (${reasonOf(e)}): give an unencrypted PEM key (-----BEGIN … PRIVATE KEY-----)`,
    );
  }
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new StartupError(
      `${KEY} ${keyPath} does not belong to the certificate in ${CERT} ${certPath} (${reasonOf(e)}): give the private key the certificate was issued for`,
    );
  }
}
