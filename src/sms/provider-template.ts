/**
 * A Qunfa template against the provider's: Qunfa numbers its variables ({1}, {2}…); Tencent and UCloud do too,
 * Alibaba names them (${name}). To compare, both are brought to numbered form: Alibaba's names are numbered in order
 * of first appearance, and those names are what a send must use for {1}, {2}… (`paramNames`).
 * A mismatch is a different variable count, or a different text once the variables are numbered alike.
 */
import { variableCount } from './template';

export type TemplateMismatch = 'variables' | 'text' | null;

const NAMED = /\$\{([^{}\s]+)\}/g;

export function numberNamedVariables(content: string): { numbered: string; paramNames: string[] } {
  const paramNames: string[] = [];
  const numbered = content.replace(NAMED, (_all, name: string) => {
    let index = paramNames.indexOf(name);
    if (index < 0) index = paramNames.push(name) - 1;
    return `{${index + 1}}`;
  });
  return { numbered, paramNames };
}

/** Whitespace differences (a trailing space, a line break) are not worth a warning. */
const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

export function compareWithProvider(qunfaContent: string, providerContent: string): { mismatch: TemplateMismatch; paramNames: string[] } {
  const { numbered, paramNames } = numberNamedVariables(providerContent);
  if (variableCount(numbered) !== variableCount(qunfaContent)) return { mismatch: 'variables', paramNames };
  return { mismatch: normalise(numbered) === normalise(qunfaContent) ? null : 'text', paramNames };
}
