import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { createApiClient, type ApiClient } from './client.js';
import { ingestCommand } from './commands/ingest.command.js';
import { jobsCommand, retryCommand } from './commands/jobs.command.js';
import { keysCommand } from './commands/keys.command.js';
import { searchCommand, similarCommand } from './commands/search.command.js';
import { stackCommand, upCommand } from './commands/stack.command.js';

export interface GlobalOptions {
  url: string;
  key?: string;
}

/**
 * The key to use when none is given: on the machine running `script/server`, the admin token it
 * made and keeps in its data folder, so local use needs no setup.
 */
function localAdminToken(): string | undefined {
  const file = join(process.env.SIS_DATA_DIR ?? '.data', 'admin-token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** The `sis` command line. */
export function createProgram(): Command {
  const program = new Command('sis')
    .description('sis: semantic image search. Upload images, search them in plain language.')
    .option('--url <url>', 'the sis server (env SIS_URL)', process.env.SIS_URL ?? 'http://localhost:8000')
    // No default value here: commander prints defaults in --help, and a key must never be printed.
    .option('--key <key>', 'API key (default: env SIS_API_KEY; locally, the admin token in .data/admin-token)')
    .showHelpAfterError();
  const options = (): GlobalOptions => {
    const given = program.opts<GlobalOptions>();
    return { ...given, key: given.key ?? (process.env.SIS_API_KEY || localAdminToken()) };
  };
  const client = (): ApiClient => createApiClient(options());
  return program
    .addCommand(ingestCommand(() => ({ ...options(), client: client() })))
    .addCommand(searchCommand(client))
    .addCommand(similarCommand(client))
    .addCommand(jobsCommand(client))
    .addCommand(retryCommand(client))
    .addCommand(keysCommand(client))
    .addCommand(upCommand())
    .addCommand(stackCommand());
}
