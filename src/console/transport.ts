/**
 * When the console may sign anyone in. Its cookie and the secret typed into it must not cross a
 * network in clear text, so on any address but loopback it needs HTTPS; on loopback the traffic
 * never leaves the machine.
 */
import { isIP } from 'node:net';

/** Whether `host` (HERALD_HOST) is a loopback address or name. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1') return true;
  const v4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Why the console refuses to sign in on this listening address, or null when it may. */
export function insecureReason(host: string, tls: boolean): string | null {
  if (tls || isLoopback(host)) return null;
  return (
    `the console needs HTTPS when Herald listens on ${host}: ` +
    'set HERALD_TLS_CERT and HERALD_TLS_KEY (or listen on 127.0.0.1)'
  );
}
