import { strict as assert } from 'node:assert';
import type { Finding, RuleCode, Severity } from '../../../../src/core/analysis/types';
import { displaySeverity, visibleFindings } from '../../../../src/core/analysis/findingFilter';

function finding(code: RuleCode, severity: Severity = 'warning'): Finding {
  const range = { start: 0, end: 1, startLine: 0, startColumn: 0, endLine: 0, endColumn: 1 };
  return { code, severity, message: code, range, fixes: [] };
}

describe('lint/lintDiagnostics', () => {
  const all = [finding('BL001'), finding('BL002', 'error'), finding('BL100', 'info'), finding('BL101', 'info')];

  it('shows every finding when nothing is turned off', () => {
    assert.deepEqual(visibleFindings(all, { hintsEnabled: true, disabledRules: [] }).map((f) => f.code), ['BL001', 'BL002', 'BL100', 'BL101']);
  });

  it('drops the routing and batch-candidate hints when hints are off', () => {
    assert.deepEqual(visibleFindings(all, { hintsEnabled: false, disabledRules: [] }).map((f) => f.code), ['BL001', 'BL002']);
  });

  it('drops a disabled rule', () => {
    assert.deepEqual(visibleFindings(all, { hintsEnabled: true, disabledRules: ['BL001', 'BL101'] }).map((f) => f.code), ['BL002', 'BL100']);
  });

  it('shows hints at information level whatever their rule says, and other rules as they are', () => {
    assert.equal(displaySeverity(finding('BL100', 'warning')), 'info');
    assert.equal(displaySeverity(finding('BL002', 'error')), 'error');
  });
});
