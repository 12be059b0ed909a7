/** The readiness probe's database check, kept with the other DataSource users (modules, not routes). */
import type { DataSource } from 'typeorm';

/** True when `SELECT 1` succeeds within `timeoutMs`. */
export async function databaseReachable(ds: DataSource, timeoutMs = 1000): Promise<boolean> {
  if (!ds.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ds.query('SELECT 1').then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
