// The address berth prints: the domain with HTTPS, else the IP, with the port only when it is not 80.
import { describe, expect, it } from 'vitest';
import { serviceUrl } from '../../infra/host/url.js';

describe('serviceUrl', () => {
  it('is https://domain/ with a domain, whatever the IP and port (the certificate is for the name)', () => {
    expect(serviceUrl({ https: { domain: 'notes.example.com' }, hostPort: 8080, publicIp: '203.0.113.10' })).toBe('https://notes.example.com/');
  });

  it("leaves HTTP's own port 80 out, and names any other", () => {
    expect(serviceUrl({ hostPort: 80, publicIp: '203.0.113.10' })).toBe('http://203.0.113.10/');
    expect(serviceUrl({ hostPort: 8080, publicIp: '203.0.113.10' })).toBe('http://203.0.113.10:8080/');
  });
});
