// Each release is its own State Manager association, named after the bundle it delivers.
import { describe, expect, it } from 'vitest';
import { ASSOCIATION_HASH_CHARS, associationName, instanceTargets } from '../../infra/release/association.js';

const sha = (c: string) => c.repeat(64);

describe('associationName', () => {
  it('names the release by the start of its bundle hash: another bundle, another association', () => {
    expect(associationName('berth', `${'ab'.repeat(6)}${'0'.repeat(52)}`)).toBe(`berth-release-${'ab'.repeat(6)}`);
    expect(associationName('berth', sha('a'))).not.toBe(associationName('berth', sha('b')));
    expect(associationName('berth', sha('a')).length).toBe('berth-release-'.length + ASSOCIATION_HASH_CHARS);
  });

  it('refuses what is not a sha256 (a name from anything else would not say which release it is)', () => {
    expect(() => associationName('berth', 'abc')).toThrow(/64 hex digits; got "abc"/);
    expect(() => associationName('berth', sha('G'))).toThrow(/64 hex digits/);
  });
});

describe('instanceTargets', () => {
  it('targets the one instance by id', () => {
    expect(instanceTargets('i-0123456789abcdef0')).toEqual([{ key: 'InstanceIds', values: ['i-0123456789abcdef0'] }]);
  });
});
