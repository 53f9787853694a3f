/**
 * The SMPP suite of `npm run bench -- smpp` (issue 10). For each window (10, 50): first the floor, node-smpp's own
 * client in a bare loop keeping `window` submit_sm outstanding; then the connector, a task of as many messages sent
 * by the real dispatcher, carrier pool and SMPP connector (`smpp-connector.ts`) with GET /tasks probed meanwhile;
 * both against the same test SMSC (`test/helpers/smsc.ts`) in a child process. Targets: the connector ≤ 1.3× the
 * floor at the same window, at least 1,000 messages/s at window 50, /tasks p95 < 100 ms while sending.
 * Each message is one UCS-2 part built by `buildSubmitParts`; no receipts. SMPP_BENCH_MESSAGES changes the count
 * (20,000 by default), SMPP_BENCH_BATCH the dispatcher's batch size, SMPP_BENCH_WARMUP the untimed first run of each
 * side. Exits 0 whatever the figures are.
 */
import os from 'node:os';
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as smpp from 'smpp';
import type { PDU, Session } from 'smpp';
import { ROOT_DIR } from '../../src/config';
import { buildSubmitParts } from '../../src/sms/smpp-parts';
import { fmtMs, log, table, type Cell } from './report';
import { connectorRun } from './smpp-connector';

const MESSAGES = Number(process.env.SMPP_BENCH_MESSAGES ?? 20_000);
/**
 * Messages sent untimed before each timed run (SMPP_BENCH_WARMUP, 0 for none): once through the floor's loop at the
 * start, and before every connector run through the same server and dispatcher (smpp-connector.ts). A first run pays
 * V8's compilation of its whole path, which made the first row (window 10) half again as slow as the same run
 * repeated, the connector's path being the longer one; a server that has sent before has paid it.
 */
const WARMUP_MESSAGES = Number(process.env.SMPP_BENCH_WARMUP ?? 5_000);
const WINDOWS = [10, 50];
const TARGET_PER_SECOND_AT_50 = 1000;
const TARGET_RATIO = 1.3;
const TARGET_TASKS_P95_MS = 100;
/** The dispatcher's batch size for the connector runs (SMPP_BENCH_BATCH; /settings' default is 200). */
const BATCH_SIZE = Number(process.env.SMPP_BENCH_BATCH ?? 200);
/** This process's CPU time (user + system) since `from`, in ms: less swayed than the wall clock by a loaded machine. */
export const cpuMsSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function nextMessage<T>(child: ChildProcess, pick: (message: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const value = pick(message as Record<string, unknown>);
      if (value === undefined) return;
      child.off('message', onMessage);
      resolve(value);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the test SMSC exited (${code})`)));
  });
}

async function bind(port: number): Promise<Session> {
  const session = smpp.connect({ host: '127.0.0.1', port });
  session.on('error', (err) => log(`  client error: ${String(err)}`));
  await once(session, 'connect');
  const resp = await new Promise<PDU>((resolve) => session.bind_transceiver({ system_id: 'bench', password: 'bench' }, resolve));
  if (resp.command_status !== 0) throw new Error(`bind refused: ${resp.command_status}`);
  return session;
}

/** The floor: submit `count` messages keeping `window` unanswered, as fast as the library and the SMSC allow. */
function bareLoop(session: Session, count: number, window: number): Promise<{ ms: number; refused: number; cpuMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let sent = 0;
  let answered = 0;
  let refused = 0;
  return new Promise((resolve) => {
    const pump = () => {
      while (sent - answered < window && sent < count) {
        const n = sent++;
        const [part] = buildSubmitParts(`【群发】您的验证码是 ${String(100000 + n)}，五分钟内有效。`, 'udh', n & 0xff);
        session.submit_sm({ destination_addr: `86139${String(n).padStart(8, '0')}`, registered_delivery: 1, ...part }, (resp: PDU) => {
          answered += 1;
          if (resp.command_status !== 0) refused += 1;
          if (answered === count) resolve({ ms: performance.now() - started, refused, cpuMs: cpuMsSince(cpu) });
          else pump();
        });
      }
    };
    pump();
  });
}

export async function runSmppBench(): Promise<void> {
  log(`qunfa smpp bench (floor, then the connector through the dispatcher, batch ${BATCH_SIZE}): ${MESSAGES} messages at windows ${WINDOWS.join(', ')}, node ${process.version}, ${os.cpus().length} CPUs, load ${loadavg()}`);
  const child = fork(path.join(ROOT_DIR, 'test', 'bench', 'smsc-child.ts'), [], {
    cwd: ROOT_DIR,
    execArgv: ['-r', path.join(ROOT_DIR, 'test', 'helpers', 'register-ts.js')],
  });
  const rows: Cell[][] = [];
  try {
    const port = await nextMessage(child, (m) => (typeof m.port === 'number' ? m.port : undefined));
    if (WARMUP_MESSAGES > 0) {
      const session = await bind(port);
      await bareLoop(session, WARMUP_MESSAGES, WINDOWS[0]);
      session.destroy();
      log(`  warm-up: ${WARMUP_MESSAGES} messages through the floor's loop first, and through each connector run's server before it is timed`);
    }
    for (const window of WINDOWS) {
      child.send('reset');
      const session = await bind(port);
      const { ms, refused, cpuMs } = await bareLoop(session, MESSAGES, window);
      child.send('count');
      const atSmsc = await nextMessage(child, (m) => (typeof m.submits === 'number' ? m.submits : undefined));
      session.destroy();
      const perSecond = (MESSAGES / ms) * 1000;
      log(`  floor, window ${window}: ${fmtMs(ms)}, ${perSecond.toFixed(0)} msgs/s, CPU ${((cpuMs * 1000) / MESSAGES).toFixed(0)} µs a message, ${atSmsc} at the SMSC, ${refused} refused, load ${loadavg()}`);
      rows.push([`floor, window ${window}`, fmtMs(ms), `${perSecond.toFixed(0)}/s`, '', '']);

      // The connector, in the same run against the same SMSC: the real dispatcher and carrier pool; timed alone, then
      // again with GET /tasks probed (the probe takes its share of the CPU, which the floor does not pay).
      child.send('reset');
      const run = await connectorRun(port, window, MESSAGES, BATCH_SIZE, false, WARMUP_MESSAGES);
      child.send('count');
      const connectorAtSmsc = await nextMessage(child, (m) => (typeof m.submits === 'number' ? m.submits : undefined));
      child.send('reset');
      const probed = await connectorRun(port, window, MESSAGES, BATCH_SIZE, true, WARMUP_MESSAGES);
      const rate = (MESSAGES / run.ms) * 1000;
      const ratio = run.ms / ms;
      const ok = ratio <= TARGET_RATIO && (window !== 50 || rate >= TARGET_PER_SECOND_AT_50) && probed.tasks.p95 < TARGET_TASKS_P95_MS;
      log(
        `  connector, window ${window}: ${fmtMs(run.ms)}, ${rate.toFixed(0)} msgs/s (${ratio.toFixed(2)}× the floor), CPU ${((run.cpuMs * 1000) / MESSAGES).toFixed(0)} µs a message` +
          ` (${(run.cpuMs / cpuMs).toFixed(2)}× the floor's), ${run.submitted} submitted, ${connectorAtSmsc - WARMUP_MESSAGES} at the SMSC after the warm-up's ${WARMUP_MESSAGES}, load ${loadavg()}`,
      );
      log(
        `  connector probed, window ${window}: ${fmtMs(probed.ms)}, ${((MESSAGES / probed.ms) * 1000).toFixed(0)} msgs/s; GET /tasks n=${probed.tasks.count} p50 ${fmtMs(probed.tasks.p50)}` +
          ` p95 ${fmtMs(probed.tasks.p95)} max ${fmtMs(probed.tasks.max)}${probed.tasks.errors ? `, ${probed.tasks.errors} FAILED` : ''}`,
      );
      rows.push([
        `connector, window ${window}`,
        fmtMs(run.ms),
        `${rate.toFixed(0)}/s`,
        `${ratio.toFixed(2)}× floor; probed ${fmtMs(probed.ms)}, /tasks p95 ${fmtMs(probed.tasks.p95)}`,
        `${ok ? 'met' : 'NOT met'} (≤ ${TARGET_RATIO}×${window === 50 ? `, ≥ ${TARGET_PER_SECOND_AT_50}/s` : ''}, p95 < ${TARGET_TASKS_P95_MS} ms)`,
      ]);
    }
  } finally {
    child.send('stop');
    await once(child, 'exit');
  }
  log(table(['run', 'time', 'rate', 'against the floor', 'target'], rows));
}
