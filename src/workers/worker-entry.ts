import path from 'node:path';

/**
 * Where a worker thread's code is: the compiled file in production (`dist/…/name.js`), the TypeScript source under
 * jest and the ts tools (loaded through the same SWC hook as the caller).
 */
export function workerEntry(callerFilename: string, name: string): { file: string; execArgv: string[] } {
  const source = callerFilename.endsWith('.ts');
  return {
    file: path.join(path.dirname(callerFilename), name + (source ? '.ts' : '.js')),
    execArgv: source ? ['--require', path.join(__dirname, 'register-ts.js')] : [],
  };
}
