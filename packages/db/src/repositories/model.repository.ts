import { ConflictError, NotFoundError } from '@sis/contracts';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, ModelsTable } from '../schema.js';
import { createVectorTable, MODELS_LOCK, vectorTable } from '../vector-tables.js';

export type ModelRecord = Selectable<ModelsTable>;

/** How much of the library a model has embedded. */
export interface ModelCoverage {
  /** Ready images with a vector from this model. */
  embedded: number;
  /** Ready images. */
  ready: number;
  /** Vectors this model stored in the last minute: the rate an ETA follows. */
  lastMinute: number;
}

export interface ModelRepositoryOptions {
  db: Kysely<Database>;
}

/**
 * Every query on `models` and on the per-model vector tables' existence: registering a model,
 * creating its table and index once its dimension is known, switching the active model, and
 * dropping a retired one's vectors.
 */
export class ModelRepository {
  readonly #db: Kysely<Database>;

  constructor(options: ModelRepositoryOptions) {
    this.#db = options.db;
  }

  /**
   * Registers a model in state `building`, or returns the live one with this source and dtype:
   * services registering the same model at once get the same row.
   */
  async register(model: { source: string; dtype: string | null; activateWhenComplete: boolean }): Promise<ModelRecord> {
    const inserted = await sql<ModelRecord>`
      insert into models (source, dtype, activate_when_complete) values (${model.source}, ${model.dtype}, ${model.activateWhenComplete})
      on conflict (source, coalesce(dtype, '')) where state <> 'retired' do nothing
      returning *`.execute(this.#db);
    return inserted.rows[0] ?? (await this.findLive(model))!;
  }

  /**
   * Records what loading the model found and creates its vector table and HNSW index, in one
   * transaction; a second call for the same model changes nothing. The first model of a library
   * with no ready image becomes active at once: there is nothing for it to catch up on.
   * @throws ConflictError `dimension_changed` or `preprocessing_changed` when the model was loaded
   * before with another dimension or other preprocessing: its stored vectors would not match new ones.
   */
  async completeRegistration(id: number, loaded: { dimension: number; preprocessingHash: string | null }): Promise<ModelRecord> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MODELS_LOCK})`.execute(trx);
      const model = await trx.selectFrom('models').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!model || model.state === 'retired') throw new NotFoundError('model_not_found', `no live model ${id}`);
      if (model.dimension !== null && model.dimension !== loaded.dimension) {
        throw new ConflictError('dimension_changed', `model ${id} was registered with ${model.dimension}-d vectors, and now loads with ${loaded.dimension}`);
      }
      if (model.preprocessing_hash !== null && loaded.preprocessingHash !== null && model.preprocessing_hash !== loaded.preprocessingHash) {
        throw new ConflictError('preprocessing_changed', `model ${id} was registered with other preprocessing than it now loads with; register it again as a new model`);
      }
      await createVectorTable(trx, id, loaded.dimension);
      const first = model.state === 'building' && !(await hasActive(trx)) && !(await hasReadyImages(trx));
      return trx
        .updateTable('models')
        .set({
          dimension: loaded.dimension,
          preprocessing_hash: model.preprocessing_hash ?? loaded.preprocessingHash,
          error: null,
          ...(first ? { state: 'active' as const, activated_at: sql`now()` } : {}),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  /**
   * What a service does at start for the model it loaded: registers it (asking for activation
   * once complete) and records its dimension and preprocessing.
   */
  async ensure(model: { source: string; dtype: string | null; dimension: number; preprocessingHash: string | null }): Promise<ModelRecord> {
    const registered = await this.register({ source: model.source, dtype: model.dtype, activateWhenComplete: true });
    return this.completeRegistration(registered.id, { dimension: model.dimension, preprocessingHash: model.preprocessingHash });
  }

  /**
   * What a worker does at start for the model its settings name (CLIP_MODEL, CLIP_DTYPE): registers
   * it, to be activated once complete, unless it is live already. A model retired on purpose is
   * not brought back by a setting nobody changed: that takes POST /v1/models.
   * @returns the live model, or undefined when this source and dtype were retired.
   */
  async registerSetting(model: { source: string; dtype: string | null }): Promise<ModelRecord | undefined> {
    const live = await this.findLive(model);
    if (live) return live;
    const retired = await this.#db
      .selectFrom('models')
      .select('id')
      .where('source', '=', model.source)
      .where(sql<boolean>`coalesce(dtype, '') = ${model.dtype ?? ''}`)
      .executeTakeFirst();
    return retired ? undefined : this.register({ ...model, activateWhenComplete: true });
  }

  /** Live models, loaded by a worker or not yet: those a worker holds. */
  async listLive(): Promise<ModelRecord[]> {
    return this.#db.selectFrom('models').selectAll().where('state', '<>', 'retired').orderBy('id').execute();
  }

  /**
   * Ready images without a vector from this model, in id order after `after`: what re-embedding
   * with a new model still has to do. Postgres is the record, so a restart resumes from here.
   */
  async imagesWithoutVector(id: number, options: { after?: string; limit: number }): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      select i.id from images i
      where i.status = 'ready' ${options.after ? sql`and i.id > ${options.after}` : sql``}
        and not exists (select 1 from ${vectorTable(id)} v where v.image_id = i.id)
      order by i.id limit ${options.limit}`.execute(this.#db);
    return rows.map((row) => row.id);
  }

  /** Live models with a vector table: those every new upload is embedded with. */
  async listLoaded(): Promise<ModelRecord[]> {
    return this.#db.selectFrom('models').selectAll().where('state', '<>', 'retired').where('dimension', 'is not', null).orderBy('id').execute();
  }

  /** Records why a model could not be loaded; it stays registered, and can never be activated until it loads. */
  async recordError(id: number, error: string): Promise<void> {
    await this.#db.updateTable('models').set({ error }).where('id', '=', id).execute();
  }

  /** The live model with this source and dtype, if one was registered: a read, safe on a replica. */
  async findLive(model: { source: string; dtype: string | null }): Promise<ModelRecord | undefined> {
    return this.#db
      .selectFrom('models')
      .selectAll()
      .where('source', '=', model.source)
      .where(sql<boolean>`coalesce(dtype, '') = ${model.dtype ?? ''}`)
      .where('state', '<>', 'retired')
      .executeTakeFirst();
  }

  async findById(id: number): Promise<ModelRecord | undefined> {
    return this.#db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findActive(): Promise<ModelRecord | undefined> {
    return this.#db.selectFrom('models').selectAll().where('state', '=', 'active').executeTakeFirst();
  }

  /** Every model, live ones first, oldest first. */
  async list(): Promise<ModelRecord[]> {
    return this.#db
      .selectFrom('models')
      .selectAll()
      .orderBy(sql`state = 'retired'`)
      .orderBy('id')
      .execute();
  }

  /** How many ready images have a vector from this model, of how many ready images. */
  async coverage(id: number, db: Kysely<Database> = this.#db): Promise<ModelCoverage> {
    const model = await db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
    return (await coverages(db, model ? [model] : [])).get(id) ?? { embedded: 0, ready: await countReady(db), lastMinute: 0 };
  }

  /** The coverage of several models, ready images counted once; a retired model costs nothing. */
  async coverages(models: readonly ModelRecord[]): Promise<Map<number, ModelCoverage>> {
    return coverages(this.#db, models);
  }

  /**
   * Makes this model the one search answers from, in one transaction: the active one before it
   * becomes `standby` (kept up to date, and searchable by name). Unless `force`, only a model that
   * covers every ready image; vector writes share the lock this takes, so none lands between
   * the check and the switch. With `cancelPending` (a switch a person asked for), models still
   * building no longer switch themselves on once complete.
   * @throws NotFoundError `model_not_found`; ConflictError `model_not_loaded` or `model_incomplete`.
   */
  async activate(id: number, options: { force?: boolean; cancelPending?: boolean } = {}): Promise<ModelRecord> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MODELS_LOCK})`.execute(trx);
      const model = await trx.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
      if (!model || model.state === 'retired') throw new NotFoundError('model_not_found', `no live model ${id}`);
      if (model.state === 'active') return model;
      if (model.dimension === null) throw new ConflictError('model_not_loaded', `model ${id} has not been loaded by a worker yet${model.error ? `: ${model.error}` : ''}`);
      if (!options.force) {
        const { embedded, ready } = await this.coverage(id, trx);
        if (embedded < ready) throw new ConflictError('model_incomplete', `model ${id} has embedded ${embedded} of ${ready} ready images; activate with force to switch anyway`, { embedded, ready });
      }
      await trx.updateTable('models').set({ state: 'standby' }).where('state', '=', 'active').execute();
      // A switch a person asked for is not undone later by a model that was to switch itself on once complete.
      if (options.cancelPending) await trx.updateTable('models').set({ activate_when_complete: false }).where('state', '=', 'building').execute();
      return trx
        .updateTable('models')
        .set({ state: 'active', activated_at: sql`now()`, activate_when_complete: false })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  /**
   * Drops a model's vectors and index and marks it retired. Never the active model.
   * @throws NotFoundError `model_not_found`; ConflictError `model_active`.
   */
  async retire(id: number): Promise<ModelRecord> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MODELS_LOCK})`.execute(trx);
      const model = await trx.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
      if (!model) throw new NotFoundError('model_not_found', `no model ${id}`);
      if (model.state === 'retired') return model;
      if (model.state === 'active') throw new ConflictError('model_active', `model ${id} is the active model; activate another first`);
      await sql`drop table if exists ${vectorTable(id)}`.execute(trx);
      return trx.updateTable('models').set({ state: 'retired', retired_at: sql`now()` }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    });
  }
}

async function countReady(db: Kysely<Database>): Promise<number> {
  const ready = await db.selectFrom('images').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'ready').executeTakeFirstOrThrow();
  return Number(ready.n);
}

async function coverages(db: Kysely<Database>, models: readonly ModelRecord[]): Promise<Map<number, ModelCoverage>> {
  const ready = await countReady(db);
  const result = new Map<number, ModelCoverage>();
  for (const model of models) {
    if (model.state === 'retired' || model.dimension === null) {
      result.set(model.id, { embedded: 0, ready, lastMinute: 0 });
      continue;
    }
    const { rows } = await sql<{ embedded: string; last_minute: string }>`
      select (select count(*) from ${vectorTable(model.id)} v join images i on i.id = v.image_id where i.status = 'ready') as embedded,
        (select count(*) from ${vectorTable(model.id)} where created_at > now() - interval '1 minute') as last_minute`.execute(db);
    result.set(model.id, { embedded: Number(rows[0]!.embedded), ready, lastMinute: Number(rows[0]!.last_minute) });
  }
  return result;
}

async function hasActive(trx: Transaction<Database>): Promise<boolean> {
  return (await trx.selectFrom('models').select('id').where('state', '=', 'active').executeTakeFirst()) !== undefined;
}

async function hasReadyImages(trx: Transaction<Database>): Promise<boolean> {
  return (await trx.selectFrom('images').select('id').where('status', '=', 'ready').limit(1).executeTakeFirst()) !== undefined;
}
