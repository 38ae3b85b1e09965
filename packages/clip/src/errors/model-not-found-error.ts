/** Thrown when a CLIP model cannot be loaded from any place it was allowed to look. */
export class ModelNotFoundError extends Error {
  constructor(
    readonly model: string,
    readonly lookedIn: readonly string[],
    options?: ErrorOptions & { fromHub?: boolean },
  ) {
    const reason = options?.cause instanceof Error ? ` (${options.cause.message})` : '';
    const hint = options?.fromHub
      ? '. If this machine cannot reach the Hugging Face hub, set CLIP_MODEL to a local model directory ' +
        '(for a trial run, packages/clip/fixtures/tiny-clip) and ALLOW_REMOTE_MODELS=false'
      : '';
    super(`CLIP model "${model}" was not found; looked in: ${lookedIn.join('; ')}${reason}${hint}`, options);
    this.name = 'ModelNotFoundError';
  }
}
