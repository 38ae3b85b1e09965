import { Command } from 'commander';
import { migrateCommand } from './commands/migrate.command.js';
import { stackCommand, upCommand } from './commands/stack.command.js';

/** The `sis` command line. */
export function createProgram(): Command {
  return new Command('sis')
    .description('sis: semantic image search. Upload images, search them in plain language.')
    .showHelpAfterError()
    .addCommand(upCommand())
    .addCommand(stackCommand())
    .addCommand(migrateCommand());
}
