/** A real HTTP receiver on 127.0.0.1 for webhook specs: records every request and answers as the spec tells it. */
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = { status: number; headers?: Record<string, string> };

export class Receiver {
  readonly requests: Received[] = [];
  /** Answers by request path; the default answers 204. A list is used up in order, its last entry then repeats. */
  private plans = new Map<string, Answer[]>();
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.requests.push({ at: Date.now(), path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const plan = this.plans.get(path) ?? [];
        const answer = plan.length > 1 ? plan.shift()! : (plan[0] ?? { status: 204 });
        res.writeHead(answer.status, answer.headers ?? {});
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  answer(path: string, ...answers: Answer[]): void {
    this.plans.set(path, answers);
  }

  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
