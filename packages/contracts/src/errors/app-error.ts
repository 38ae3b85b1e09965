/**
 * Base of the domain errors services throw. Each subclass is one kind of failure; `httpStatus`
 * maps them to HTTP in one place. `code` is a stable, machine-readable name for clients.
 */
export abstract class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
