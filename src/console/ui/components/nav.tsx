/** The main navigation; the current screen is marked with aria-current. */
import { href, type Route } from '../router.ts';

const LINKS: { route: Route; label: string; active: Route['name'][] }[] = [
  {
    route: { name: 'official-accounts' },
    label: 'Official accounts',
    active: ['official-accounts', 'official-account', 'messages'],
  },
  { route: { name: 'overview' }, label: 'Overview', active: ['overview'] },
  { route: { name: 'accounts' }, label: 'Accounts', active: ['accounts'] },
  { route: { name: 'webhooks' }, label: 'Webhooks', active: ['webhooks'] },
  { route: { name: 'live' }, label: 'Live', active: ['live'] },
];

export function Nav({ route, open, onNavigate }: { route: Route; open: boolean; onNavigate(): void }) {
  return (
    <nav id="main-nav" class={open ? 'main-nav open' : 'main-nav'} aria-label="Main">
      <ul>
        {LINKS.map((link) => (
          <li key={link.label}>
            <a
              href={href(link.route)}
              aria-current={link.active.includes(route.name) ? 'page' : undefined}
              onClick={onNavigate}
            >
              {link.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
