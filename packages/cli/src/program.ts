import { Command } from 'commander';
import { createApiClient, type ApiClient, type ClientOptions } from './client.js';
import { embedCommand } from './commands/embed.command.js';
import { ingestCommand } from './commands/ingest.command.js';
import { jobsCommand, retryCommand } from './commands/jobs.command.js';
import { keysCommand } from './commands/keys.command.js';
import { modelsCommand } from './commands/models.command.js';
import { searchCommand, similarCommand } from './commands/search.command.js';
import { stackCommand, upCommand } from './commands/stack.command.js';
import { resolveConnection } from './connection.js';

/** The `sis` command line. */
export function createProgram(): Command {
  const program = new Command('sis')
    .description('sis: semantic image search. Upload images, search them in plain language.')
    // No default values here: they are found when a command runs (see resolveConnection), and
    // commander prints defaults in --help, where a key must never be printed.
    .option('--url <url>', 'the sis server (default: env SIS_URL; else on this machine, the gateway at GATEWAY_PORT or the one sis up runs; else http://localhost:8000)')
    .option('--key <key>', 'API key (default: env SIS_API_KEY; for the gateway sis up runs here, the admin token in .data/admin-token)')
    .showHelpAfterError();
  const client = (): ApiClient => createApiClient(resolveConnection(program.opts<Partial<ClientOptions>>()));
  return program
    .addCommand(ingestCommand(client))
    .addCommand(searchCommand(client))
    .addCommand(similarCommand(client))
    .addCommand(jobsCommand(client))
    .addCommand(retryCommand(client))
    .addCommand(keysCommand(client))
    .addCommand(modelsCommand(client))
    .addCommand(embedCommand())
    .addCommand(upCommand())
    .addCommand(stackCommand());
}
