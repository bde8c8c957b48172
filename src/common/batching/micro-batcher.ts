/**
 * Groups the calls made in one turn of the event loop into one call of `run` (the DataLoader pattern): under load, the
 * requests whose bytes arrived together share one database round trip instead of paying one each, and an idle service
 * answers exactly as before (a batch of one, one turn later).
 *
 * Every call still gets its own answer or its own error, and a call never waits for a later turn than the next one: the
 * batch is sent when the current turn's I/O callbacks are done (setImmediate), or at once when it reaches `maxBatch`.
 * A batch that fails as a whole is retried one item at a time when `retrySingly` is set, so one bad item cannot fail
 * the others' requests.
 */
export class MicroBatcher<I, O> {
  private pending: Array<{ item: I; resolve: (out: O) => void; reject: (err: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: { maxBatch?: number; retrySingly?: boolean } = {},
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= (this.opts.maxBatch ?? 100)) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    void this.execute(batch.map((b) => b.item)).then(
      (outs) => batch.forEach((b, i) => (outs[i] instanceof BatchItemError ? b.reject(outs[i].cause) : b.resolve(outs[i]))),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  }

  private async execute(items: I[]): Promise<Array<O | BatchItemError>> {
    try {
      const outs = await this.run(items);
      if (outs.length !== items.length) throw new Error(`batch answered ${outs.length} results for ${items.length} items`);
      return outs;
    } catch (err) {
      if (!this.opts.retrySingly || items.length === 1) throw err;
      return Promise.all(
        items.map(async (item) => {
          try {
            return (await this.run([item]))[0];
          } catch (cause) {
            return new BatchItemError(cause);
          }
        }),
      );
    }
  }
}

class BatchItemError {
  constructor(readonly cause: unknown) {}
}
