/**
 * Where an import in progress says how far it is, so the send form (public/js/task-form.js) can show "waiting for
 * another import" or "checking 40,000 / 100,000" while its upload's answer is pending. The page names its import
 * with a random ticket (header `X-Import-Ticket`); entries live in this process's memory only while the import runs,
 * so there are never more than the import cap and its queue allow, and each is visible to its own user only.
 */
import type { ImportProgress } from '../imports/import-types';

const TICKET = /^[A-Za-z0-9_-]{16,64}$/;

export function parseTicket(raw: unknown): string | null {
  return typeof raw === 'string' && TICKET.test(raw) ? raw : null;
}

export class ImportProgressBoard {
  private readonly entries = new Map<string, ImportProgress>();

  private static key(userId: number, ticket: string): string {
    return `${userId}:${ticket}`;
  }

  set(userId: number, ticket: string, progress: ImportProgress): void {
    this.entries.set(ImportProgressBoard.key(userId, ticket), progress);
  }

  get(userId: number, ticket: string): ImportProgress | undefined {
    return this.entries.get(ImportProgressBoard.key(userId, ticket));
  }

  delete(userId: number, ticket: string): void {
    this.entries.delete(ImportProgressBoard.key(userId, ticket));
  }

  get size(): number {
    return this.entries.size;
  }
}
