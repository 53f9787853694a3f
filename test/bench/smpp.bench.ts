/**
 * The SMPP suite of `npm run bench -- smpp` (issue 10). For now only its floor: node-smpp's own client in a bare
 * loop, keeping `window` submit_sm outstanding, against the test SMSC (`test/helpers/smsc.ts`) in a child process.
 * It is what the connector will be compared with (target ≤ 1.3× this floor at the same window, and at least
 * 1,000 messages/s at window 50), and it tells whether the machine and the test SMSC can reach that figure at all.
 * Each message is one part built by `buildSubmitParts` (UCS-2), as the connector will build it; no receipts.
 * SMPP_BENCH_MESSAGES changes the count (20,000 by default). Exits 0 whatever the figures are.
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

const MESSAGES = Number(process.env.SMPP_BENCH_MESSAGES ?? 20_000);
const WINDOWS = [10, 50];
const TARGET_PER_SECOND_AT_50 = 1000;
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
function bareLoop(session: Session, count: number, window: number): Promise<{ ms: number; refused: number }> {
  const started = performance.now();
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
          if (answered === count) resolve({ ms: performance.now() - started, refused });
          else pump();
        });
      }
    };
    pump();
  });
}

export async function runSmppBench(): Promise<void> {
  log(`qunfa smpp bench (floor only): ${MESSAGES} messages at windows ${WINDOWS.join(', ')}, node ${process.version}, ${os.cpus().length} CPUs, load ${loadavg()}`);
  const child = fork(path.join(ROOT_DIR, 'test', 'bench', 'smsc-child.ts'), [], {
    cwd: ROOT_DIR,
    execArgv: ['-r', path.join(ROOT_DIR, 'test', 'helpers', 'register-ts.js')],
  });
  const rows: Cell[][] = [];
  try {
    const port = await nextMessage(child, (m) => (typeof m.port === 'number' ? m.port : undefined));
    for (const window of WINDOWS) {
      child.send('reset');
      const session = await bind(port);
      const { ms, refused } = await bareLoop(session, MESSAGES, window);
      child.send('count');
      const atSmsc = await nextMessage(child, (m) => (typeof m.submits === 'number' ? m.submits : undefined));
      session.destroy();
      const perSecond = (MESSAGES / ms) * 1000;
      log(`  window ${window}: ${fmtMs(ms)}, ${perSecond.toFixed(0)} msgs/s, ${atSmsc} at the SMSC, ${refused} refused, load ${loadavg()}`);
      rows.push([
        `floor, window ${window}`,
        fmtMs(ms),
        `${perSecond.toFixed(0)}/s`,
        window === 50
          ? `connector ≤ 1.3× this and ≥ ${TARGET_PER_SECOND_AT_50}/s (${perSecond >= TARGET_PER_SECOND_AT_50 ? 'reachable' : 'NOT reachable here'})`
          : 'connector ≤ 1.3× this',
      ]);
    }
  } finally {
    child.send('stop');
    await once(child, 'exit');
  }
  log(table(['run', 'time', 'rate', 'target'], rows));
}
