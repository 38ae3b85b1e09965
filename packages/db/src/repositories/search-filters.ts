import type { SearchFilters } from '@sis/contracts';
import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** Narrow a search; every field that is set must hold. */
export interface SearchFilterOptions {
  createdAfter?: Date;
  createdBefore?: Date;
  contentType?: string;
  batchId?: string;
  /** EXIF fields that must equal these values. */
  exif?: Record<string, string | number | boolean>;
}

/** The filters of a search request (times as ISO text) as the repositories take them. */
export function toFilterOptions(filters: SearchFilters | undefined): SearchFilterOptions | undefined {
  if (!filters) return undefined;
  return {
    createdAfter: filters.createdAfter ? new Date(filters.createdAfter) : undefined,
    createdBefore: filters.createdBefore ? new Date(filters.createdBefore) : undefined,
    contentType: filters.contentType,
    batchId: filters.batchId,
    exif: filters.exif,
  };
}

/** The conditions the filters put on `images as i`, for every kind of search alike. */
export function filterConditions(filters: SearchFilterOptions): RawBuilder<SqlBool>[] {
  const conditions: RawBuilder<SqlBool>[] = [];
  if (filters.createdAfter) conditions.push(sql<SqlBool>`i.created_at >= ${filters.createdAfter}`);
  if (filters.createdBefore) conditions.push(sql<SqlBool>`i.created_at < ${filters.createdBefore}`);
  if (filters.contentType) conditions.push(sql<SqlBool>`i.content_type = ${filters.contentType}`);
  if (filters.batchId) conditions.push(sql<SqlBool>`i.batch_id = ${filters.batchId}`);
  if (filters.exif && Object.keys(filters.exif).length) conditions.push(sql<SqlBool>`i.exif @> ${JSON.stringify(filters.exif)}::jsonb`);
  return conditions;
}
