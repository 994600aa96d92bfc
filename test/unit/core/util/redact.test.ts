import { strict as assert } from 'node:assert';
import { formatLogLine, redactSecrets } from '../../../../src/core/util/redact';

const KEY = 'sk-ant-api03-' + 'Ab1_-'.repeat(19) + 'AA';

describe('util/redact', () => {
  it('removes an sk-ant key from a message, keeping the words around it', () => {
    const text = redactSecrets(`request failed with key ${KEY}, retrying`);
    assert.ok(!text.includes(KEY));
    assert.ok(!text.includes('api03'));
    assert.match(text, /^request failed with key sk-ant-…\[redacted\], retrying$/);
  });

  it('removes a key of another shape when it is known by value', () => {
    const proxyKey = 'proxy-token-0123456789';
    assert.equal(redactSecrets(`auth ${proxyKey} used`, [proxyKey]), 'auth [redacted] used');
  });

  it('leaves short known values alone so ordinary words survive', () => {
    assert.equal(redactSecrets('the key was abc', ['abc']), 'the key was abc');
  });

  it('redacts keys inside error stacks and object arguments of a log line', () => {
    const error = new Error(`401 for ${KEY}`);
    const line = formatLogLine('call failed', [error, { headers: { 'x-api-key': KEY } }, 3]);
    assert.ok(!line.includes(KEY));
    assert.match(line, /^call failed Error: 401 for sk-ant-…\[redacted\]/);
    assert.match(line, /"x-api-key":"sk-ant-…\[redacted\]"/);
    assert.match(line, / 3$/);
  });

  it('prints an object that cannot be serialised instead of throwing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(formatLogLine('state', [cyclic]), 'state [object Object]');
  });
});
