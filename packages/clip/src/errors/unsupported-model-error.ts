/** Thrown at load when a model's configuration asks for something sis does not reproduce. */
export class UnsupportedModelError extends Error {
  constructor(
    readonly model: string,
    readonly reason: string,
  ) {
    super(`model "${model}" is not supported: ${reason}`);
    this.name = 'UnsupportedModelError';
  }
}
