import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP part shared by the fake cloud providers: 127.0.0.1 on a random port, the body read whole (capped), the
 * answer given as JSON, or held forever to play a provider that never answers (released at close()).
 */
export interface FakeRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type FakeAnswer = { status?: number; json: unknown } | 'hang';

export interface FakeHttp {
  url: string;
  close(): Promise<void>;
}

export async function startFakeHttp(handle: (request: FakeRequest) => FakeAnswer): Promise<FakeHttp> {
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 4 * 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      const answer = handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (answer === 'hang') {
        held.add(res);
        return;
      }
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer.json));
    });
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A fake provider's life, the same for each of them: start() listens on a free port and sets url, close() stops
 * it (releasing held answers); the provider itself only answers, in handle().
 */
export abstract class FakeHttpServer {
  url = '';
  private stop: (() => Promise<void>) | null = null;

  protected abstract handle(request: FakeRequest): FakeAnswer;

  async start(): Promise<this> {
    const server = await startFakeHttp((request) => this.handle(request));
    this.url = server.url;
    this.stop = () => server.close();
    return this;
  }

  async close(): Promise<void> {
    await this.stop?.();
  }
}
