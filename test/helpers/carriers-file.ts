import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { CarriersFileError, loadCarriersFile } from '../../src/services/carriers-file.service';

/**
 * The CARRIERS_FILE tests' shared fixture: a freshly migrated in-memory database and a temp folder per test, a writer
 * for the file, and `failure`, which loads a file and returns the one line a refused file gives ('applied' if none).
 */
export interface CarriersFileFixture {
  readonly key: Buffer;
  readonly db: Db;
  readonly dir: string;
  write(content: unknown): string;
  failure(file: string): Promise<string>;
}

export function useCarriersFileFixture(): CarriersFileFixture {
  const key = Buffer.alloc(32, 9);
  let db: Db;
  let dir: string;
  beforeEach(async () => {
    db = createDb(':memory:');
    await migrateLatest(db);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-carriers-file-'));
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    key,
    get db() { return db; },
    get dir() { return dir; },
    write(content) {
      const file = path.join(dir, 'carriers.json');
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    },
    async failure(file) {
      try {
        await loadCarriersFile(db, key, file);
      } catch (err) {
        if (err instanceof CarriersFileError) return err.message;
        throw err;
      }
      return 'applied';
    },
  };
}
