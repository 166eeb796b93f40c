/**
 * Message IDs the client has surfaced, so a message is never surfaced twice, whatever a
 * reconnect replays. Bounded: the oldest IDs are forgotten first (resume cursors already keep
 * anything that old from coming back).
 */
const LIMIT = 10_000;

export class Seen {
  private readonly received = new Set<string>();
  private readonly revoked = new Set<string>();

  /** True the first time an ID is received. */
  first(id: string): boolean {
    return remember(this.received, id);
  }

  /** True the first time an ID is revoked. */
  firstRevoke(id: string): boolean {
    return remember(this.revoked, id);
  }
}

function remember(set: Set<string>, id: string): boolean {
  if (set.has(id)) return false;
  set.add(id);
  if (set.size > LIMIT) set.delete(set.values().next().value as string);
  return true;
}
