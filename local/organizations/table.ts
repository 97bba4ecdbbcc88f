/** One change to a table, as journaled: `row` is the new value, or null for a delete. */
export interface Change {
  table: string;
  id: string;
  row: unknown;
}

type ChangeListener = (change: Change, previous: unknown) => void;

/**
 * A keyed collection of plain JSON rows with secondary indexes. Rows are replaced, never mutated in place,
 * so a change can be journaled and undone.
 */
export class Table<T extends { id: string }> {
  private readonly rows = new Map<string, T>();
  private readonly indexes = new Map<
    string,
    { keyOf: (row: T) => string | undefined; map: Map<string, Map<string, T>> }
  >();

  constructor(
    readonly name: string,
    private readonly onChange: ChangeListener,
    indexes: Record<string, (row: T) => string | undefined> = {},
  ) {
    for (const [indexName, keyOf] of Object.entries(indexes))
      this.indexes.set(indexName, { keyOf, map: new Map() });
  }

  get size(): number {
    return this.rows.size;
  }

  get(id: string): T | undefined {
    return this.rows.get(id);
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  values(): IterableIterator<T> {
    return this.rows.values();
  }

  /** Rows whose index key equals `key`, in insertion order. */
  by(indexName: string, key: string): T[] {
    const index = this.indexes.get(indexName);
    if (!index) throw new Error(`table ${this.name} has no index ${indexName}`);
    const bucket = index.map.get(key);
    return bucket ? [...bucket.values()] : [];
  }

  countBy(indexName: string, key: string): number {
    return this.indexes.get(indexName)?.map.get(key)?.size ?? 0;
  }

  put(row: T): void {
    const previous = this.rows.get(row.id);
    this.apply(row.id, row);
    this.onChange({ table: this.name, id: row.id, row }, previous ?? null);
  }

  delete(id: string): void {
    const previous = this.rows.get(id);
    if (previous === undefined) return;
    this.apply(id, null);
    this.onChange({ table: this.name, id, row: null }, previous);
  }

  /** Sets a row without notifying: for loading a snapshot and undoing a failed request. */
  apply(id: string, row: T | null): void {
    const previous = this.rows.get(id);
    for (const index of this.indexes.values()) {
      const oldKey = previous === undefined ? undefined : index.keyOf(previous);
      const newKey = row === null ? undefined : index.keyOf(row);
      // an unchanged key keeps the row's place in its bucket, so listings stay stable across updates
      if (oldKey !== undefined && oldKey !== newKey) index.map.get(oldKey)?.delete(id);
      if (newKey === undefined || row === null) continue;
      let bucket = index.map.get(newKey);
      if (!bucket) {
        bucket = new Map();
        index.map.set(newKey, bucket);
      }
      bucket.set(id, row);
    }
    if (row === null) this.rows.delete(id);
    else this.rows.set(id, row);
  }
}
