import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError, type ApiKey, type Scope } from '@sis/contracts';
import type { ApiKeyRecord, ApiKeyRepository } from '@sis/db';

/** Who is calling: an API key, or the bootstrap admin token. */
export interface Principal {
  /** The key id, or `admin-token`. Rate limits are counted per principal. */
  id: string;
  scopes: readonly Scope[];
}

/** Key prefix: recognisable in logs and secret scanners, never part of the secret's strength. */
export const KEY_PREFIX = 'sis_';
/** Characters of a key shown in listings. */
const SHOWN_LENGTH = 12;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export function toApiKey(record: ApiKeyRecord): ApiKey {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes as Scope[],
    createdAt: record.created_at.toISOString(),
    lastUsedAt: record.last_used_at?.toISOString() ?? null,
    revokedAt: record.revoked_at?.toISOString() ?? null,
  };
}

export interface ApiKeyServiceOptions {
  keys: ApiKeyRepository;
  /** The bootstrap admin token (ADMIN_TOKEN); without one, only keys with the admin scope are admins. */
  adminToken: string | undefined;
}

/**
 * API keys: 32 random bytes, shown once, stored only as a SHA-256 hash (a key is random enough
 * that a plain hash cannot be brute-forced, and it can be looked up by that hash directly).
 */
export class ApiKeyService {
  readonly #keys: ApiKeyRepository;
  readonly #adminTokenHash: Buffer | undefined;

  constructor(options: ApiKeyServiceOptions) {
    this.#keys = options.keys;
    this.#adminTokenHash = options.adminToken ? sha256(options.adminToken) : undefined;
  }

  async create(name: string, scopes: Scope[]): Promise<{ key: ApiKey; secret: string }> {
    const secret = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record = await this.#keys.create({ name, scopes, prefix: secret.slice(0, SHOWN_LENGTH), secretHash: sha256(secret).toString('hex') });
    return { key: toApiKey(record), secret };
  }

  async list(): Promise<ApiKey[]> {
    return (await this.#keys.list()).map(toApiKey);
  }

  async revoke(id: string): Promise<ApiKey> {
    const record = await this.#keys.revoke(id);
    if (!record) throw new NotFoundError('api_key_not_found', `no API key with id ${id}`);
    return toApiKey(record);
  }

  /** The principal a bearer token stands for, or undefined when it stands for nobody. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const hash = sha256(token);
    // Constant-time, so response timing says nothing about how much of the token matched.
    if (this.#adminTokenHash && timingSafeEqual(hash, this.#adminTokenHash)) return { id: 'admin-token', scopes: ['admin'] };
    if (!token.startsWith(KEY_PREFIX)) return undefined;
    const record = await this.#keys.useByHash(hash.toString('hex'));
    return record ? { id: record.id, scopes: record.scopes as Scope[] } : undefined;
  }
}
