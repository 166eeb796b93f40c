/** Wire schemas of official_account_open_http_svc (official-accounts.md §4). */
import { Type } from '@sinclair/typebox';
import { SafeInteger } from './types.ts';

const OfficialAccountId = Type.String();

export const CreateOfficialAccount = Type.Object({
  Owner_Account: Type.String(),
  OfficialAccountUserID: Type.Optional(OfficialAccountId),
  Name: Type.String(),
  Introduction: Type.Optional(Type.String()),
  FaceUrl: Type.Optional(Type.String()),
  MaxSubscriberNum: Type.Optional(SafeInteger({ minimum: 1, maximum: 2_147_483_647 })),
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

export const DestroyOfficialAccount = Type.Object({
  Official_Account: OfficialAccountId,
});

const ProfileChanges = {
  Name: Type.Optional(Type.String()),
  Introduction: Type.Optional(Type.String()),
  FaceUrl: Type.Optional(Type.String()),
  Organization: Type.Optional(Type.String()),
  CustomString: Type.Optional(Type.String()),
  MaxSubscriberNum: Type.Optional(SafeInteger({ minimum: 1, maximum: 2_147_483_647 })),
};

export const ModifyOfficialAccountBaseInfo = Type.Object({
  Official_Account: Type.Optional(OfficialAccountId),
  /** What the doocs Java client sends (official-accounts.md §2.4). */
  OfficialAccount: Type.Optional(OfficialAccountId),
  ...ProfileChanges,
});

const Limit = Type.Optional(SafeInteger());

export const GetSubscriberInfo = Type.Object({
  Official_Account: OfficialAccountId,
  Limit,
  Next: Type.Optional(Type.String()),
});

export const AddSubscriber = Type.Object({
  Official_Account: OfficialAccountId,
  SubscriberList: Type.Array(
    Type.Object({
      Subscriber_Account: Type.Optional(Type.String()),
      /** The doocs Java client names the user this way. */
      Official_Account: Type.Optional(Type.String()),
    }),
  ),
});

export const DeleteSubscriber = Type.Object({
  Official_Account: OfficialAccountId,
  SubscriberToDel_Account: Type.Optional(Type.Array(Type.String())),
  /** The shape the doc's field table shows (a copy of add_subscriber's). */
  SubscriberList: Type.Optional(Type.Array(Type.Object({ Subscriber_Account: Type.String() }))),
});

export const ModifySubscriberInfo = Type.Object({
  Official_Account: OfficialAccountId,
  Subscriber_Account: Type.String(),
  CustomString: Type.String(),
});

export const GetSubscribedOfficialAccountList = Type.Object({
  Subscriber_Account: Type.String(),
  Limit,
  Offset: Type.Optional(SafeInteger()),
  ResponseFilter: Type.Optional(
    Type.Object({
      OfficialAccountBaseInfoFilter: Type.Optional(Type.Array(Type.String())),
      SelfInfoFilter: Type.Optional(Type.Array(Type.String())),
    }),
  ),
});

export const SendOfficialAccountMsg = Type.Object({
  Official_Account: OfficialAccountId,
  Random: SafeInteger({ minimum: 0, maximum: 4_294_967_295 }),
  /** Element-level rules live in services/message-body.ts (they carry their own messages). */
  MsgBody: Type.Unknown(),
  CloudCustomData: Type.Optional(Type.String()),
  OfflinePushInfo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  ForbidCallbackControl: Type.Optional(Type.Array(Type.String())),
  OnlineOnlyFlag: Type.Optional(SafeInteger()),
  SendMsgControl: Type.Optional(Type.Array(Type.String())),
});

export const OfficialAccountMsgRecall = Type.Object({
  Official_Account: OfficialAccountId,
  MsgKeyList: Type.Array(Type.String()),
  Reason: Type.Optional(Type.String()),
});

export const OfficialAccountMsgGetSimple = Type.Object({
  Official_Account: OfficialAccountId,
  ReqMsgNumber: SafeInteger(),
  LastMsgKey: Type.Optional(Type.String()),
  WithRecalledMsg: Type.Optional(SafeInteger()),
});
