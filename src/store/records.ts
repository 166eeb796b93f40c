/** Domain records as the services see them (camelCase, plain numbers). */

export interface AppRecord {
  sdkappid: number;
  secretKey: string;
  admins: string[];
  officialAccountEnabled: boolean;
  maxOfficialAccounts: number;
  /** "service/command" or "*" → calls per second; 0 means unlimited. Missing → documented default. */
  rateLimits: Record<string, number>;
  createdAt: number;
}

export interface AccountInput {
  userId: string;
  nick?: string | undefined;
  faceUrl?: string | undefined;
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
}

export type NewOfficialAccount = Omit<OfficialAccountRecord, 'subscriberNum' | 'lastMsgTime'>;
