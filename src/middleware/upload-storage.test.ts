import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sweepUploadDir, uploadDir } from './upload-storage';

test('the start-up sweep removes the upload files a crashed process left, nothing else, and makes the folder private', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qunfa-sweep-'));
  try {
    expect(sweepUploadDir(dataDir)).toBe(0);
    const dir = uploadDir(dataDir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'a1b2.upload'), 'half a file');
    fs.writeFileSync(path.join(dir, 'c3d4.upload'), '');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not ours');
    expect(sweepUploadDir(dataDir)).toBe(2);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
