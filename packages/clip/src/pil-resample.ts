/**
 * Pillow's convolution resize (`Image.resize` with `reducing_gap=None`), reproduced to the byte
 * for 8-bit RGB: the same filters, the same antialiasing (the kernel widens by the scale when
 * shrinking), the same 22-bit fixed-point coefficients and rounding, horizontal pass first.
 * CLIP checkpoints were trained on pixels Pillow made, so this is the reference; libvips gets
 * within rounding when shrinking but not when enlarging, which is where sis uses this.
 */

/** Pillow's resampling filters by the number `preprocessor_config.json` stores in `resample`. */
export const PIL_FILTERS: Readonly<Record<number, { name: string; support: number; weight: (x: number) => number }>> = {
  1: { name: 'lanczos', support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
  2: { name: 'bilinear', support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  3: { name: 'bicubic', support: 2, weight: bicubic },
  4: { name: 'box', support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  // Pillow writes the Hamming constants as C floats.
  5: { name: 'hamming', support: 1, weight: (x) => (x === 0 ? 1 : x <= -1 || x >= 1 ? 0 : sinc(x) * (Math.fround(0.54) + Math.fround(0.46) * Math.cos(Math.PI * x))) },
};

const PRECISION_BITS = 32 - 8 - 2;
const ROUND_HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

/** Pillow's bicubic kernel, a = −0.5. */
function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** For each output pixel: the first input pixel it reads, how many, and their fixed-point weights. */
interface Coefficients {
  first: Int32Array;
  count: Int32Array;
  /** `taps` weights per output pixel. */
  weights: Int32Array;
  taps: number;
}

function coefficients(inSize: number, outSize: number, filter: (typeof PIL_FILTERS)[number]): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const raw = new Float64Array(taps);
  // Pillow multiplies by the reciprocal; dividing would differ in the last bit now and then.
  const reciprocal = 1 / filterScale;
  for (let out = 0; out < outSize; out++) {
    const centre = (out + 0.5) * scale;
    // Pillow truncates toward zero here, as C's (int) cast does.
    const min = Math.max(0, Math.trunc(centre - support + 0.5));
    const max = Math.min(inSize, Math.trunc(centre + support + 0.5)) - min;
    let total = 0;
    for (let i = 0; i < max; i++) total += raw[i] = filter.weight((i + min - centre + 0.5) * reciprocal);
    for (let i = 0; i < max; i++) {
      const k = total === 0 ? raw[i]! : raw[i]! / total;
      weights[out * taps + i] = Math.trunc(k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
    }
    first[out] = min;
    count[out] = max;
  }
  return { first, count, weights, taps };
}

function clip8(sum: number): number {
  const v = Math.floor(sum / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resizes interleaved 8-bit RGB pixels as Pillow does.
 * @param resample Pillow's filter number (1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming).
 */
export function pilResize(data: Uint8Array, width: number, height: number, outWidth: number, outHeight: number, resample: number): Buffer {
  const filter = PIL_FILTERS[resample];
  if (!filter) throw new Error(`resample ${resample} is not one of Pillow's convolution filters (${Object.keys(PIL_FILTERS).join(', ')})`);
  let pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const vertical = outHeight !== height ? coefficients(height, outHeight, filter) : undefined;
  if (outWidth !== width) {
    // Only the rows the vertical pass will read are resized horizontally.
    const top = vertical ? vertical.first[0]! : 0;
    const bottom = vertical ? vertical.first[outHeight - 1]! + vertical.count[outHeight - 1]! : height;
    pixels = horizontalPass(pixels, width, top, bottom, outWidth, coefficients(width, outWidth, filter));
    if (vertical) for (let i = 0; i < outHeight; i++) vertical.first[i]! -= top;
  }
  return vertical ? verticalPass(pixels, outWidth, outHeight, vertical) : pixels;
}

function horizontalPass(src: Buffer, width: number, top: number, bottom: number, outWidth: number, k: Coefficients): Buffer {
  const out = Buffer.allocUnsafe(outWidth * (bottom - top) * 3);
  let o = 0;
  for (let y = top; y < bottom; y++) {
    const row = y * width * 3;
    for (let x = 0; x < outWidth; x++) {
      const base = k.first[x]! * 3 + row;
      const w = x * k.taps;
      let r = ROUND_HALF;
      let g = ROUND_HALF;
      let b = ROUND_HALF;
      for (let i = 0, n = k.count[x]!; i < n; i++) {
        const weight = k.weights[w + i]!;
        const p = base + i * 3;
        r += src[p]! * weight;
        g += src[p + 1]! * weight;
        b += src[p + 2]! * weight;
      }
      out[o++] = clip8(r);
      out[o++] = clip8(g);
      out[o++] = clip8(b);
    }
  }
  return out;
}

function verticalPass(src: Buffer, width: number, outHeight: number, k: Coefficients): Buffer {
  const stride = width * 3;
  const out = Buffer.allocUnsafe(stride * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const w = y * k.taps;
    const first = k.first[y]!;
    const n = k.count[y]!;
    for (let x = 0; x < stride; x++) {
      let sum = ROUND_HALF;
      for (let i = 0; i < n; i++) sum += src[(first + i) * stride + x]! * k.weights[w + i]!;
      out[y * stride + x] = clip8(sum);
    }
  }
  return out;
}
