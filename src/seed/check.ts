/**
 * Checks a whole seed against the rules its REST twins apply (ID formats, byte limits, bodies,
 * owners and subscribers that are imported or seeded, MaxSubscriberNum) before anything is
 * written, so a bad seed stops the start with its field named and leaves the store as it was.
 */
import { ApiError } from '../errors.ts';
import { profileProblem } from '../services/accounts.ts';
import type { ServiceContext } from '../services/context.ts';
import { checkProfileLimits, customIdProblem, DEFAULT_MAX_SUBSCRIBER_NUM } from '../services/official-accounts.ts';
import { userIdProblem } from '../services/rules.ts';
import { checkSendInput } from '../services/send.ts';
import { SeedError } from './load.ts';
import type { Seed } from './schema.ts';

export type SeedAccount = { userId: string; nick?: string | undefined; faceUrl?: string | undefined };

export function seedAccounts(seed: Seed): SeedAccount[] {
  return (seed.accounts ?? []).map((a) =>
    typeof a === 'string' ? { userId: a } : { userId: a.UserID, nick: a.Nick, faceUrl: a.FaceUrl },
  );
}

export function seedMessageBody(
  message: NonNullable<NonNullable<Seed['officialAccounts']>[number]['Messages']>[number],
) {
  return typeof message === 'string'
    ? { msgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: message } }] as unknown[] }
    : { msgBody: message.MsgBody as unknown[], cloudCustomData: message.CloudCustomData };
}

export async function checkSeed(ctx: Pick<ServiceContext, 'app' | 'store'>, seed: Seed, label: string): Promise<void> {
  const fail = (path: string, problem: string): never => {
    throw new SeedError(`${label}: ${path}: ${problem}`);
  };
  const known = new Set(ctx.app.admins);
  for (const [i, account] of seedAccounts(seed).entries()) {
    const problem = userIdProblem(account.userId) ?? profileProblem(account);
    if (problem !== null) fail(`accounts[${i}]`, problem);
    known.add(account.userId);
  }
  const officialAccounts = seed.officialAccounts ?? [];
  const named = new Set(officialAccounts.flatMap((oa) => [oa.Owner_Account, ...(oa.Subscribers ?? [])]));
  const imported = await ctx.store.reads.existingAccounts(
    ctx.app.sdkappid,
    [...named].filter((u) => !known.has(u)),
  );
  const isKnown = (userId: string) => known.has(userId) || imported.has(userId);

  const ids = new Set<string>();
  for (const [i, oa] of officialAccounts.entries()) {
    const path = `officialAccounts[${i}]`;
    const idProblem = customIdProblem(oa.OfficialAccountUserID);
    if (idProblem !== null) fail(`${path}.OfficialAccountUserID`, idProblem);
    if (ids.has(oa.OfficialAccountUserID)) fail(`${path}.OfficialAccountUserID`, 'appears twice in the seed');
    ids.add(oa.OfficialAccountUserID);
    try {
      checkProfileLimits(oa);
    } catch (e) {
      if (e instanceof ApiError) fail(path, e.info);
      throw e;
    }
    if (!isKnown(oa.Owner_Account))
      fail(`${path}.Owner_Account`, `"${oa.Owner_Account}" is not an imported account (add it to "accounts")`);
    const subscribers = oa.Subscribers ?? [];
    for (const [j, userId] of subscribers.entries()) {
      if (!isKnown(userId))
        fail(`${path}.Subscribers[${j}]`, `"${userId}" is not an imported account (add it to "accounts")`);
    }
    const max = oa.MaxSubscriberNum ?? DEFAULT_MAX_SUBSCRIBER_NUM;
    if (new Set(subscribers).size > max)
      fail(`${path}.Subscribers`, `${subscribers.length} subscribers exceed MaxSubscriberNum ${max}`);
    for (const [j, message] of (oa.Messages ?? []).entries()) {
      try {
        checkSendInput({ officialAccountId: oa.OfficialAccountUserID, random: j + 1, ...seedMessageBody(message) });
      } catch (e) {
        if (e instanceof ApiError) fail(`${path}.Messages[${j}]`, e.info);
        throw e;
      }
    }
  }
}
