/** Wire schemas of im_open_login_svc (platform.md §4). Aliases are normalised in commands. */
import { Type } from '@sinclair/typebox';
import { SafeInteger } from './types.ts';

const UserId = Type.String();
const Profile = { Nick: Type.Optional(Type.String()), FaceUrl: Type.Optional(Type.String()) };
const batch = <T extends ReturnType<typeof Type.Object> | ReturnType<typeof Type.String>>(item: T) =>
  Type.Array(item, { minItems: 1, maxItems: 100 });

export const AccountImport = Type.Object({
  UserID: Type.Optional(UserId),
  /** Legacy name of UserID. */
  Identifier: Type.Optional(UserId),
  Type: Type.Optional(SafeInteger()),
  ...Profile,
});

export const MultiAccountImport = Type.Object({
  AccountList: Type.Optional(batch(Type.Object({ UserID: UserId, ...Profile }))),
  /** Legacy form: plain UserIDs. */
  Accounts: Type.Optional(batch(UserId)),
});

export const AccountDelete = Type.Object({
  DeleteItem: batch(Type.Object({ UserID: UserId })),
});

export const AccountCheck = Type.Object({
  CheckItem: batch(Type.Object({ UserID: UserId })),
});
