import type { TestApp } from './app';
import { approvedSignature, approvedTemplate } from './catalogue';
import { createAccount } from '../../src/services/carriers.service';
import { saveRoutes } from '../../src/queries/carrier-routes.queries';
import { upsertMapping } from '../../src/queries/carrier-mappings.queries';
import { findSignature, findTemplate } from '../../src/queries/catalogue.queries';
import { findUserById } from '../../src/queries/users.queries';
import { checkRecipients } from '../../src/sms/recipient-check';
import { packRecipients } from '../../src/drafts/recipient-chunks';
import { confirmDraft, createDraft } from '../../src/services/drafts.service';
import type { CarrierKind } from '../../src/carrier/carrier-account.fields';

/**
 * The cloud-carrier tests' shared steps: a cloud account made through the service (its settings as /carriers would
 * store them), notifications routed to it (the other types to the simulator), and a task of given recipients
 * confirmed as user 1 with its template mapped to a provider template. Each test file keeps its own content and
 * recipients.
 */
export async function cloudAccount(
  t: TestApp,
  account: { name: string; kind: CarrierKind; endpoint: string; cloudSecrets: Record<string, string>; sdkAppId?: string; projectId?: string; pollSeconds: number },
): Promise<number> {
  const saved = await createAccount(t.db, t.config.secretKey, {
    name: account.name, kind: account.kind, password: undefined, cloudSecrets: account.cloudSecrets,
    settings: { endpoint: account.endpoint, region: 'ap-guangzhou', sdk_app_id: account.sdkAppId ?? '', project_id: account.projectId ?? '', poll_seconds: account.pollSeconds },
  });
  if (!saved.ok) throw new Error(`the account ${account.name} was refused`);
  return saved.id;
}

export async function routeNotificationsTo(t: TestApp, accountId: number): Promise<void> {
  const stub = (await t.db('carrier_accounts').where({ kind: 'stub' }).first()).id as number;
  await saveRoutes(t.db, { verification: { primary: stub, fallback: null }, notification: { primary: accountId, fallback: null }, marketing: { primary: stub, fallback: null } });
}

export async function confirmedCloudTask(
  t: TestApp,
  task: { accountId: number; providerTemplate: string; paramNames?: string[] | null; content: string; recipients: string[][]; signatureName: string; templateName: string },
): Promise<string> {
  const user = (await findUserById(t.db, 1))!;
  const signature = (await findSignature(t.db, await approvedSignature(t.db, task.signatureName)))!;
  const template = (await findTemplate(t.db, await approvedTemplate(t.db, task.content, 'notification', task.templateName)))!;
  await upsertMapping(t.db, { accountId: task.accountId, item: 'template', name: template.name, providerRef: task.providerTemplate, paramNames: task.paramNames ?? null });
  const report = checkRecipients(task.recipients.map((cells, i) => ({ rowNumber: i + 1, cells })), { signature: signature.name, templateContent: template.content });
  const draft = await createDraft(t.db, {
    user, signature, template, sendMode: 'now', sendAt: null, source: 'manual', fileName: null, report,
    recipients: packRecipients(report.valid), formState: {}, timeZone: 'Asia/Shanghai',
  });
  const outcome = await confirmDraft(t.db, draft, user, 'Asia/Shanghai');
  if (!outcome.ok) throw new Error(outcome.refusal.key);
  return outcome.taskId;
}
