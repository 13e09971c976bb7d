import { describe, expect, it } from '@jest/globals';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['/v1/invites/7K3M-Q9ZD-1XWN-4T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/7k3mq9zd1xwn4t8r/extra', '/v1/invites/[redacted]/extra'],
    ['/V1/INVITES/7K3MQ9ZD1XWN4T8R', '/V1/INVITES/[redacted]'],
    ['/v1/invites/redeem', '/v1/invites/redeem'],
    ['/v1/invites/redeemX7K3M', '/v1/invites/[redacted]'],
    ['/signup?invite=7K3M-Q9ZD-1XWN-4T8R', '/signup?invite=[redacted]'],
    ['/signup?a=1&invite=7K3M&flag', '/signup?a=[redacted]&invite=[redacted]&[redacted]'],
    ['/v1/invites/7K3M?x=7K3M', '/v1/invites/[redacted]?x=[redacted]'],
    ['/healthz', '/healthz'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
