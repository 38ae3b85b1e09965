/** Exit codes of the sis command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure to report in one line and exit with `exitCode`, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
