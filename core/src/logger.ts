/**
 * The logging port every Kubidu module writes to. pino (fastify's logger) satisfies
 * it as is, and so does a one-line console writer; declaring it here keeps the
 * composition root out of every adapter's imports.
 */
export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}
