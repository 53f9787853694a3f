/**
 * The backups folder, `DATA_DIR/backups/` (issue 9, "Backups a self-hoster can trust"): taking a copy into it,
 * listing it, and keeping the last N daily copies. The folder itself is the record (no table): what a self-hoster
 * sees with `ls` is what /settings shows, and a copy restored from elsewhere carries no stale list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { backupDatabase, type BackupResult } from '../db/backup';
import { ensurePrivateDir } from '../private-dir';

export const BACKUP_REASONS = ['pre-migrate', 'daily', 'manual'] as const;
export type BackupReason = (typeof BACKUP_REASONS)[number];

export interface BackupFile {
  file: string;
  reason: BackupReason;
  takenAt: Date;
  bytes: number;
}

/** `qunfa-20261204T031500.000Z-daily.sqlite`: UTC, so names sort by time whatever the server's zone. */
const NAME = /^qunfa-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z-(pre-migrate|daily|manual)\.sqlite$/;

export function backupsDir(dataDir: string): string {
  return path.join(dataDir, 'backups');
}

export function backupFileName(reason: BackupReason, at: Date): string {
  return `qunfa-${at.toISOString().replace(/[-:]/g, '')}-${reason}.sqlite`;
}

/** A copy of the database into the backups folder (created 0700: the copies hold every phone number sent to). */
export async function takeBackup(target: { databaseFile: string; dataDir: string }, reason: BackupReason, at = new Date()): Promise<BackupResult> {
  const dir = backupsDir(target.dataDir);
  ensurePrivateDir(dir);
  return backupDatabase(target.databaseFile, path.join(dir, backupFileName(reason, at)));
}

/** The copies in the folder, newest first; other files there are left alone. */
export function listBackups(dataDir: string): BackupFile[] {
  const dir = backupsDir(dataDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const found: BackupFile[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    let bytes: number;
    try {
      bytes = fs.statSync(file).size;
    } catch {
      continue; // removed meanwhile
    }
    const takenAt = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]));
    found.push({ file, reason: m[8] as BackupReason, takenAt, bytes });
  }
  return found.sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
}

export function latestBackup(dataDir: string): BackupFile | null {
  return listBackups(dataDir)[0] ?? null;
}

/** Removes all but the newest `keep` copies taken for `reason`; copies taken for other reasons are kept. */
export function pruneBackups(dataDir: string, reason: BackupReason, keep: number): string[] {
  const old = listBackups(dataDir).filter((b) => b.reason === reason).slice(keep);
  for (const b of old) fs.rmSync(b.file, { force: true });
  return old.map((b) => b.file);
}
