import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../options';
import type { Snapshot, Store } from './store';

const DEBOUNCE_MS = 250;

/**
 * Saves the store to a JSON file after changes settle, so `npm start` survives a restart. Writes go to a
 * temporary file first and are renamed into place, so a crash mid-write never leaves a torn state file.
 */
export class StatePersistence {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** Loads the file if it exists; a missing file is a fresh account, an unreadable one is an error. */
  load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const snapshot = JSON.parse(text) as Snapshot;
    if (snapshot.version !== 1)
      throw new Error(`Unsupported Stripe emulator state file version in ${this.file}`);
    this.store.restore(snapshot);
  }

  /** Wires the store's change notifications to a debounced save. */
  attach(): void {
    this.store.onChange(() => this.schedule());
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saveNow();
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  saveNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(this.store.snapshot()));
      renameSync(temporary, this.file);
    } catch (error) {
      this.logger.error({ err: error, file: this.file }, 'stripe emulator: could not save state');
    }
  }
}
