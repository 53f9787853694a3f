/**
 * `npm run bench [-- imports|dispatch|pages|uploads …]`: runs the named suites (all of them by default) against the real
 * app over HTTP, each printing its figures beside a floor measured in the same run. It exits 0 whatever the
 * figures are; only a crash exits non-zero.
 */
import { runImportsBench } from './imports.bench';
import { runDispatchBench } from './dispatch.bench';
import { runPagesBench } from './pages.bench';
import { runBackupBench } from './backup.bench';
import { runUploadsBench } from './uploads.bench';
import { runReceiptsBench } from './receipts.bench';
import { runWalBench } from './wal.bench';
import { runSmppBench } from './smpp.bench';
import { runAuditBench } from './audit.bench';
import { runCloudBench } from './cloud.bench';
import { runPgBench } from './pg.bench';

const SUITES: Record<string, () => Promise<void>> = {
  imports: runImportsBench,
  dispatch: runDispatchBench,
  pages: runPagesBench,
  backup: runBackupBench,
  uploads: runUploadsBench,
  receipts: runReceiptsBench,
  wal: runWalBench,
  smpp: runSmppBench,
  audit: runAuditBench,
  cloud: runCloudBench,
  pg: runPgBench,
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const names = asked.length ? asked : Object.keys(SUITES);
  for (const name of names) {
    const suite = SUITES[name];
    if (!suite) throw new Error(`unknown bench suite "${name}"; known: ${Object.keys(SUITES).join(', ')}`);
    await suite();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
