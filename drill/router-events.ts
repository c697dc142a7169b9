import { request } from 'undici';

/** An event of the router's `GET /router/events` stream, with the time it arrived. */
export interface ReceivedEvent {
  /** Arrival time, in milliseconds since the drill's clock started. */
  readonly at: number;
  /** SSE event name: `status`, `check`, `health`, `breaker`, `flip`, `recovery` or `fault`. */
  readonly type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fields depend on the type.
  readonly data: any;
}

/**
 * Reader of the health router's server-sent events. It keeps every event with its arrival time
 * on the drill's clock, so flips compare directly with the drill's own timestamps.
 */
export class RouterEventStream {
  readonly events: ReceivedEvent[] = [];
  private readonly controller = new AbortController();
  private readonly listeners = new Set<(event: ReceivedEvent) => void>();
  private reading: Promise<void> = Promise.resolve();

  private constructor(private readonly clock: () => number) {}

  /**
   * Opens the stream and resolves once the router has responded, or with null when it does not
   * serve one (no Happy OS router, or a wrong admin token).
   */
  static async open(
    apiUrl: string,
    adminToken: string,
    clock: () => number,
  ): Promise<RouterEventStream | null> {
    const stream = new RouterEventStream(clock);
    try {
      const response = await request(`${apiUrl}/router/events`, {
        headers: { authorization: `Bearer ${adminToken}`, accept: 'text/event-stream' },
        signal: stream.controller.signal,
        headersTimeout: 5000,
        bodyTimeout: 0,
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return null;
      }
      stream.reading = stream.read(response.body).catch(() => undefined);
      return stream;
    } catch {
      return null;
    }
  }

  /** Adds a listener for every event that arrives. */
  onEvent(listener: (event: ReceivedEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Returns the first event of `type` that arrived at or after `from` and passes `test`. */
  first(type: string, from: number, test: (data: ReceivedEvent['data']) => boolean = () => true) {
    return this.events.find((event) => event.type === type && event.at >= from && test(event.data));
  }

  /** Closes the stream. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.reading;
  }

  private async read(body: AsyncIterable<Buffer>): Promise<void> {
    let buffer = '';
    for await (const chunk of body) {
      buffer += chunk.toString('utf8');
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  private dispatch(block: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    // A block of comments only is the router's heartbeat.
    if (data.length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      parsed = data.join('\n');
    }
    const event: ReceivedEvent = { at: this.clock(), type, data: parsed };
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }
}
