/** Every command Herald answers, in the order the README and the API reference list them. */
import accountCheck from './commands/accounts/account-check.ts';
import accountDelete from './commands/accounts/account-delete.ts';
import accountImport from './commands/accounts/account-import.ts';
import kick from './commands/accounts/kick.ts';
import multiaccountImport from './commands/accounts/multiaccount-import.ts';
import getAppOverview from './commands/admin/get-app-overview.ts';
import listAccounts from './commands/admin/list-accounts.ts';
import listOfficialAccounts from './commands/admin/list-official-accounts.ts';
import listWebhookDeliveries from './commands/admin/list-webhook-deliveries.ts';
import reset from './commands/admin/reset.ts';
import queryOnlineStatus from './commands/openim/query-online-status.ts';
import addSubscriber from './commands/official-accounts/add-subscriber.ts';
import createOfficialAccount from './commands/official-accounts/create-official-account.ts';
import deleteSubscriber from './commands/official-accounts/delete-subscriber.ts';
import destroyOfficialAccount from './commands/official-accounts/destroy-official-account.ts';
import getOfficialAccountInfo from './commands/official-accounts/get-official-account-info.ts';
import getSubscribedOfficialAccountList from './commands/official-accounts/get-subscribed-official-account-list.ts';
import getSubscriberInfo from './commands/official-accounts/get-subscriber-info.ts';
import modifyOfficialAccountBaseInfo from './commands/official-accounts/modify-official-account-base-info.ts';
import modifySubscriberInfo from './commands/official-accounts/modify-subscriber-info.ts';
import officialAccountMsgGetSimple from './commands/official-accounts/official-account-msg-get-simple.ts';
import officialAccountMsgRecall from './commands/official-accounts/official-account-msg-recall.ts';
import sendOfficialAccountMsg from './commands/official-accounts/send-official-account-msg.ts';
import type { Command } from './command.ts';

export const COMMANDS: readonly Command[] = [
  accountImport,
  multiaccountImport,
  accountDelete,
  accountCheck,
  kick,
  queryOnlineStatus,
  createOfficialAccount,
  destroyOfficialAccount,
  modifyOfficialAccountBaseInfo,
  getOfficialAccountInfo,
  addSubscriber,
  deleteSubscriber,
  modifySubscriberInfo,
  getSubscriberInfo,
  getSubscribedOfficialAccountList,
  sendOfficialAccountMsg,
  officialAccountMsgRecall,
  officialAccountMsgGetSimple,
  listWebhookDeliveries,
  getAppOverview,
  listAccounts,
  listOfficialAccounts,
  reset,
];

/** The registry: "service/command" → its declaration, built once. */
export function buildRegistry(): Map<string, Command> {
  return new Map(COMMANDS.map((command) => [command.key, command]));
}
