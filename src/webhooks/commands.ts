/** The eleven OfficialAccount callbacks (official-account-webhooks.md §2). */
export const CALLBACKS = {
  beforeCreate: 'OfficialAccount.CallbackBeforeCreateOfficialAccount',
  afterCreate: 'OfficialAccount.CallbackAfterCreateOfficialAccount',
  afterInfoChanged: 'OfficialAccount.CallbackAfterOfficialAccountInfoChanged',
  afterDestroyed: 'OfficialAccount.CallbackAfterOfficialAccountDestroyed',
  beforeAddSubscriber: 'OfficialAccount.CallbackBeforeAddSubscriber',
  afterAddSubscriber: 'OfficialAccount.CallbackAfterAddSubscriber',
  afterFull: 'OfficialAccount.CallbackAfterOfficialAccountFull',
  afterDeleteSubscriber: 'OfficialAccount.CallbackAfterDeleteSubscriber',
  beforeSendMsg: 'OfficialAccount.CallbackBeforeSendMsg',
  afterSendMsg: 'OfficialAccount.CallbackAfterSendMsg',
  afterMsgWithdraw: 'OfficialAccount.CallbackAfterMsgWithDraw',
} as const;

export type CallbackCommand = (typeof CALLBACKS)[keyof typeof CALLBACKS];
export const ALL_CALLBACKS: readonly CallbackCommand[] = Object.values(CALLBACKS);

export function isCallbackCommand(name: string): name is CallbackCommand {
  return (ALL_CALLBACKS as readonly string[]).includes(name);
}
