import exifr from 'exifr';

/** EXIF tags as stored: flat, JSON-safe, under exifr's (ExifTool-style) names. */
export type ExifTags = Record<string, string | number | boolean | (string | number)[]>;

const PARSE_OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  translateKeys: true,
  translateValues: false,
  // Keep dates as the camera wrote them ("2004:08:27 13:52:55"), not as Date objects.
  reviveValues: false,
  mergeOutput: true,
  sanitize: true,
};

/**
 * Names for EXIF 2.3 tags that exifr's dictionary leaves as bare numbers (ids from the EXIF
 * specification, names as ExifTool spells them).
 */
const UNNAMED_TAGS: Readonly<Record<string, string>> = {
  41985: 'CustomRendered',
  41986: 'ExposureMode',
  41987: 'WhiteBalance',
  41988: 'DigitalZoomRatio',
  41990: 'SceneCaptureType',
  41991: 'GainControl',
  41992: 'Contrast',
  41993: 'Saturation',
  41994: 'Sharpness',
  41996: 'SubjectDistanceRange',
  42016: 'ImageUniqueID',
  42032: 'OwnerName',
  42033: 'SerialNumber',
  42034: 'LensInfo',
  42035: 'LensMake',
  42036: 'LensModel',
  42037: 'LensSerialNumber',
};

/** A readable key for every tag: exifr's name, the table above, or Tag0x… for the rest. */
function tagName(key: string): string {
  if (!/^\d+$/.test(key)) return key;
  return UNNAMED_TAGS[key] ?? `Tag0x${Number(key).toString(16).padStart(4, '0')}`;
}

/**
 * Reads EXIF from image bytes with exifr.
 * @returns the tags, or null when the image has none. Never throws for a damaged EXIF block: the
 * image is still worth indexing without it.
 */
export async function readExif(bytes: Uint8Array): Promise<ExifTags | null> {
  let raw: Record<string, unknown> | undefined;
  try {
    raw = (await exifr.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), PARSE_OPTIONS)) as Record<string, unknown> | undefined;
  } catch {
    return null;
  }
  if (!raw) return null;
  const tags: ExifTags = {};
  for (const [name, value] of Object.entries(raw)) {
    const safe = jsonSafe(value);
    if (safe !== undefined) tags[tagName(name)] = safe;
  }
  return Object.keys(tags).length ? tags : null;
}

/** Drops what JSON cannot hold or nobody can read (binary blobs, NaN); trims C-string padding. */
function jsonSafe(value: unknown): ExifTags[string] | undefined {
  if (typeof value === 'string') return value.replace(/\0+$/, '').trim();
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.length <= 64 && value.every((v) => typeof v === 'number' || typeof v === 'string')) {
    return value.filter((v) => typeof v === 'string' || Number.isFinite(v));
  }
  return undefined;
}
