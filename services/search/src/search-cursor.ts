import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { fieldError } from '@sis/contracts';
import { stringify } from 'safe-stable-stringify';

/** Where a page ended: what the next page starts after, and on which model. */
export interface PagePosition {
  /** The model whose vectors ranked the pages (null for word search alone): later pages stay on it through a switch. */
  modelId: number | null;
  /** Results served on the pages so far. */
  served: number;
  /** The last result's sort key (a distance, a word rank or a fused score) and its id, which breaks ties. */
  key: number;
  id: string;
  /**
   * Semantic pages: every image served at exactly `key`. The HNSW index orders by distance alone,
   * so images at one distance (identical copies) cannot be split by id; they are left out by name.
   */
  tied: string[];
  /** Hybrid pages: how deep the first page fused the rankings, and how many it took in. */
  first?: { depth: number; served: number };
}

/** Most tied images a cursor names: identical copies of one photo beyond this may show twice. */
export const MAX_TIED = 100;

/** Bytes of HMAC-SHA256 kept: 128 bits, as hard to forge as the whole and half as long. */
const TAG_BYTES = 16;
/** Bytes of the search's digest kept: enough that two searches never share one by chance. */
const SEARCH_DIGEST_BYTES = 12;

/**
 * Page cursors: a position, tied to the search it belongs to, signed with a key every replica
 * shares (from the database), so a cursor is good on any replica and cannot be forged or moved
 * to another search. Not encrypted: it says only how far a client has read.
 */
export class SearchCursors {
  readonly #key: () => Promise<Buffer>;
  #loaded: Promise<Buffer> | undefined;

  constructor(key: () => Promise<Buffer>) {
    this.#key = key;
  }

  /** A digest of what makes a search this search (not its page size): a cursor only serves it. */
  static digest(search: unknown): string {
    return createHash('sha256').update(stringify(search) ?? '').digest('base64url').slice(0, Math.ceil((SEARCH_DIGEST_BYTES * 4) / 3));
  }

  async write(search: string, position: PagePosition): Promise<string> {
    const tied = position.tied.slice(-MAX_TIED).map(compactId);
    const first = position.first && [position.first.depth, position.first.served];
    const payload = Buffer.from(JSON.stringify({ s: search, m: position.modelId, n: position.served, k: position.key, i: position.id, t: tied, f: first })).toString('base64url');
    return `${payload}.${await this.#tag(payload)}`;
  }

  /** @throws ValidationError naming `cursor` when it was changed, or belongs to another search. */
  async read(cursor: string, search: string): Promise<PagePosition> {
    const [payload, tag, extra] = cursor.split('.');
    const expected = payload && tag !== undefined && extra === undefined ? Buffer.from(await this.#tag(payload), 'base64url') : undefined;
    const given = Buffer.from(tag ?? '', 'base64url');
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw fieldError('cursor', 'is not a cursor this service issued, or was changed; send nextCursor exactly as it came');
    }
    const { s, m, n, k, i, t, f } = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { s: string; m: number | null; n: number; k: number; i: string; t: string[]; f?: [number, number] };
    if (s !== search) throw fieldError('cursor', 'belongs to another search; send it with the same query, mode and filters as the page it came with');
    return { modelId: m, served: n, key: k, id: i, tied: t.map(fullId), ...(f ? { first: { depth: f[0], served: f[1] } } : {}) };
  }

  async #tag(payload: string): Promise<string> {
    // Loaded once; a failed load (the database away) is tried again by the next search.
    this.#loaded ??= this.#key().catch((error: unknown) => {
      this.#loaded = undefined;
      throw error;
    });
    return createHmac('sha256', await this.#loaded).update(payload).digest().subarray(0, TAG_BYTES).toString('base64url');
  }
}

/** A UUID in 22 characters rather than 36: cursors name up to {@link MAX_TIED} of them. */
function compactId(id: string): string {
  return Buffer.from(id.replaceAll('-', ''), 'hex').toString('base64url');
}

function fullId(compact: string): string {
  return Buffer.from(compact, 'base64url').toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}
