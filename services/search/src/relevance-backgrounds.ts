import { RelevanceBackground } from '@sis/clip';

/** Vectors in a model's background sample: enough that its mean and spread are steady (±3 % at 1,000). */
export const BACKGROUND_SIZE = 1_000;
/** Fewer images than this, and relevance is not judged: there is no background to speak of. */
export const MIN_BACKGROUND = 20;
/** How long, in ms, a sample serves before it is drawn again, with what the library has gained since. */
const REFRESH_MS = 10 * 60_000;
/** The same, for a sample too small to use. */
const SMALL_REFRESH_MS = 5_000;

export interface RelevanceBackgroundsOptions {
  /** Draws a model's sample (EmbeddingRepository.sample). */
  sample: (modelId: number, size: number) => Promise<Float32Array[]>;
  /** @defaultValue 10 minutes */
  refreshMs?: number;
}

/**
 * Each model's background sample, drawn at its first search and drawn again, while searches go
 * on with the old one, once it is older than a few minutes, so a growing library is judged
 * against what it holds now.
 */
export class RelevanceBackgrounds {
  readonly #options: Readonly<RelevanceBackgroundsOptions>;
  readonly #held = new Map<number, { background: Promise<RelevanceBackground>; at: number }>();

  constructor(options: RelevanceBackgroundsOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /** @returns undefined while the model's library is smaller than {@link MIN_BACKGROUND}. */
  async get(modelId: number): Promise<RelevanceBackground | undefined> {
    const held = this.#held.get(modelId);
    if (!held) return usable(await this.#draw(modelId));
    const background = await held.background;
    // A library too small to judge against is looked at again soon: it may be filling up.
    const refreshMs = background.size < MIN_BACKGROUND ? SMALL_REFRESH_MS : (this.#options.refreshMs ?? REFRESH_MS);
    if (Date.now() - held.at > refreshMs) {
      // The new sample replaces the old once drawn; until then, and if drawing fails, the old one serves.
      held.at = Date.now();
      void this.#options.sample(modelId, BACKGROUND_SIZE).then(RelevanceBackground.from).then(
        (background) => this.#held.set(modelId, { background: Promise.resolve(background), at: Date.now() }),
        () => undefined,
      );
    }
    return usable(background);
  }

  #draw(modelId: number): Promise<RelevanceBackground> {
    const background = this.#options.sample(modelId, BACKGROUND_SIZE).then(RelevanceBackground.from);
    this.#held.set(modelId, { background, at: Date.now() });
    // A failed draw is not kept: the next search tries again.
    background.catch(() => this.#held.delete(modelId));
    return background;
  }
}

function usable(background: RelevanceBackground): RelevanceBackground | undefined {
  return background.size >= MIN_BACKGROUND ? background : undefined;
}
