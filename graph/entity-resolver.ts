/**
 * Entity resolution for one tenant: every mention's name becomes an entity id. Forms resolve by key (case,
 * accents, punctuation, plural, leading article: entity-key.ts); stated aliases ("Return Merchandise
 * Authorization (RMA)", a record's SKU) and abbreviations (an all-capitals name equal to the initials of a
 * known multi-word entity) resolve to the entity they name; with the sentence encoder, a new name whose vector
 * is at least `nearDuplicate` cosine from a known entity sharing one of its words resolves to it.
 * The resolver keeps the tenant's known names (the gazetteer the extractor matches) in memory, loaded from the
 * graph store and updated by every write of this process; it is reloaded after `ttlMs` (other replicas' writes).
 */
import type { Embedder } from "../core/ports/embedder";
import { cosine } from "../core/numeric";
import type { GraphStore } from "../core/ports/graph-store";
import { acronymOf, entityKey, isAbbreviation, keyWords } from "./entity-key";
import type { Gazetteer } from "./extract-entities";

export interface KnownEntity {
  id: string;
  name: string;
  type: string;
}

/** Types whose names are free text (near-duplicates are worth an encoder look); codes and spans are exact. */
const FUZZY_TYPES = new Set(["name", "plan", "policy", "organisation"]);
const PAGE = 5000;

export class TenantEntities implements Gazetteer {
  /** key (of a name or an alias) -> entity */
  private readonly byKey = new Map<string, KnownEntity>();
  private readonly byAcronym = new Map<string, KnownEntity | null>();
  /** key word -> entity ids with that word (blocking for the near-duplicate check) */
  private readonly byWord = new Map<string, Set<string>>();
  /** first word key of every known name */
  private readonly firstWords = new Set<string>();
  private readonly entities = new Map<string, KnownEntity>();
  maxWords = 1;
  loadedAt = 0;

  lookup(key: string): KnownEntity | undefined {
    return this.byKey.get(key);
  }

  startsWith(wordKey: string): boolean {
    return this.firstWords.has(wordKey);
  }

  get(id: string): KnownEntity | undefined {
    return this.entities.get(id);
  }

  get size(): number {
    return this.entities.size;
  }

  add(e: KnownEntity, names: string[] = []): void {
    this.entities.set(e.id, e);
    for (const n of [e.name, ...names]) {
      const words = keyWords(n);
      const key = words.join("-");
      if (!key) continue;
      if (!this.byKey.has(key)) this.byKey.set(key, e);
      this.firstWords.add(words[0]!);
      this.maxWords = Math.max(this.maxWords, Math.min(words.length, 8));
      for (const w of words) {
        let s = this.byWord.get(w);
        if (!s) this.byWord.set(w, (s = new Set()));
        s.add(e.id);
      }
    }
    const acr = acronymOf(e.name);
    if (acr && acr.length >= 2) this.byAcronym.set(acr, this.byAcronym.has(acr) && this.byAcronym.get(acr)?.id !== e.id ? null : e);
  }

  /** The known entity an abbreviation stands for, when exactly one multi-word entity has those initials. */
  acronym(name: string): KnownEntity | undefined {
    return isAbbreviation(name) ? (this.byAcronym.get(name.toLowerCase()) ?? undefined) : undefined;
  }

  /** Known entities sharing a key word with `name` (at most `max`). */
  sharingWords(name: string, max = 50): KnownEntity[] {
    const ids = new Set<string>();
    for (const w of keyWords(name)) for (const id of this.byWord.get(w) ?? []) if (ids.size < max) ids.add(id);
    return [...ids].map((id) => this.entities.get(id)!).filter(Boolean);
  }
}

export interface EntityResolverOptions {
  store: GraphStore;
  encoder?: Embedder;
  /** Cosine at or above which two names are one entity (default 0.9). */
  nearDuplicate?: number;
  /** Configured domain terms: name -> type, known to every tenant. */
  domainTerms?: Record<string, string>;
  ttlMs?: number;
}

export class EntityResolver {
  private readonly tenants = new Map<string, Promise<TenantEntities>>();

  constructor(private readonly o: EntityResolverOptions) {}

  /** The tenant's known entities (loaded on first use, reloaded after the TTL). */
  known(tenantId: string): Promise<TenantEntities> {
    const cached = this.tenants.get(tenantId);
    const ttl = this.o.ttlMs ?? 60_000;
    if (cached) {
      return cached.then((t) => (Date.now() - t.loadedAt > ttl ? this.reload(tenantId) : t));
    }
    return this.reload(tenantId);
  }

  private reload(tenantId: string): Promise<TenantEntities> {
    const p = (async () => {
      const t = new TenantEntities();
      for (const [name, type] of Object.entries(this.o.domainTerms ?? {})) t.add({ id: entityKey(name), name, type });
      let after: string | undefined;
      for (;;) {
        const page = await this.o.store.entities(tenantId, { limit: PAGE, after });
        for (const e of page) t.add(e, e.aliases);
        if (page.length < PAGE) break;
        after = page.at(-1)!.id;
      }
      t.loadedAt = Date.now();
      return t;
    })();
    this.tenants.set(tenantId, p);
    p.catch(() => this.tenants.delete(tenantId));
    return p;
  }

  forget(tenantId?: string): void {
    if (tenantId) this.tenants.delete(tenantId);
    else this.tenants.clear();
  }

  /**
   * Resolves names (with their types and stated aliases) to entity ids, adding new ones to the tenant's known
   * entities. Returns name -> entity and, for merged names, the alias they add.
   */
  async resolve(tenantId: string, names: { name: string; type: string; aliases?: string[] }[], signal?: AbortSignal): Promise<Map<string, KnownEntity & { aliases: string[] }>> {
    const known = await this.known(tenantId);
    const out = new Map<string, KnownEntity & { aliases: string[] }>();
    const pending: { name: string; type: string; aliases: string[] }[] = [];
    const aliasesOf = new Map<string, Set<string>>();
    const note = (id: string, alias: string) => {
      let s = aliasesOf.get(id);
      if (!s) aliasesOf.set(id, (s = new Set()));
      s.add(alias);
    };
    for (const n of names) {
      if (out.has(n.name)) continue;
      const key = entityKey(n.name);
      if (!key) continue;
      const hit = known.lookup(key) ?? known.acronym(n.name) ?? n.aliases?.map((a) => known.lookup(entityKey(a))).find(Boolean);
      if (hit) {
        if (hit.name !== n.name) note(hit.id, n.name);
        for (const a of n.aliases ?? []) note(hit.id, a);
        out.set(n.name, { ...hit, aliases: [] });
        if (n.aliases?.length) known.add(hit, n.aliases);
      } else pending.push({ name: n.name, type: n.type, aliases: n.aliases ?? [] });
    }
    // Near-duplicates on the encoder: new free-text names against known ones that share a word.
    const fuzzy = this.o.encoder ? pending.filter((p) => FUZZY_TYPES.has(p.type)) : [];
    const candidates = new Map(fuzzy.map((p) => [p.name, known.sharingWords(p.name, 20)]));
    const texts = [...new Set([...fuzzy.map((p) => p.name), ...[...candidates.values()].flat().map((c) => c.name)])];
    const vectors = new Map<string, Float32Array | number[]>();
    if (texts.length && this.o.encoder && [...candidates.values()].some((c) => c.length)) {
      const vs = await this.o.encoder.embed(texts, signal);
      texts.forEach((t, i) => vectors.set(t, vs[i]!));
    }
    for (const p of pending) {
      const key = entityKey(p.name);
      // an earlier name of this call may have created it
      let hit = known.lookup(key);
      if (!hit && vectors.size) {
        const v = vectors.get(p.name);
        let best = { e: undefined as KnownEntity | undefined, cos: this.o.nearDuplicate ?? 0.9 };
        for (const c of candidates.get(p.name) ?? []) {
          const cos = v && vectors.get(c.name) ? cosine(v, vectors.get(c.name)!) : 0;
          if (cos >= best.cos) best = { e: c, cos };
        }
        hit = best.e;
      }
      if (hit) {
        note(hit.id, p.name);
        out.set(p.name, { ...hit, aliases: [] });
        known.add(hit, [p.name, ...p.aliases]);
        continue;
      }
      const e = { id: key, name: p.name, type: p.type };
      known.add(e, p.aliases);
      for (const a of p.aliases) note(e.id, a);
      out.set(p.name, { ...e, aliases: [] });
    }
    for (const v of out.values()) v.aliases = [...(aliasesOf.get(v.id) ?? [])].filter((a) => a !== v.name).sort();
    return out;
  }
}
