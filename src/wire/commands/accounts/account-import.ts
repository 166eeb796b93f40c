/** im_open_login_svc/account_import: import (create) one account, or update its profile. */
import { Type } from '@sinclair/typebox';
import { invalidAccountParameter } from '../../../errors.ts';
import { importAccount } from '../../../services/accounts.ts';
import { ACCOUNT_COMMAND, defineCommand } from '../../command.ts';
import { SafeInteger, UserId } from '../../schema/fields.ts';

export default defineCommand({
  ...ACCOUNT_COMMAND,
  name: 'account_import',
  summary: 'Import one account (re-import updates the profile fields given)',
  docs: 'https://www.tencentcloud.com/document/product/1047/34953',
  defaultRate: 200,
  request: Type.Object({
    UserID: Type.Optional(UserId),
    /** Legacy name of UserID. */
    Identifier: Type.Optional(UserId),
    Type: Type.Optional(SafeInteger()),
    Nick: Type.Optional(Type.String()),
    FaceUrl: Type.Optional(Type.String()),
  }),
  response: Type.Object({}),
  example: {
    request: { UserID: 'alice', Nick: 'Alice', FaceUrl: 'https://example.com/faces/alice.png' },
    response: {},
  },
  async handle(ctx, body) {
    const userId = body.UserID ?? body.Identifier;
    if (userId === undefined) throw invalidAccountParameter('UserID is required');
    await importAccount(ctx, { userId, nick: body.Nick, faceUrl: body.FaceUrl });
    return {};
  },
});
