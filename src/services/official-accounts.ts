/**
 * official_account_open_http_svc: the official-account lifecycle (official-accounts.md §2, §4).
 */
import { randomInt } from 'node:crypto';
import {
  badOfficialAccountId,
  invalidParameter,
  officialAccountIdTaken,
  officialAccountNotFound,
  tooManyOfficialAccounts,
} from '../errors.ts';
import type { OfficialAccountRecord } from '../store/records.ts';
import { CALLBACKS } from '../webhooks/commands.ts';
import type { ServiceContext } from './context.ts';
import { askBefore, emitAfter, isOn } from './events.ts';
import { utf8Bytes } from './rules.ts';

export const OFFICIAL_ID_PREFIX = '@TOA#_';
/** Generated IDs carry this prefix, which custom IDs may not use (spec README decision 5). */
export const GENERATED_ID_PREFIX = '@TOA#_@TOA#';
export const MAX_OFFICIAL_ID_BYTES = 48;
export const DEFAULT_MAX_SUBSCRIBER_NUM = 100_000;
export const MAX_INFO_BATCH = 50;

/** UTF-8 byte limits of the writable profile fields (official-accounts.md §2.1). */
export const PROFILE_LIMITS = {
  Name: 150,
  Introduction: 400,
  FaceUrl: 500,
  Organization: 500,
  CustomString: 3000,
} as const;

export interface OfficialAccountProfile {
  Name?: string | undefined;
  Introduction?: string | undefined;
  FaceUrl?: string | undefined;
  Organization?: string | undefined;
  CustomString?: string | undefined;
}

export function checkProfileLimits(profile: OfficialAccountProfile): void {
  for (const [field, max] of Object.entries(PROFILE_LIMITS) as [keyof OfficialAccountProfile, number][]) {
    const value = profile[field];
    if (value !== undefined && utf8Bytes(value) > max) {
      throw invalidParameter(`${field} exceeds ${max} bytes (got ${utf8Bytes(value)})`);
    }
  }
}

/** Why `id` cannot be a custom official-account ID, or null (official-accounts.md §2.3). */
export function customIdProblem(id: string): string | null {
  if (!id.startsWith(OFFICIAL_ID_PREFIX)) return `must start with ${OFFICIAL_ID_PREFIX}`;
  if (id.length === OFFICIAL_ID_PREFIX.length) return `needs characters after ${OFFICIAL_ID_PREFIX}`;
  if (!/^[\x20-\x7e]+$/.test(id)) return 'must be printable ASCII';
  if (utf8Bytes(id) > MAX_OFFICIAL_ID_BYTES) return `exceeds ${MAX_OFFICIAL_ID_BYTES} bytes`;
  if (id.startsWith(GENERATED_ID_PREFIX)) return `the prefix ${GENERATED_ID_PREFIX} is reserved for generated IDs`;
  return null;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function generateId(): string {
  let suffix = '';
  for (let i = 0; i < 10; i++) suffix += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return GENERATED_ID_PREFIX + suffix;
}

export interface CreateInput extends OfficialAccountProfile {
  Owner_Account: string;
  Name: string;
  OfficialAccountUserID?: string | undefined;
  MaxSubscriberNum?: number | undefined;
}

export async function createOfficialAccount(ctx: ServiceContext, input: CreateInput): Promise<{ id: string }> {
  checkProfileLimits(input);
  const customId = input.OfficialAccountUserID;
  if (customId !== undefined) {
    const problem = customIdProblem(customId);
    if (problem !== null) throw badOfficialAccountId(customId, problem);
  }
  const sdkappid = ctx.app.sdkappid;
  const ownerMissing = () =>
    invalidParameter(`Owner_Account "${input.Owner_Account}" is not an imported account; import it first`);
  if (isOn(ctx, CALLBACKS.beforeCreate)) {
    // Checked before the webhook too, so the app backend is not asked about a doomed request.
    // Without the webhook the transaction's own checks, in the same order, answer alone.
    if (!(await ctx.store.reads.existingAccounts(sdkappid, [input.Owner_Account])).has(input.Owner_Account)) {
      throw ownerMissing();
    }
    if (customId !== undefined && (await ctx.store.reads.officialAccountsCached(sdkappid, [customId])).has(customId)) {
      throw officialAccountIdTaken(customId);
    }
    await askBefore(
      ctx,
      CALLBACKS.beforeCreate,
      { Operator_Account: ctx.operator, Owner_Account: input.Owner_Account, Name: input.Name },
      'refusedByApp',
    );
  }

  const created = await ctx.store.transaction(async (tx) => {
    if (!(await tx.existingAccounts(sdkappid, [input.Owner_Account], 'share')).has(input.Owner_Account))
      throw ownerMissing();
    const account = {
      owner: input.Owner_Account,
      name: input.Name,
      introduction: input.Introduction ?? '',
      faceUrl: input.FaceUrl ?? '',
      organization: input.Organization ?? '',
      customString: input.CustomString ?? '',
      maxSubscriberNum: input.MaxSubscriberNum ?? DEFAULT_MAX_SUBSCRIBER_NUM,
      createTime: ctx.now(),
    };
    let id = customId;
    if (id !== undefined) {
      if (!(await tx.insertOfficialAccount(sdkappid, { id, ...account }))) throw officialAccountIdTaken(id);
    } else {
      // 62^10 suffixes: a clash is astronomically rare, but never answer with a taken ID.
      do id = generateId();
      while (!(await tx.insertOfficialAccount(sdkappid, { id, ...account })));
    }
    // Last, so PostgreSQL holds the app row's lock only for the commit; throwing undoes the insert.
    if (!(await tx.takeOfficialAccountSlot(sdkappid, ctx.app.maxOfficialAccounts))) {
      throw tooManyOfficialAccounts(ctx.app.maxOfficialAccounts);
    }
    await emitAfter(ctx, tx, CALLBACKS.afterCreate, id, {
      Official_Account: id,
      Operator_Account: ctx.operator,
      Owner_Account: account.owner,
      Name: account.name,
    });
    return { id };
  });
  return created;
}

/** Names accepted in OfficialAccountBaseInfoFilter, mapped to the record field they read. */
export const BASE_INFO_FIELDS = {
  CreateTime: 'createTime',
  Name: 'name',
  Owner_Account: 'owner',
  LastMsgTime: 'lastMsgTime',
  SubscriberNum: 'subscriberNum',
  Introduction: 'introduction',
  FaceUrl: 'faceUrl',
  Organization: 'organization',
  CustomString: 'customString',
  // Not in the documented filter list; returned only when asked for by name (§2.5).
  MaxSubscriberNum: 'maxSubscriberNum',
} as const satisfies Record<string, keyof OfficialAccountRecord>;

export type BaseInfoField = keyof typeof BASE_INFO_FIELDS;
type DefaultBaseInfoField = Exclude<BaseInfoField, 'MaxSubscriberNum'>;

/** Picks the requested wire fields of an account; an empty or missing filter means all. */
export function selectBaseInfo(
  account: OfficialAccountRecord,
  filter: readonly string[] | undefined,
): Record<string, string | number> {
  const known = (filter ?? []).filter((name): name is BaseInfoField => Object.hasOwn(BASE_INFO_FIELDS, name));
  if (known.length === 0) return defaultBaseInfo(account);
  const out: Record<string, string | number> = {};
  for (const field of known) out[field] = account[BASE_INFO_FIELDS[field]];
  return out;
}

/**
 * Without a filter: every field but MaxSubscriberNum, in the documented order, as one literal:
 * objects of one shape, built and serialised about a third faster than key by key (50 per
 * get_official_account_info call).
 */
function defaultBaseInfo(a: OfficialAccountRecord): Record<DefaultBaseInfoField, string | number> {
  return {
    CreateTime: a.createTime,
    Name: a.name,
    Owner_Account: a.owner,
    LastMsgTime: a.lastMsgTime,
    SubscriberNum: a.subscriberNum,
    Introduction: a.introduction,
    FaceUrl: a.faceUrl,
    Organization: a.organization,
    CustomString: a.customString,
  };
}

export type InfoItem =
  | { id: string; found: true; info: Record<string, string | number> }
  | { id: string; found: false };

export async function getOfficialAccountInfo(
  ctx: ServiceContext,
  ids: readonly string[],
  filter: readonly string[] | undefined,
): Promise<InfoItem[]> {
  const accounts = await ctx.store.reads.officialAccountsCached(ctx.app.sdkappid, ids);
  return ids.map((id): InfoItem => {
    const account = accounts.get(id);
    return account ? { id, found: true, info: selectBaseInfo(account, filter) } : { id, found: false };
  });
}

/** destroy_official_account: the account, its subscriptions and its history go together. */
export async function destroyOfficialAccount(ctx: ServiceContext, id: string): Promise<OfficialAccountRecord> {
  return ctx.store.transaction(async (tx) => {
    const account = await tx.lockOfficialAccount(ctx.app.sdkappid, id);
    if (!account) throw officialAccountNotFound(id);
    await tx.deleteOfficialAccount(ctx.app.sdkappid, id);
    tx.onCommit(() => ctx.notifier.officialAccountDeleted(ctx.app.sdkappid, id));
    await emitAfter(ctx, tx, CALLBACKS.afterDestroyed, id, {
      Official_Account: id,
      Owner_Account: account.owner,
      Name: account.name,
    });
    return account;
  });
}

export interface ModifyInput extends OfficialAccountProfile {
  MaxSubscriberNum?: number | undefined;
}

/**
 * modify_official_account_base_info: only the fields present change. Lowering MaxSubscriberNum
 * below SubscriberNum keeps every existing subscriber; new subscriptions fail (Result 0) until
 * the count is below the cap again.
 */
export async function modifyOfficialAccount(
  ctx: ServiceContext,
  id: string,
  input: ModifyInput,
): Promise<{ before: OfficialAccountRecord; after: OfficialAccountRecord }> {
  checkProfileLimits(input);
  return ctx.store.transaction(async (tx) => {
    const before = await tx.lockOfficialAccount(ctx.app.sdkappid, id);
    if (!before) throw officialAccountNotFound(id);
    const changes = {
      ...(input.Name !== undefined && { name: input.Name }),
      ...(input.Introduction !== undefined && { introduction: input.Introduction }),
      ...(input.FaceUrl !== undefined && { faceUrl: input.FaceUrl }),
      ...(input.Organization !== undefined && { organization: input.Organization }),
      ...(input.CustomString !== undefined && { customString: input.CustomString }),
      ...(input.MaxSubscriberNum !== undefined && { maxSubscriberNum: input.MaxSubscriberNum }),
    };
    await tx.updateOfficialAccount(ctx.app.sdkappid, id, changes);
    tx.onCommit(() => ctx.notifier.officialAccountChanged(ctx.app.sdkappid, id));
    const after = { ...before, ...changes };
    // The webhook reports the documented profile fields that really changed; a modify that
    // only touched CustomString or MaxSubscriberNum still fires, with none of them.
    const reported: Record<string, string> = {};
    if (after.introduction !== before.introduction) reported.Introduction = after.introduction;
    if (after.name !== before.name) reported.Name = after.name;
    if (after.faceUrl !== before.faceUrl) reported.FaceUrl = after.faceUrl;
    if (after.organization !== before.organization) reported.Organization = after.organization;
    await emitAfter(ctx, tx, CALLBACKS.afterInfoChanged, id, {
      Official_Account: id,
      Operator_Account: ctx.operator,
      ...reported,
    });
    return { before, after };
  });
}
