/**
 * Shared checks for the webhook suites: the 11 command strings (official-account-webhooks.md §2,
 * written out here rather than imported from src), the query every call must carry (§1.1,
 * platform.md §6.1–6.2), exact body field sets, and the herald_admin inspection API.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { NewAppOptions } from '../../src/auth/apps.ts';
import { ADMIN, SDKAPPID, SECRET_KEY, type Client, type Envelope } from './harness.ts';
import { assertOk } from './assertions.ts';
import type { Json, ReceivedCall } from './webhook-receiver.ts';

export const CB = {
  beforeCreate: 'OfficialAccount.CallbackBeforeCreateOfficialAccount',
  afterCreate: 'OfficialAccount.CallbackAfterCreateOfficialAccount',
  afterInfoChanged: 'OfficialAccount.CallbackAfterOfficialAccountInfoChanged',
  afterDestroyed: 'OfficialAccount.CallbackAfterOfficialAccountDestroyed',
  beforeAdd: 'OfficialAccount.CallbackBeforeAddSubscriber',
  afterAdd: 'OfficialAccount.CallbackAfterAddSubscriber',
  afterFull: 'OfficialAccount.CallbackAfterOfficialAccountFull',
  afterDelete: 'OfficialAccount.CallbackAfterDeleteSubscriber',
  beforeSend: 'OfficialAccount.CallbackBeforeSendMsg',
  afterSend: 'OfficialAccount.CallbackAfterSendMsg',
  afterWithdraw: 'OfficialAccount.CallbackAfterMsgWithDraw',
} as const;

export const ALL_COMMANDS: readonly string[] = Object.values(CB);
export const AFTER_COMMANDS: readonly string[] = ALL_COMMANDS.filter((c) => c.includes('.CallbackAfter'));

export const TEXT = { MsgType: 'TIMTextElem', MsgContent: { Text: 'hello subscribers' } };
export const CUSTOM = { MsgType: 'TIMCustomElem', MsgContent: { Desc: 'CustomElement.MemberLevel', Data: 'LV1' } };

/** The test app (SDKAPPID, admin ADMIN) with these webhook settings. */
export function webhookApp(webhook: NonNullable<NewAppOptions['webhook']>, sdkappid = SDKAPPID): NewAppOptions {
  return { sdkappid, secretKey: SECRET_KEY, admins: [ADMIN], webhook };
}

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The query of one webhook call: exactly SdkAppid, CallbackCommand, contenttype=json,
 * ClientIP=127.0.0.1, OptPlatform=RESTAPI (plus the configured URL's own parameters), and with a
 * token RequestTime (unix seconds, near the call) + Sign = hex sha256(token + RequestTime).
 * Also: POST, a JSON content type, and the body repeating CallbackCommand.
 */
export function checkQuery(
  call: ReceivedCall,
  command: string,
  token: string | null,
  extra: Record<string, string> = {},
): void {
  const where = `${command} call ${call.url}`;
  assert.equal(call.method, 'POST', where);
  const keys = [
    ...Object.keys(extra),
    'SdkAppid',
    'CallbackCommand',
    'contenttype',
    'ClientIP',
    'OptPlatform',
    ...(token !== null ? ['RequestTime', 'Sign'] : []),
  ];
  assert.deepEqual([...call.queryKeys].sort(), keys.sort(), `query parameters of ${where}`);
  for (const [name, value] of Object.entries(extra)) assert.equal(call.query[name], value, where);
  assert.equal(call.query.SdkAppid, String(SDKAPPID), where);
  assert.equal(call.query.CallbackCommand, command, where);
  assert.equal(call.query.contenttype, 'json', where);
  assert.equal(call.query.ClientIP, '127.0.0.1', where);
  assert.equal(call.query.OptPlatform, 'RESTAPI', where);
  if (token !== null) {
    const time = call.query.RequestTime ?? '';
    assert.match(time, /^\d{10}$/, `RequestTime is unix seconds (${where})`);
    assert.ok(Math.abs(Number(time) - call.at / 1000) <= 5, `RequestTime ${time} is the time of the call (${where})`);
    assert.equal(call.query.Sign, sha256Hex(`${token}${time}`), `Sign = sha256(token + RequestTime) (${where})`);
  }
  assert.match(String(call.headers['content-type']), /^application\/json/i, where);
  assert.equal(call.body.CallbackCommand, command, where);
}

/**
 * The body has exactly CallbackCommand, EventTime and `fields`; EventTime is an integer number of
 * milliseconds between `since` and the arrival of the call.
 */
export function checkBody(call: ReceivedCall, command: string, fields: Json, since: number): void {
  const { EventTime, ...rest } = call.body;
  assert.equal(typeof EventTime, 'number', `EventTime is a number: ${call.rawBody}`);
  assert.ok(Number.isInteger(EventTime), 'EventTime is an integer');
  assert.ok(
    (EventTime as number) >= since - 5 && (EventTime as number) <= call.at + 5,
    `EventTime ${String(EventTime)} (ms) lies between ${since} and ${call.at}`,
  );
  assert.deepEqual(rest, { CallbackCommand: command, ...fields }, `body of ${command}`);
}

/** The body without EventTime (for comparing with an expected body). */
export function withoutTime(body: Json): Json {
  const { EventTime: _, ...rest } = body;
  return rest;
}

export const subscribeList = (...users: string[]) => users.map((Subscriber_Account) => ({ Subscriber_Account }));

export interface Delivery {
  Id: number;
  CallbackCommand: string;
  Official_Account: string;
  Status: 'pending' | 'delivered' | 'cancelled';
  Attempts: number;
  LastError: string;
  CreatedAt: number;
  NextAttemptAt: number;
  DeliveredAt: number;
  Body: Json;
}

export const DELIVERY_FIELDS = [
  'Attempts',
  'Body',
  'CallbackCommand',
  'CreatedAt',
  'DeliveredAt',
  'Id',
  'LastError',
  'NextAttemptAt',
  'Official_Account',
  'Status',
];

export function listDeliveries(client: Client, filter: Json = {}): Promise<Envelope> {
  return client.call('herald_admin', 'list_webhook_deliveries', filter);
}

/** All deliveries matching `filter` (newest first, as listed), paging with BeforeId. */
export async function deliveries(client: Client, filter: Json = {}): Promise<Delivery[]> {
  const all: Delivery[] = [];
  let beforeId: number | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const res = await listDeliveries(client, {
      Limit: 200,
      ...filter,
      ...(beforeId !== undefined && { BeforeId: beforeId }),
    });
    assertOk(res);
    const page = res.Deliveries as Delivery[];
    all.push(...page);
    if (page.length < 200) return all;
    beforeId = page.at(-1)?.Id;
  }
  throw new Error('list_webhook_deliveries did not end');
}

/** CallbackCommands in the outbox for one official account, oldest first. */
export async function outboxCommands(client: Client, officialAccount: string): Promise<string[]> {
  return (await deliveries(client, { Official_Account: officialAccount })).reverse().map((d) => d.CallbackCommand);
}
