/**
 * A seed: the accounts, official accounts, subscribers and messages a Herald starts with, for
 * tests and demos (`herald serve --seed file.json`, HERALD_SEED, `startHerald({ seed })`). Field
 * names follow the REST commands that create the same things. Unknown keys are refused: a seed is
 * Herald's own format, and a typo must not pass unnoticed.
 */
import { type Static, Type } from '@sinclair/typebox';
import { MsgElement, MaxSubscriberNum, ProfileFields } from '../wire/schema/official-account.ts';

const strict = { additionalProperties: false } as const;

const SeedAccount = Type.Union([
  Type.String({ description: 'a UserID' }),
  Type.Object(
    { UserID: Type.String(), Nick: Type.Optional(Type.String()), FaceUrl: Type.Optional(Type.String()) },
    strict,
  ),
]);

const SeedMessage = Type.Union([
  Type.String({ description: 'the text of a TIMTextElem' }),
  Type.Object(
    { MsgBody: Type.Array(MsgElement, { minItems: 1 }), CloudCustomData: Type.Optional(Type.String()) },
    strict,
  ),
]);

const SeedOfficialAccount = Type.Object(
  {
    /** Required so that a seed applied on every start finds what it created before. */
    OfficialAccountUserID: Type.String(),
    Owner_Account: Type.String(),
    Name: Type.String({ minLength: 1 }),
    ...ProfileFields,
    MaxSubscriberNum: Type.Optional(MaxSubscriberNum),
    Subscribers: Type.Optional(Type.Array(Type.String())),
    /** Sent, in order, when the seed creates the account (never again on a later start). */
    Messages: Type.Optional(Type.Array(SeedMessage)),
  },
  strict,
);

export const SeedSchema = Type.Object(
  {
    /** The app to seed; by default the app the server starts with (the first one). */
    sdkappid: Type.Optional(Type.Integer({ minimum: 1 })),
    accounts: Type.Optional(Type.Array(SeedAccount)),
    officialAccounts: Type.Optional(Type.Array(SeedOfficialAccount)),
  },
  strict,
);

export type Seed = Static<typeof SeedSchema>;
