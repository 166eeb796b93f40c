/** im_open_login_svc/kick: end a user's login state on every device. */
import { Type } from '@sinclair/typebox';
import { invalidAccountParameter } from '../../../errors.ts';
import { kick } from '../../../services/sessions.ts';
import { ACCOUNT_COMMAND, defineCommand } from '../../command.ts';
import { UserId } from '../../schema/fields.ts';

export default defineCommand({
  ...ACCOUNT_COMMAND,
  name: 'kick',
  summary: 'Void every UserSig the user was issued so far and close their subscriber connections',
  docs: 'https://www.tencentcloud.com/document/product/1047/34957',
  defaultRate: 200,
  request: Type.Object({
    UserID: Type.Optional(UserId),
    /** Legacy name of UserID. */
    Identifier: Type.Optional(UserId),
  }),
  response: Type.Object({}),
  example: { request: { UserID: 'bob' }, response: {} },
  async handle(ctx, body) {
    const userId = body.UserID ?? body.Identifier;
    if (userId === undefined) throw invalidAccountParameter('UserID is required');
    await kick(ctx, userId);
    return {};
  },
});
