/**
 * Hash routes: #/overview, #/accounts, #/official-accounts, #/official-accounts/<id>,
 * #/messages/<id>, #/webhooks, #/live. Official-account IDs hold `#` and `@`, so they are
 * percent-encoded in the hash.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'overview' }
  | { name: 'accounts' }
  | { name: 'official-accounts' }
  | { name: 'official-account'; id: string }
  | { name: 'messages'; id: string }
  | { name: 'webhooks' }
  | { name: 'live' };

/** Where a signed-in user lands: the app's official accounts. */
export const HOME: Route = { name: 'official-accounts' };

export function href(route: Route): string {
  switch (route.name) {
    case 'official-account':
      return `#/official-accounts/${encodeURIComponent(route.id)}`;
    case 'messages':
      return `#/messages/${encodeURIComponent(route.id)}`;
    default:
      return `#/${route.name}`;
  }
}

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function parse(hash: string): Route | null {
  const [name = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  const id = rest.length > 0 ? decode(rest.join('/')) : null;
  switch (name) {
    case 'overview':
    case 'accounts':
    case 'webhooks':
    case 'live':
      return rest.length === 0 ? { name } : null;
    case 'official-accounts':
      if (rest.length === 0) return { name: 'official-accounts' };
      return id ? { name: 'official-account', id } : null;
    case 'messages':
      return id ? { name: 'messages', id } : null;
    default:
      return null;
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

/** The current route; an empty or unknown hash is replaced by the landing view. */
export function useRoute(): Route {
  const read = () => parse(location.hash) ?? HOME;
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    if (parse(location.hash) === null) history.replaceState(null, '', href(HOME));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
