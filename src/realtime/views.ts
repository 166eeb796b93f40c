/** Store records as a subscriber's device sees them (protocol.ts). */
import type { MessageRecord, OfficialAccountRecord, SubscriptionRecord } from '../store/records.ts';
import type { Message, OfficialAccountInfo } from './protocol.ts';

export function conversationId(officialAccountId: string): string {
  return `c2c_${officialAccountId}`;
}

/** The official account's ID in a `c2c_<officialAccountID>` conversation ID, or null. */
export function accountOfConversation(conversationID: string): string | null {
  return conversationID.startsWith('c2c_') && conversationID.length > 4 ? conversationID.slice(4) : null;
}

/** The same for every subscriber (but `notify`), so one serialisation serves them all. */
export function messageView(message: MessageRecord, notify: boolean): Message {
  return {
    ID: message.msgKey,
    conversationID: conversationId(message.officialAccountId),
    conversationType: 'C2C',
    from: message.fromAccount,
    flow: 'in',
    sequence: message.seq,
    time: message.time,
    random: message.random,
    msgBody: message.recalled ? [] : message.body,
    cloudCustomData: message.recalled ? '' : (message.cloudCustomData ?? ''),
    isRevoked: message.recalled,
    revokeReason: message.recallReason ?? '',
    notify,
    onlineOnly: message.onlineOnly,
    version: message.version,
  };
}

export function accountView(account: OfficialAccountRecord, subscription?: SubscriptionRecord): OfficialAccountInfo {
  return {
    officialAccountID: account.id,
    officialAccountName: account.name,
    faceUrl: account.faceUrl,
    organization: account.organization,
    introduction: account.introduction,
    customData: account.customString,
    createTime: account.createTime,
    subscriberCount: account.subscriberNum,
    subscribeTime: subscription?.subscribeTime ?? 0,
    ...(subscription && { msgFlag: subscription.msgFlag }),
  };
}
