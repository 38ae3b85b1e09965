import { Command } from 'commander';
import { createApiClient, type ApiClient } from './client.js';
import { ingestCommand } from './commands/ingest.command.js';
import { jobsCommand, retryCommand } from './commands/jobs.command.js';
import { keysCommand } from './commands/keys.command.js';
import { migrateCommand } from './commands/migrate.command.js';
import { searchCommand, similarCommand } from './commands/search.command.js';
import { stackCommand, upCommand } from './commands/stack.command.js';

export interface GlobalOptions {
  url: string;
  key?: string;
}

/** The `sis` command line. */
export function createProgram(): Command {
  const program = new Command('sis')
    .description('sis: semantic image search. Upload images, search them in plain language.')
    .option('--url <url>', 'the sis server (env SIS_URL)', process.env.SIS_URL ?? 'http://localhost:8000')
    .option('--key <key>', 'API key (env SIS_API_KEY)', process.env.SIS_API_KEY)
    .showHelpAfterError();
  const options = () => program.opts<GlobalOptions>();
  const client = (): ApiClient => createApiClient(options());
  return program
    .addCommand(ingestCommand(() => ({ ...options(), client: client() })))
    .addCommand(searchCommand(client))
    .addCommand(similarCommand(client))
    .addCommand(jobsCommand(client))
    .addCommand(retryCommand(client))
    .addCommand(keysCommand(client))
    .addCommand(upCommand())
    .addCommand(stackCommand())
    .addCommand(migrateCommand());
}
