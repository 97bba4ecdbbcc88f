#!/usr/bin/env node
// `npx orgflow …`: the CLI is TypeScript; tsx compiles it on the fly, as `npm start` does.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
