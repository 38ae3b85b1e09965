import { fieldError } from '@sis/contracts';

/**
 * A search with a photo, from the gateway to the search service, in one body: the length of the
 * search's JSON (4 bytes, big-endian), the JSON, then the photo's bytes. Neither needs a header,
 * whose size servers limit, nor a multipart parser.
 */
export const PHOTO_SEARCH_TYPE = 'application/vnd.sis.photo-search';

export function encodePhotoSearch(search: unknown, photo: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(search));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, photo]);
}

/** @throws ValidationError naming `search` for a body that is not one {@link encodePhotoSearch} writes, `image` when the photo is empty. */
export function decodePhotoSearch(body: Buffer): { search: unknown; photo: Buffer } {
  const length = body.length >= 4 ? body.readUInt32BE(0) : Infinity;
  if (4 + length > body.length) throw fieldError('search', 'is cut off: the body is shorter than the length it declares');
  let search: unknown;
  try {
    search = JSON.parse(body.subarray(4, 4 + length).toString());
  } catch {
    throw fieldError('search', 'is not JSON');
  }
  const photo = body.subarray(4 + length);
  if (photo.length === 0) throw fieldError('image', 'is required');
  return { search, photo };
}
