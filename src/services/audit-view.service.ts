import type { Knex } from 'knex';
import type { Writable } from 'node:stream';
import type { Translate } from '../i18n/i18n';
import { summaryLines } from '../audit/audit-summary';
import type { AuditActorKind } from '../audit/audit-actions';
import type { AuditFilter, AuditRecord } from '../queries/audit-records.queries';
import { formatDateTime } from '../time/zoned-time';
import { auditRecordsOf } from './audit.service';
import { csvCell } from './csv.service';
import { drained } from './xlsx-stream.service';

/** What the /audit page and its CSV show of a record: times in the display zone, the summary as lines. */
export interface AuditRow {
  id: number;
  time: string;
  actor: string;
  /** The page marks API keys and Qunfa's own changes. */
  actorKind: AuditActorKind;
  ip: string;
  action: string;
  actionLabel: string;
  objectType: string;
  objectId: string;
  changes: string[];
}

export function auditRow(r: AuditRecord, t: Translate, timeZone: string): AuditRow {
  return {
    id: r.id,
    time: formatDateTime(r.createdAt, timeZone, undefined, true),
    actor: r.actorLabel,
    actorKind: r.actorApiKeyId !== null ? 'api_key' : r.actorUserId !== null ? 'user' : 'system',
    ip: r.ip ?? '',
    action: r.action,
    actionLabel: t('audit.actions.' + r.action),
    objectType: r.objectType ?? '',
    objectId: r.objectId ?? '',
    changes: summaryLines(r.summary),
  };
}

function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/**
 * The records of the filter as CSV (UTF-8 with BOM, CRLF, headers in the UI language), newest first, read 1,000
 * at a time and written as read, waiting while the client is slower; every cell through the formula-safe rule
 * of the other exports (a summary can hold anything a user typed). `progress.rows` counts what was written.
 */
export async function writeAuditCsv(db: Knex, filter: AuditFilter, out: Writable, ctx: { t: Translate; timeZone: string }, progress = { rows: 0 }): Promise<void> {
  const { t } = ctx;
  const header = [
    t('audit.time', { zone: ctx.timeZone }), t('audit.actor'), t('audit.actorKind'), t('audit.ip'), t('audit.action'), t('audit.actionCode'),
    t('audit.objectType'), t('audit.objectId'), t('audit.changes'),
  ];
  if (!out.write('\uFEFF' + csvLine(header))) await drained(out);
  for await (const records of auditRecordsOf(db, filter)) {
    const text = records
      .map((r) => auditRow(r, t, ctx.timeZone))
      .map((row) => csvLine([row.time, row.actor, t('audit.actorKinds.' + row.actorKind), row.ip, row.actionLabel, row.action, row.objectType, row.objectId, row.changes.join('\n')]))
      .join('');
    if (!out.write(text)) await drained(out);
    progress.rows += records.length;
    // A turn of the event loop for everyone else after each batch, as the task exports do.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
