import fs from 'node:fs';

/**
 * Creates `dir` if needed, readable by the app's user only (0700): for folders holding uploads and database copies.
 * mkdir's mode is reduced by the umask and leaves an existing directory as it was, hence the chmod.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}
