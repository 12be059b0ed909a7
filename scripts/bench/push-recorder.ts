/**
 * Collects what a controller logs about its pushes (the in-process logger, or a
 * child's JSON stdout): when each commit was pushed, with the adapter's own
 * breakdown, and how many pushes were rejected. Row 1's "commit pushed" instant
 * and rows 3–4's retries come from here.
 */
import type { Logger } from '@kubidu/core/logger';
import { now } from './util.js';

/** One "manifests commit pushed" line. */
export interface PushLog {
  at: number;
  sha: string;
  attempt: number;
  ms?: { tip: number; build: number; push: number };
}

/** The pushes and rejections one or more controllers logged. */
export class PushRecorder {
  pushes = new Map<string, PushLog>();
  rejected = 0;
  errors: string[] = [];

  /** Feeds one log record (already parsed). */
  onLine(rec: Record<string, any>, msg: string | undefined, at = now()) {
    if (msg === 'manifests commit pushed' && rec.sha) this.pushes.set(rec.sha, { at, sha: rec.sha, attempt: rec.attempt, ms: rec.ms });
    else if (msg === 'push rejected; rebuilding on the new tip') this.rejected++;
  }

  /** A Logger for an in-process controller that feeds this recorder. */
  logger(): Logger {
    const line = (level: string) => (obj: unknown, msg?: string) => {
      const rec = (typeof obj === 'object' && obj !== null ? obj : { msg: obj }) as Record<string, any>;
      this.onLine(rec, msg);
      if (level === 'error') this.errors.push(`${msg ?? ''} ${JSON.stringify(rec)}`);
    };
    return { info: line('info'), warn: line('warn'), error: line('error'), debug: () => undefined };
  }
}
