#!/usr/bin/env node
import { CommanderError, type Command } from 'commander';
import { ConfigError } from '@sis/config';
import { CliError, EXIT } from './cli-error.js';
import { createProgram } from './program.js';

const program = createProgram();
// Usage mistakes exit 2, not commander's 1, which this command keeps for "some images failed".
// Every level: `sis models retire two` is as much a usage mistake as `sis search --limit 0`.
const overrideExit = (command: Command): void => {
  command.exitOverride();
  command.commands.forEach(overrideExit);
};
overrideExit(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof CliError) {
    console.error(`sis: ${error.message}`);
    process.exitCode = error.exitCode;
  } else {
    console.error(`sis: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = error instanceof ConfigError || (error as Error).name === 'PortInUseError' ? EXIT.usage : EXIT.failed;
  }
}
