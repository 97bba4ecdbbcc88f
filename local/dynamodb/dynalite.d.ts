declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** a directory for LevelDB; in memory when absent */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
