import { strict as assert } from 'node:assert';
import { ruleDocsUrl } from '../../../src/host/ruleDocs';

describe('host/ruleDocs', () => {
  it('links a rule code to its lowercase README anchor', () => {
    assert.equal(ruleDocsUrl('BL001'), 'https://github.com/batchlens/batchlens/blob/main/README.md#bl001');
    assert.equal(ruleDocsUrl('BL101'), 'https://github.com/batchlens/batchlens/blob/main/README.md#bl101');
  });
});
