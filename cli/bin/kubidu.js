#!/usr/bin/env node
// Launcher: lets Node run the TypeScript sources directly (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
