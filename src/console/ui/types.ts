/** What the console reads from the commands' answers (the REST field names, unchanged). */

export interface AccountRow {
  UserID: string;
  Nick: string;
  FaceUrl: string;
  CreateTime: number;
}

export interface OfficialAccountRow {
  Official_Account: string;
  Name: string;
  Owner_Account: string;
  SubscriberNum: number;
  MaxSubscriberNum: number;
  CreateTime: number;
  LastMsgTime: number;
}

export interface OfficialAccountInfo {
  Official_Account: string;
  ErrorCode: number;
  ErrorInfo: string;
  Name?: string;
  Owner_Account?: string;
  CreateTime?: number;
  LastMsgTime?: number;
  SubscriberNum?: number;
  MaxSubscriberNum?: number;
  Introduction?: string;
  FaceUrl?: string;
  Organization?: string;
  CustomString?: string;
}

export interface SubscriberRow {
  Subscriber_Account: string;
  SubscribeTime: number;
  CustomString: string;
  MsgFlag: string;
  LastSendMsgTime: number;
}

export interface MsgElement {
  MsgType: string;
  MsgContent: Record<string, unknown>;
}

export interface HistoryMessage {
  From_Account: string;
  IsPlaceMsg: 0 | 2;
  MsgBody: MsgElement[];
  MsgKey: string;
  MsgSeq: number;
  MsgRandom: number;
  MsgTimeStamp: number;
  CloudCustomData?: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'cancelled';

export interface Delivery {
  Id: number;
  CallbackCommand: string;
  Official_Account: string;
  Status: DeliveryStatus;
  Attempts: number;
  LastError: string;
  CreatedAt: number;
  NextAttemptAt: number;
  DeliveredAt: number;
  Body: Record<string, unknown>;
}

export interface Overview {
  SDKAppID: number;
  Accounts: number;
  OfficialAccounts: number;
  Subscriptions: number;
  Messages: number;
  Webhooks: { Pending: number; Delivered: number; Cancelled: number };
  OnlineUsers: number;
}
