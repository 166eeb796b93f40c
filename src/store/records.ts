/** Domain records as the services see them (camelCase, plain numbers). */

export interface AppRecord {
  sdkappid: number;
  secretKey: string;
  admins: string[];
  officialAccountEnabled: boolean;
  maxOfficialAccounts: number;
  /** "service/command" or "*" → calls per second; 0 means unlimited. Missing → documented default. */
  rateLimits: Record<string, number>;
  /** Per official account send limits (documented: 1/s, 2/hour); 0 = unlimited. */
  sendPerSecond: number;
  sendPerHour: number;
  webhook: WebhookSettings;
  createdAt: number;
}

export type BeforeFailurePolicy = 'allow' | 'reject';

export interface WebhookSettings {
  /** No URL: no webhook fires. */
  url: string | null;
  /** With a token, calls carry RequestTime and Sign = sha256(token + RequestTime). */
  token: string | null;
  /** CallbackCommands switched off (all others are on when a URL is set). */
  off: string[];
  beforeFailure: BeforeFailurePolicy;
}

export interface AccountInput {
  userId: string;
  nick?: string | undefined;
  faceUrl?: string | undefined;
}

/** An imported account as the console lists it. Times are Unix seconds. */
export interface AccountRecord {
  userId: string;
  nick: string;
  faceUrl: string;
  createdAt: number;
}

export interface OfficialAccountRecord {
  id: string;
  owner: string;
  name: string;
  introduction: string;
  faceUrl: string;
  organization: string;
  customString: string;
  maxSubscriberNum: number;
  subscriberNum: number;
  lastMsgTime: number;
  createTime: number;
  /** The timeline version: the last change subscribers have been sent (0 for a new account). */
  version: number;
}

export type NewOfficialAccount = Omit<OfficialAccountRecord, 'subscriberNum' | 'lastMsgTime' | 'version'>;

export type MsgFlag = 'AcceptAndNotify' | 'AcceptNotNotify' | 'Discard';

export interface SubscriptionRecord {
  officialAccountId: string;
  userId: string;
  subSeq: number;
  subscribeTime: number;
  customString: string;
  msgFlag: MsgFlag;
  lastSendMsgTime: number;
  /** The subscriber receives the messages that became visible after this timeline version. */
  fromVersion: number;
}

/** One entry of get_subscriber_info's page: only what the answer and its cursor need (the account is known). */
export type SubscriberEntry = Omit<SubscriptionRecord, 'officialAccountId' | 'fromVersion'>;

/** A changeable subset of an official account's fields. */
export type OfficialAccountChanges = Partial<
  Pick<
    OfficialAccountRecord,
    'name' | 'introduction' | 'faceUrl' | 'organization' | 'customString' | 'maxSubscriberNum'
  >
>;

export interface MessageRecord {
  officialAccountId: string;
  seq: number;
  msgKey: string;
  random: number;
  time: number;
  fromAccount: string;
  /** MsgBody as sent (JSON-compatible). */
  body: unknown[];
  cloudCustomData: string | null;
  offlinePushInfo: Record<string, unknown> | null;
  options: MessageOptions;
  onlineOnly: boolean;
  contentHash: string;
  recalled: boolean;
  recallReason: string | null;
  recallTime: number | null;
  /**
   * sent; pending while the before-send webhook decides; discarded when it dropped or refused
   * the message. Pending and discarded messages hold their Seq and are never shown or recalled.
   */
  state: MessageState;
  /** The account's timeline version of the message's last change (0 while pending). */
  version: number;
  /** The timeline version at which it became visible (0 while pending). */
  sentVersion: number;
}

export interface MessageOptions {
  sendMsgControl?: string[];
  forbidCallbackControl?: string[];
  /** The REST caller's address, for the AfterSendMsg of a send settled later. */
  clientIp?: string;
}

/** refused: the before-send webhook refused it (the caller got an error; never a duplicate). */
export type MessageState = 'sent' | 'pending' | 'discarded' | 'refused';

export type NewMessage = Omit<MessageRecord, 'recalled' | 'recallReason' | 'recallTime' | 'sentVersion'>;

/** What the before-send webhook's verdict makes of a pending message. */
export interface MessageOutcome {
  state: 'sent' | 'discarded' | 'refused';
  body: unknown[];
  cloudCustomData: string | null;
}

export type OutboxStatus = 'pending' | 'delivered' | 'cancelled';

export interface NewOutboxEvent {
  sdkappid: number;
  officialAccountId: string;
  command: string;
  body: Record<string, unknown>;
  clientIp: string;
  createdAt: number;
}

export interface OutboxEvent extends NewOutboxEvent {
  id: number;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
}

export interface OutboxFilter {
  sdkappid?: number | undefined;
  status?: OutboxStatus | undefined;
  officialAccountId?: string | undefined;
  /** Only events with a smaller id (paging backwards from the newest). */
  beforeId?: number | undefined;
  limit: number;
}

/** One page of a listing: rows after the cursor `after` (a key), matching `search`, in key order. */
export interface BrowseQuery {
  sdkappid: number;
  /** Case-insensitive substring of the key or the name (wildcards in it match only themselves). */
  search?: string | undefined;
  /** Only rows whose key sorts after this one. */
  after?: string | undefined;
  limit: number;
}

/** How much an app holds, for its overview. */
export interface AppCounts {
  accounts: number;
  officialAccounts: number;
  subscriptions: number;
  /** Messages broadcast (recalled ones included; pending and refused sends are not). */
  messages: number;
  webhooks: Record<OutboxStatus, number>;
}
