/**
 * The receipts suite of `npm run bench -- receipts` (issue 9, section 7), against the app built as src/server.ts
 * builds it (startJobs: the dispatch loop, receipts applied between a sending task's batches), with the stub carrier
 * answering receipts 1–2 s after acceptance. Per scenario, one send-now task; from the stub's ledger, which keeps for
 * each message when it was accepted, when its receipt became due (report_at) and when it was acknowledged, right
 * after being applied (reported_at):
 * - first submit → first receipt applied (target ≤ 5 s);
 * - how long each receipt that came due while the task was sending waited (target for a rate-limited send: at most
 *   3 s, every one; a send with no limit spends at most about a tenth of its time on receipts, so there they fall
 *   behind and the figure is for information);
 * - (info) the same over all receipts, including those due after the task completed.
 * Exits 0 whatever the figures are. The targets are absolute (the issue's), so there is no floor; the load average
 * is printed beside them. RECEIPTS_SCENARIOS="rows@rate,…" overrides the scenarios (rate 0 = no limit).
 */
import os from 'node:os';
import { saveSettings } from '../../src/services/settings.service';
import { phones, seedTask } from '../helpers/tasks';
import { percentile } from './probes';
import { fmtMs, log, table, verdict, type Cell } from './report';
import { dropSent, receiptsOutstanding, startDispatchServer, taskRow, waitFor } from './dispatch-app';

const TARGET = { firstAppliedMs: 5000, waitMaxMs: 3000 };
const SCENARIOS = (process.env.RECEIPTS_SCENARIOS ?? '3000@200,30000@1000,100000@0').split(',').map((s) => {
  const [rows, rate] = s.split('@').map(Number);
  return { rows, rate };
});

// Not Math.min(...xs): 100,000 arguments overflow the stack.
const minOf = (xs: readonly number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

interface Figures {
  rows: number;
  rate: number;
  sendMs: number;
  firstAppliedMs: number;
  whileSending: number[];
  all: number[];
}

export async function runReceiptsBench(): Promise<void> {
  const started = performance.now();
  log(`qunfa receipts bench: ${SCENARIOS.map((s) => `${s.rows}@${s.rate || '∞'}/s`).join(', ')}, receipt delay 1–2 s, node ${process.version}, ${os.cpus().length} CPUs, load ${loadavg()}`);
  const s = await startDispatchServer();
  const results: Figures[] = [];
  try {
    await saveSettings(s.t.db, { importMaxRows: Math.max(...SCENARIOS.map((x) => x.rows)) });
    for (const { rows, rate } of SCENARIOS) {
      await saveSettings(s.t.db, {
        carrierRatePerSecond: rate,
        dispatchBatchSize: 200,
        stubCarrier: { delayMinMs: 1000, delayMaxMs: 2000, failureMix: {}, throughputPerSecond: 0, errorRate: 0, timeoutRate: 0 },
      });
      const { taskId } = await seedTask(s.t.db, phones(rows, '1391'));
      const done = await waitFor('the task to complete', () => {
        const t = taskRow(s, taskId);
        return t.status === 'completed' ? t : undefined;
      }, 900_000, 50);
      await waitFor('the receipts', () => (receiptsOutstanding(s, taskId) === 0 ? true : undefined), 600_000, 100);
      const ledger = s.reader.prepare('SELECT accepted_at, report_at, reported_at FROM stub_carrier_ledger').all() as Record<string, string>[];
      const ms = (iso: string) => Date.parse(iso);
      const firstSubmit = minOf(ledger.map((r) => ms(r.accepted_at)));
      const completed = ms(done.completed_at!);
      const wait = (r: Record<string, string>) => ms(r.reported_at) - ms(r.report_at);
      const f: Figures = {
        rows,
        rate,
        sendMs: completed - firstSubmit,
        firstAppliedMs: minOf(ledger.map((r) => ms(r.reported_at))) - firstSubmit,
        whileSending: ledger.filter((r) => ms(r.report_at) <= completed).map(wait).sort((a, b) => a - b),
        all: ledger.map(wait).sort((a, b) => a - b),
      };
      results.push(f);
      log(`  ${rows} msgs at ${rate || 'no limit'}/s: sent in ${fmtMs(f.sendMs)}, first receipt applied ${fmtMs(f.firstAppliedMs)} after the first submit, ${f.whileSending.length} receipts due while sending, load ${loadavg()}`);
      await dropSent(s, taskId);
    }
  } finally {
    await s.close();
  }
  const rowsOut: Cell[][] = [];
  const pass: boolean[] = [];
  for (const f of results) {
    const label = `${f.rows.toLocaleString('en')} msgs at ${f.rate ? `${f.rate}/s` : 'no limit'}`;
    const max = f.whileSending[f.whileSending.length - 1] ?? 0;
    const firstOk = f.firstAppliedMs <= TARGET.firstAppliedMs || f.sendMs < TARGET.firstAppliedMs;
    const waitOk = max <= TARGET.waitMaxMs;
    pass.push(firstOk);
    if (f.rate > 0) pass.push(waitOk);
    rowsOut.push(
      [label, 'sending time (first submit → completed)', fmtMs(f.sendMs), '(info)', ''],
      [label, 'first submit → first receipt applied', fmtMs(f.firstAppliedMs), `≤ ${TARGET.firstAppliedMs / 1000} s`, verdict(firstOk)],
      [label, `wait of receipts due while sending (n=${f.whileSending.length}) p50 / p95 / max`, `${fmtMs(percentile(f.whileSending, 50))} / ${fmtMs(percentile(f.whileSending, 95))} / ${fmtMs(max)}`, f.rate > 0 ? `max ≤ ${TARGET.waitMaxMs / 1000} s` : '(info)', f.rate > 0 ? verdict(waitOk) : ''],
      [label, `wait of all receipts (n=${f.all.length}) p50 / p95 / max`, `${fmtMs(percentile(f.all, 50))} / ${fmtMs(percentile(f.all, 95))} / ${fmtMs(f.all[f.all.length - 1])}`, '(info)', ''],
    );
  }
  log('');
  log(table(['scenario', 'measure', 'value', 'target', 'result'], rowsOut));
  log('');
  log(`${pass.filter(Boolean).length}/${pass.length} receipt targets met; load average now ${loadavg()}; bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
