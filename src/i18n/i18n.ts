import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export type { MessageKey };

const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export type Params = Record<string, string | number>;
export type Translate = (key: string, params?: Params) => string;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/**
 * Only named placeholders that are given are replaced, so SMS text like `{1}` inside a message survives.
 * `{name|one|other}` is an English plural: the word for one when the param is 1 ("1" once grouped), else the other
 * ("expects {n} {n|parameter|parameters}"). It serves messages whose count is known only where they are shown (a
 * stored row's reason, a setting); Chinese needs no plural and writes `{n}` alone. One pass, so a param's value
 * is never read again as a placeholder.
 */
function interpolate(text: string, params?: Params): string {
  if (!params || !text.includes('{')) return text;
  return text.replace(/\{(\w+)(?:\|([^{}|]*)\|([^{}|]*))?\}/g, (whole, name: string, one?: string, other?: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
    const value = params[name];
    if (one === undefined) return String(value);
    return value === 1 || value === '1' ? one : (other as string);
  });
}

/**
 * Each catalogue as a Map over the message keys: a page makes a few hundred lookups, many by keys built at run time
 * ('tasks.status.' + status), and a Map finds those faster than a property lookup on a 470-key object.
 */
const MESSAGES = Object.fromEntries(
  LOCALES.map((locale) => [locale, new Map(Object.keys(en).map((key) => [key, CATALOGUES[locale][key as MessageKey]]))]),
) as Record<Locale, Map<string, string>>;

export function translator(locale: Locale): Translate {
  const messages = MESSAGES[locale];
  // A missing key is a bug the catalogue test catches; showing the key keeps the page usable meanwhile.
  return (key, params) => interpolate(messages.get(key) ?? key, params);
}

/** Picks the best supported locale from an Accept-Language header (any zh variant maps to zh-CN). */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}
