import type { Request, Response, NextFunction } from 'express';

/**
 * EJS has no layouts, so every page is rendered first and then wrapped in views/layouts/main.ejs with the
 * page HTML as `body`. A page can opt out with `layout: false` (used by nothing yet but error fallbacks).
 */
export function layoutMiddleware() {
  return (req: Request, res: Response, next: NextFunction) => {
    const render = res.render.bind(res);
    res.render = ((view: string, options?: Record<string, unknown>, callback?: (err: Error, html: string) => void) => {
      const locals = options ?? {};
      if (locals.layout === false) return render(view, locals, callback);
      render(view, locals, (err: Error | null, body: string) => {
        if (err) return callback ? callback(err, '') : next(err);
        render('layouts/main', { ...locals, body }, callback);
      });
    }) as Response['render'];
    next();
  };
}
