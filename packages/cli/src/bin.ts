#!/usr/bin/env node
import { ConfigError } from '@sis/config';
import { createProgram } from './program.js';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  // Usage and configuration mistakes exit 2 with the message alone; anything else is a failure.
  console.error(error instanceof Error ? `sis: ${error.message}` : error);
  process.exitCode = error instanceof ConfigError || (error as Error).name === 'PortInUseError' ? 2 : 1;
}
