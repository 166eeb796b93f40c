/** Shapes several official-account commands share. */
import { Type } from '@sinclair/typebox';
import { MAX_PAGE } from '../../services/subscribers.ts';
import { OneOf } from './fields.ts';

const MAX_SUBSCRIBERS = 2_147_483_647;

/** Writable profile fields (UTF-8 byte limits are checked by the service and named in its errors). */
export const ProfileFields = {
  Introduction: Type.Optional(Type.String({ description: 'at most 400 bytes' })),
  FaceUrl: Type.Optional(Type.String({ description: 'at most 500 bytes' })),
  Organization: Type.Optional(Type.String({ description: 'at most 500 bytes' })),
  CustomString: Type.Optional(Type.String({ description: 'at most 3000 bytes' })),
};

/** The page size of the paged lists, 1–200 (default 200). */
export const PageLimit = Type.Integer({
  minimum: 1,
  maximum: MAX_PAGE,
  errorMessage: `Limit must be between 1 and ${MAX_PAGE}`,
  description: `default ${MAX_PAGE}`,
});

export const MaxSubscriberNum = Type.Integer({ minimum: 1, maximum: MAX_SUBSCRIBERS, description: 'default 100000' });

/**
 * The base information of an official account, each field present when the filter asks for it
 * (all documented fields when there is no filter; MaxSubscriberNum only when named).
 */
export const BaseInfoFields = {
  CreateTime: Type.Optional(Type.Integer()),
  Name: Type.Optional(Type.String()),
  Owner_Account: Type.Optional(Type.String()),
  LastMsgTime: Type.Optional(Type.Integer()),
  SubscriberNum: Type.Optional(Type.Integer()),
  Introduction: Type.Optional(Type.String()),
  FaceUrl: Type.Optional(Type.String()),
  Organization: Type.Optional(Type.String()),
  CustomString: Type.Optional(Type.String()),
  MaxSubscriberNum: Type.Optional(Type.Integer()),
};

export const BaseInfoFilter = Type.Optional(
  Type.Array(Type.String(), { description: 'names of base-information fields to return' }),
);

export const MsgFlag = OneOf(['AcceptAndNotify', 'AcceptNotNotify', 'Discard'], 'MsgFlag is not a receive option');

/** Per-user outcome of add_subscriber / delete_subscriber. */
export const SubscriberResults = Type.Array(
  Type.Object({
    Subscriber_Account: Type.String(),
    Result: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
  }),
);

/** A message element as stored and returned (MsgBody is returned exactly as it was sent). */
export const MsgElement = Type.Object({
  MsgType: Type.String(),
  MsgContent: Type.Record(Type.String(), Type.Unknown()),
});
