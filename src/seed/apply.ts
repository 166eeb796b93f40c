/**
 * Applies a seed through the same services the REST commands use, so a seed obeys every rule a
 * REST call would (ID formats, byte limits, imported owners and subscribers, MaxSubscriberNum).
 * It can run on every start: accounts are imported again (a no-op), an official account that
 * exists is kept as it is (its messages are not sent again), subscribers already subscribed stay.
 * Seeding fires no webhook and is not counted by the send limits: it is set-up, not traffic.
 */
import { ApiError } from '../errors.ts';
import type { AppRecord } from '../store/records.ts';
import { importAccounts } from '../services/accounts.ts';
import type { SendLimiter, ServiceContext, Webhooks } from '../services/context.ts';
import { createOfficialAccount, getOfficialAccountInfo } from '../services/official-accounts.ts';
import { sendMessage } from '../services/send.ts';
import { addSubscribers } from '../services/subscribers.ts';
import { checkSeed, seedAccounts, seedMessageBody } from './check.ts';
import { SeedError } from './load.ts';
import type { Seed } from './schema.ts';

export const SEED_WEBHOOKS: Webhooks = {
  isOn: () => false,
  before: async () => ({ kind: 'skipped' }),
};

export const SEED_SEND_LIMITS: SendLimiter = {
  allow: async () => null,
  refund: async () => {},
  forget: async () => {},
};

/** What seeding runs as: the app's first admin, with no webhooks and no send limits. */
export function seedContext(
  app: AppRecord,
): Pick<ServiceContext, 'app' | 'operator' | 'clientIp' | 'webhooks' | 'sendLimits'> {
  return {
    app,
    operator: app.admins[0] ?? 'administrator',
    clientIp: '127.0.0.1',
    webhooks: SEED_WEBHOOKS,
    sendLimits: SEED_SEND_LIMITS,
  };
}

export interface SeedSummary {
  accounts: number;
  createdOfficialAccounts: string[];
  keptOfficialAccounts: string[];
  subscriptions: number;
  messages: number;
}

/** Runs `step`, turning a refusal into a SeedError that names the seed and the field. */
async function at<T>(label: string, path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof ApiError) throw new SeedError(`${label}: ${path}: ${e.info} (${e.code})`);
    throw e;
  }
}

export async function applySeed(ctx: ServiceContext, seed: Seed, label: string): Promise<SeedSummary> {
  const summary: SeedSummary = {
    accounts: 0,
    createdOfficialAccounts: [],
    keptOfficialAccounts: [],
    subscriptions: 0,
    messages: 0,
  };
  await checkSeed(ctx, seed, label);
  const accounts = seedAccounts(seed);
  if (accounts.length > 0) {
    const { failAccounts } = await at(label, 'accounts', () => importAccounts(ctx, accounts));
    const failed = failAccounts[0];
    if (failed !== undefined) {
      const index = accounts.findIndex((a) => a.userId === failed);
      throw new SeedError(
        `${label}: accounts[${index}]: "${failed}" cannot be imported (check the UserID and profile)`,
      );
    }
    summary.accounts = accounts.length;
  }

  for (const [i, oa] of (seed.officialAccounts ?? []).entries()) {
    const path = `officialAccounts[${i}]`;
    const id = oa.OfficialAccountUserID;
    const [existing] = await getOfficialAccountInfo(ctx, [id], undefined);
    const create = !existing?.found;
    if (create) {
      const { Subscribers: _subscribers, Messages: _messages, ...fields } = oa;
      await at(label, path, () => createOfficialAccount(ctx, fields));
      summary.createdOfficialAccounts.push(id);
    } else summary.keptOfficialAccounts.push(id);

    const subscribers = oa.Subscribers ?? [];
    if (subscribers.length > 0) {
      const { results } = await at(label, `${path}.Subscribers`, () => addSubscribers(ctx, id, subscribers));
      for (const [j, r] of results.entries()) {
        if (r.result === 0) {
          const why =
            r.why === 'notImported' ? 'is not an imported account (add it to "accounts")' : 'cannot subscribe';
          const reason = r.why === 'full' ? 'does not fit: the account is at MaxSubscriberNum' : why;
          throw new SeedError(`${label}: ${path}.Subscribers[${j}]: "${r.userId}" ${reason}`);
        }
        if (r.result === 1) summary.subscriptions++;
      }
    }

    if (!create) continue;
    for (const [j, message] of (oa.Messages ?? []).entries()) {
      const body = seedMessageBody(message);
      await at(label, `${path}.Messages[${j}]`, () =>
        sendMessage(ctx, { officialAccountId: id, random: j + 1, ...body }),
      );
      summary.messages++;
    }
  }
  return summary;
}
