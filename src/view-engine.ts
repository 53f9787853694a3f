import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

/**
 * The view engine: EJS templates compiled once, their locals read as plain variables, and an `include` of our own.
 *
 * A profile of the task pages showed ejs.renderFile (view cache on) spending most of their rendering on plumbing:
 * - ejs wraps each template in `with (locals)`, so every name in it, down to its own `__append` and `escapeFn`
 *   (two per `<%= %>`, seventy a task list row), is a dynamic lookup through the ~45 page locals;
 * - every `include()` (dozens a page, one per row action) resolves its file with `fs.existsSync` and copies all
 *   the locals into a new dictionary-mode object.
 * Here a template is compiled without `with`, its locals destructured into variables instead (ejs's own
 * `destructuredLocals`), once per set of local names it is rendered with (a page's handler always passes the same
 * names; an include adds its own); an include resolves its path once per (template, name).
 *
 * Templates see what ejs gives them: the parent's locals plus the include's, `locals`, `include`, `<%= %>` escaped
 * with the same five entities, ejs's error context on a failure. One difference, which no template relies on:
 * assigning to a local's bare name changes that variable, not `locals` (so not what a later include sees).
 */

type Locals = Record<string, unknown>;
type Include = (name: string, data?: Locals) => string;
type ClientFunction = (locals: Locals, escapeFn: (value: unknown) => string, include: Include) => string;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const SPECIAL = /[&<>'"]/;
const SPECIALS = /[&<>'"]/g;
const entity = (c: string) => ENTITIES[c];

/** ejs's escapeXML, without the regex replace (and its callback) for numbers and the common text with nothing to escape. */
export function escapeHtml(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === undefined || value === null) return '';
  const text = String(value);
  return SPECIAL.test(text) ? text.replace(SPECIALS, entity) : text;
}

/** Names that cannot become variables: not identifiers, reserved, or ejs's own inside a compiled template. */
const IDENTIFIER = /^[a-zA-Z_$][0-9a-zA-Z_$]*$/;
const NOT_VARIABLES = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval undefined NaN ' +
    'Infinity locals escapeFn include rethrow __output __append __line __lines __filename __locals').split(' '),
);

/** Handlers and includes pass fixed sets of names, so there are a few dozen scopes; this only bounds the unexpected. */
const MAX_SCOPES = 500;

/** One set of local names, and each template compiled for it. */
class Scope {
  readonly compiled = new Map<string, ClientFunction>();
  private readonly widened = new Map<string, Scope>();

  constructor(readonly names: readonly string[]) {}

  /** This scope with an include's own names added. */
  with(data: Locals): Scope {
    const added = Object.keys(data).join(',');
    let scope = this.widened.get(added);
    if (!scope) {
      scope = new Scope([...new Set([...this.names, ...Object.keys(data)])].filter((n) => IDENTIFIER.test(n) && !NOT_VARIABLES.has(n)));
      // Were names ever to come from input, templates would be compiled for each render rather than kept without end.
      if (this.widened.size < MAX_SCOPES) this.widened.set(added, scope);
    }
    return scope;
  }
}

/** ejs's own resolution of a relative include: beside the including file, `.ejs` added when the name has no extension. */
function includePath(name: string, from: string): string {
  const resolved = path.resolve(path.dirname(from), name);
  return path.extname(name) ? resolved : resolved + '.ejs';
}

/** Kept templates (sources, compiled functions, include paths) or, with the view cache off, none beyond one render. */
class Templates {
  private readonly sources = new Map<string, string>();
  /** Including file -> include name -> file. */
  private readonly includes = new Map<string, Map<string, string>>();
  private readonly root = new Scope([]);

  render(file: string, locals: Locals): string {
    return this.run(file, this.root.with(locals), locals);
  }

  private run(file: string, scope: Scope, locals: Locals): string {
    let fn = scope.compiled.get(file);
    if (!fn) scope.compiled.set(file, (fn = this.compile(file, scope)));
    const include: Include = (name, data) => {
      const child = this.resolve(name, file);
      return data ? this.run(child, scope.with(data), { ...locals, ...data }) : this.run(child, scope, { ...locals });
    };
    return fn(locals, escapeHtml, include);
  }

  private compile(file: string, scope: Scope): ClientFunction {
    let source = this.sources.get(file);
    if (source === undefined) this.sources.set(file, (source = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')));
    // `client` makes ejs return the bare template function, so that `include` can be ours.
    const options = { filename: file, client: true, escape: escapeHtml };
    try {
      return ejs.compile(source, { ...options, _with: false, destructuredLocals: [...scope.names] }) as unknown as ClientFunction;
    } catch (err) {
      // A template declaring a `let`/`const` named like one of its locals cannot have both as variables: it keeps `with`.
      if (!(err instanceof SyntaxError)) throw err;
      return ejs.compile(source, options) as unknown as ClientFunction;
    }
  }

  private resolve(name: string, from: string): string {
    let byName = this.includes.get(from);
    if (!byName) this.includes.set(from, (byName = new Map()));
    let file = byName.get(name);
    if (file === undefined) {
      file = includePath(name, from);
      if (!fs.existsSync(file)) throw new Error(`Could not find the include file "${escapeHtml(name)}"`);
      byName.set(name, file);
    }
    return file;
  }
}

const kept = new Templates();

/** Express's engine signature. Templates are kept unless the app's `view cache` is off (then each render reads them). */
export function renderEjs(file: string, options: object, callback: (err: Error | null, html?: string) => void): void {
  let html: string;
  try {
    html = ((options as { cache?: boolean }).cache ? kept : new Templates()).render(file, options as Locals);
  } catch (err) {
    return callback(err as Error);
  }
  callback(null, html);
}
