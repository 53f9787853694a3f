// Tests, benches and scripts load TypeScript through the same hook as the app's worker threads.
require('../../src/workers/register-ts.js');
