/** One variable that is missing or wrong, and what was expected of it. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/** Thrown by loadConfig with every problem found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
