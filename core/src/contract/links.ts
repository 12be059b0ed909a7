/**
 * What a client shows before `GET /api/config` answered (or when it failed): no
 * links. Kept apart from config.ts so a client importing it does not pull the
 * schema library into its bundle (the type import below is erased).
 */
import type { WebConfig } from './config.js';

/** Every link template absent: shas and services are plain text. */
export const NO_LINKS: Readonly<WebConfig> = Object.freeze({ commitUrlTemplate: null, argocdUrl: null, argocdAppUrlTemplate: null });
