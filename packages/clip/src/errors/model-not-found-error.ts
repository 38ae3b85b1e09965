/** Thrown when a CLIP model cannot be loaded from any place it was allowed to look. */
export class ModelNotFoundError extends Error {
  constructor(
    readonly model: string,
    readonly lookedIn: readonly string[],
    options?: ErrorOptions,
  ) {
    const reason = options?.cause instanceof Error ? ` (${options.cause.message})` : '';
    super(`CLIP model "${model}" was not found; looked in: ${lookedIn.join('; ')}${reason}`, options);
    this.name = 'ModelNotFoundError';
  }
}
