/** official_account_open_http_svc commands: wire shapes and aliases here, rules in services/. */
import { ApiError, errorInfo } from '../../errors.ts';
import {
  createOfficialAccount,
  destroyOfficialAccount,
  getOfficialAccountInfo,
  modifyOfficialAccount,
} from '../../services/official-accounts.ts';
import { getHistory, recallMessages, sendMessage } from '../../services/messages.ts';
import {
  addSubscribers,
  deleteSubscribers,
  getSubscribedOfficialAccounts,
  getSubscriberInfo,
  modifySubscriberInfo,
} from '../../services/subscribers.ts';
import { defineCommand } from '../command.ts';
import * as S from '../schemas/official-accounts.ts';

const SERVICE = 'official_account_open_http_svc';
const common = { service: SERVICE, invalidCode: 6017, adminCode: 60010, defaultRate: 200 } as const;

export const officialAccountCommands = [
  defineCommand({
    ...common,
    name: 'create_official_account',
    schema: S.CreateOfficialAccount,
    async run(ctx, body) {
      const { id } = await createOfficialAccount(ctx, body);
      return { OfficialAccountUserID: id };
    },
  }),
  defineCommand({
    ...common,
    name: 'destroy_official_account',
    schema: S.DestroyOfficialAccount,
    async run(ctx, body) {
      await destroyOfficialAccount(ctx, body.Official_Account);
      return {};
    },
  }),
  defineCommand({
    ...common,
    name: 'modify_official_account_base_info',
    schema: S.ModifyOfficialAccountBaseInfo,
    async run(ctx, body) {
      // The documented name wins when a client sends both.
      const id = body.Official_Account ?? body.OfficialAccount;
      if (id === undefined) throw new ApiError(6017, 'Official_Account is required');
      await modifyOfficialAccount(ctx, id, body);
      return {};
    },
  }),
  defineCommand({
    ...common,
    name: 'get_official_account_info',
    schema: S.GetOfficialAccountInfo,
    async run(ctx, body) {
      const items = await getOfficialAccountInfo(
        ctx,
        body.OfficialAccountIdList.map((i) => i.Official_Account),
        body.ResponseFilter?.OfficialAccountBaseInfoFilter,
      );
      return {
        OfficialAccountInfoList: items.map((item) =>
          item.found
            ? { Official_Account: item.id, ErrorCode: 0, ErrorInfo: '', ...item.info }
            : { Official_Account: item.id, ErrorCode: 130004, ErrorInfo: errorInfo(130004) },
        ),
      };
    },
  }),
  defineCommand({
    ...common,
    name: 'get_subscriber_info',
    schema: S.GetSubscriberInfo,
    async run(ctx, body) {
      const page = await getSubscriberInfo(ctx, body.Official_Account, body.Limit, body.Next ?? '');
      return {
        Next: page.next,
        SubscriberNum: page.subscriberNum,
        SubscriberList: page.subscribers.map((s) => ({
          Subscriber_Account: s.userId,
          SubscribeTime: s.subscribeTime,
          CustomString: s.customString,
          MsgFlag: s.msgFlag,
          LastSendMsgTime: s.lastSendMsgTime,
        })),
      };
    },
  }),
  defineCommand({
    ...common,
    name: 'add_subscriber',
    schema: S.AddSubscriber,
    async run(ctx, body) {
      const userIds = body.SubscriberList.map((item, i) => {
        const userId = item.Subscriber_Account ?? item.Official_Account;
        if (userId === undefined) throw new ApiError(6017, `SubscriberList.${i}: Subscriber_Account is required`);
        return userId;
      });
      const { results } = await addSubscribers(ctx, body.Official_Account, userIds);
      return { SubscriberList: results.map((r) => ({ Subscriber_Account: r.userId, Result: r.result })) };
    },
  }),
  defineCommand({
    ...common,
    name: 'delete_subscriber',
    schema: S.DeleteSubscriber,
    async run(ctx, body) {
      const userIds = body.SubscriberToDel_Account ?? body.SubscriberList?.map((s) => s.Subscriber_Account);
      if (userIds === undefined) throw new ApiError(6017, 'SubscriberToDel_Account is required');
      const { results } = await deleteSubscribers(ctx, body.Official_Account, userIds);
      return { SubscriberList: results.map((r) => ({ Subscriber_Account: r.userId, Result: r.result })) };
    },
  }),
  defineCommand({
    ...common,
    name: 'modify_subscriber_info',
    schema: S.ModifySubscriberInfo,
    async run(ctx, body) {
      await modifySubscriberInfo(ctx, body.Official_Account, body.Subscriber_Account, body.CustomString);
      return {};
    },
  }),
  defineCommand({
    ...common,
    name: 'get_subscribed_official_account_list',
    schema: S.GetSubscribedOfficialAccountList,
    async run(ctx, body) {
      const page = await getSubscribedOfficialAccounts(ctx, body.Subscriber_Account, {
        offset: body.Offset,
        limit: body.Limit,
        baseInfoFilter: body.ResponseFilter?.OfficialAccountBaseInfoFilter,
        selfInfoFilter: body.ResponseFilter?.SelfInfoFilter,
      });
      return {
        OfficialAccountInfoList: page.items.map((item) => ({
          Official_Account: item.id,
          ...item.info,
          SelfInfo: item.selfInfo,
        })),
        TotalCount: page.totalCount,
        CompleteFlag: page.complete ? 1 : 0,
        Next: page.next,
      };
    },
  }),
  defineCommand({
    ...common,
    name: 'send_official_account_msg',
    schema: S.SendOfficialAccountMsg,
    async run(ctx, body) {
      const sent = await sendMessage(ctx, {
        officialAccountId: body.Official_Account,
        random: body.Random,
        msgBody: body.MsgBody,
        cloudCustomData: body.CloudCustomData,
        offlinePushInfo: body.OfflinePushInfo,
        forbidCallbackControl: body.ForbidCallbackControl,
        onlineOnlyFlag: body.OnlineOnlyFlag,
        sendMsgControl: body.SendMsgControl,
      });
      return { MsgTime: sent.msgTime, MsgKey: sent.msgKey };
    },
  }),
  defineCommand({
    ...common,
    name: 'official_account_msg_recall',
    schema: S.OfficialAccountMsgRecall,
    async run(ctx, body) {
      const { results } = await recallMessages(ctx, body.Official_Account, body.MsgKeyList, body.Reason ?? '');
      return {
        RecallRetList: results.map((r) => ({
          MsgKey: r.msgKey,
          RetCode: r.retCode,
          ...(r.seq !== undefined && { MsgSeq: r.seq }),
        })),
      };
    },
  }),
  defineCommand({
    ...common,
    name: 'official_account_msg_get_simple',
    schema: S.OfficialAccountMsgGetSimple,
    async run(ctx, body) {
      const page = await getHistory(
        ctx,
        body.Official_Account,
        body.ReqMsgNumber,
        body.LastMsgKey,
        body.WithRecalledMsg === 1,
      );
      return {
        Official_Account: body.Official_Account,
        IsFinished: page.isFinished,
        LastMsgKey: page.lastMsgKey,
        RspMsgList: page.messages.map((m) => ({
          From_Account: m.fromAccount,
          IsPlaceMsg: m.recalled ? 2 : 0,
          IsSystemMsg: 0,
          MsgBody: m.recalled ? [] : m.body,
          MsgKey: m.msgKey,
          MsgSeq: m.seq,
          MsgRandom: m.random,
          MsgTimeStamp: m.time,
          ...(m.cloudCustomData !== null && !m.recalled && { CloudCustomData: m.cloudCustomData }),
        })),
      };
    },
  }),
];
