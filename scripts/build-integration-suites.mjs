#!/usr/bin/env node
// Compiles test/integration/suite/*.test.ts to out/integration/suite/*.test.js, the files that
// .vscode-test.mjs (@vscode/test-cli on a desktop) runs. The code-server runner does this itself.
import { bundleSuites, SUITE_OUT } from './lib/build.mjs';

const count = await bundleSuites();
console.log(`built ${count} integration suite file(s) into ${SUITE_OUT}`);
