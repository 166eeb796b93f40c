/** The registry: every command Herald answers, built once at start-up. */
import { accountCommands } from './commands/accounts.ts';
import { adminCommands } from './commands/admin.ts';
import { officialAccountCommands } from './commands/official-accounts.ts';
import { commandKey, type Command } from './command.ts';

export function buildRegistry(): Map<string, Command> {
  const registry = new Map<string, Command>();
  for (const command of [...accountCommands, ...officialAccountCommands, ...adminCommands]) {
    registry.set(commandKey(command.service, command.name), command);
  }
  return registry;
}
