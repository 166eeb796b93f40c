/** Wire schemas of official_account_open_http_svc (official-accounts.md §4). */
import { Type } from '@sinclair/typebox';

const OfficialAccountId = Type.String();

export const CreateOfficialAccount = Type.Object({
  Owner_Account: Type.String(),
  OfficialAccountUserID: Type.Optional(OfficialAccountId),
  Name: Type.String(),
  Introduction: Type.Optional(Type.String()),
  FaceUrl: Type.Optional(Type.String()),
  MaxSubscriberNum: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  Organization: Type.Optional(Type.String()),
  CustomString: Type.Optional(Type.String()),
});

export const GetOfficialAccountInfo = Type.Object({
  OfficialAccountIdList: Type.Array(Type.Object({ Official_Account: OfficialAccountId })),
  ResponseFilter: Type.Optional(
    Type.Object({
      OfficialAccountBaseInfoFilter: Type.Optional(Type.Array(Type.String())),
    }),
  ),
});
