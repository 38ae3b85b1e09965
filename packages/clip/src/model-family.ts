import type { CLIP_DTYPES } from '@sis/config';
import { CLIPTextModelWithProjection, CLIPVisionModelWithProjection, SiglipTextModel, SiglipVisionModel } from '@huggingface/transformers';

/** What `config.json` says about a model's shape, as far as sis needs it. */
export interface ModelConfig {
  model_type?: string;
  projection_dim?: number;
  text_config?: { hidden_size?: number };
}

/**
 * How one family of checkpoints is run: which classes load its towers, which output holds the
 * embedding, and how its text tower wants its tokens. Preprocessing is not here: every model
 * brings its own `preprocessor_config.json` (see preprocessor-config.ts).
 */
export interface ModelFamily {
  /** The `model_type` values of `config.json` this family covers. */
  modelTypes: readonly string[];
  description: string;
  textTower: typeof CLIPTextModelWithProjection | typeof SiglipTextModel;
  visionTower: typeof CLIPVisionModelWithProjection | typeof SiglipVisionModel;
  textOutput: string;
  imageOutput: string;
  /**
   * Pad every text to the full context, not just to the batch's longest. SigLIP pools at the last
   * position and was trained on texts padded to 64; OpenCLIP exports (MobileCLIP) were trained
   * padded to 77 with their own pad token, so a pad token distinct from the end token asks for it too.
   */
  padsToContext: boolean;
  dimension(config: ModelConfig): number;
}

export const MODEL_FAMILIES: Readonly<Record<string, ModelFamily>> = {
  clip: {
    modelTypes: ['clip'],
    description: 'CLIP: OpenAI ViT-B/32 and ViT-B/16, MobileCLIP and other OpenCLIP exports',
    textTower: CLIPTextModelWithProjection,
    visionTower: CLIPVisionModelWithProjection,
    textOutput: 'text_embeds',
    imageOutput: 'image_embeds',
    padsToContext: false,
    // CLIPConfig's own default when an export leaves it out (MobileCLIP's config.json is one line).
    dimension: (config) => config.projection_dim ?? 512,
  },
  siglip: {
    modelTypes: ['siglip'],
    description: 'SigLIP',
    textTower: SiglipTextModel,
    visionTower: SiglipVisionModel,
    textOutput: 'pooler_output',
    imageOutput: 'pooler_output',
    padsToContext: true,
    dimension: (config) => config.text_config?.hidden_size ?? 768,
  },
};

/** The family a `config.json` belongs to, or undefined when sis does not run it. */
export function familyOf(config: ModelConfig): ModelFamily | undefined {
  return Object.values(MODEL_FAMILIES).find((family) => family.modelTypes.includes(config.model_type ?? 'clip'));
}

export type Dtype = (typeof CLIP_DTYPES)[number];

/** The file suffix transformers.js loads for each ONNX variant (`dtype`). */
export const DTYPES: Readonly<Record<Dtype, string>> = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', q4f16: '_q4f16', bnb4: '_bnb4' };
