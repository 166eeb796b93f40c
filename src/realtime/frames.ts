/** The client frames the subscriber channel accepts, one schema per op (docs/client-protocol.md). */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { compile, type Validator } from '../wire/schema/validate.ts';
import type { Op } from './protocol.ts';

const Id = Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 64 })]));
const OfficialAccountID = Type.String({ minLength: 1, maxLength: 48 });

export const MAX_INFO_IDS = 50;
export const MAX_MESSAGE_COUNT = 20;
export const DEFAULT_MESSAGE_COUNT = 15;

const schemas = {
  login: Type.Object({
    op: Type.Literal('login'),
    id: Id,
    sdkappid: Type.Union([Type.Integer({ minimum: 0 }), Type.String()]),
    userID: Type.String(),
    userSig: Type.String(),
    /** What the client calls its platform (query_online_status Detail): Web, iOS, Android, … */
    platform: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    /** Per account, the last version the client has: everything later is delivered. */
    cursors: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 0 }))),
  }),
  logout: Type.Object({ op: Type.Literal('logout'), id: Id }),
  ping: Type.Object({ op: Type.Literal('ping'), id: Id }),
  subscribe: Type.Object({ op: Type.Literal('subscribe'), id: Id, officialAccountID: OfficialAccountID }),
  unsubscribe: Type.Object({ op: Type.Literal('unsubscribe'), id: Id, officialAccountID: OfficialAccountID }),
  getOfficialAccountsInfo: Type.Object({
    op: Type.Literal('getOfficialAccountsInfo'),
    id: Id,
    /** Empty: every account the user subscribes to. */
    officialAccountIDList: Type.Array(OfficialAccountID, {
      maxItems: MAX_INFO_IDS,
      errorMessage: { maxItems: `officialAccountIDList holds at most ${MAX_INFO_IDS} IDs` },
    }),
  }),
  getMessageList: Type.Object({
    op: Type.Literal('getMessageList'),
    id: Id,
    conversationID: Type.String(),
    count: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_MESSAGE_COUNT,
        errorMessage: `count must be between 1 and ${MAX_MESSAGE_COUNT}`,
      }),
    ),
    /** The ID (MsgKey) of the oldest message of the previous page. */
    nextReqMessageID: Type.Optional(Type.String()),
  }),
  setReceiveOption: Type.Object({
    op: Type.Literal('setReceiveOption'),
    id: Id,
    officialAccountID: OfficialAccountID,
    msgFlag: Type.Union([Type.Literal('AcceptAndNotify'), Type.Literal('AcceptNotNotify'), Type.Literal('Discard')], {
      errorMessage: 'msgFlag must be AcceptAndNotify, AcceptNotNotify or Discard',
    }),
  }),
} satisfies Record<Op, TSchema>;

export type FrameOf<O extends Op> = Static<(typeof schemas)[O]>;

export const FRAME_VALIDATORS = Object.fromEntries(
  Object.entries(schemas).map(([op, schema]) => [op, compile(schema)]),
) as { [O in Op]: Validator<(typeof schemas)[O]> };
