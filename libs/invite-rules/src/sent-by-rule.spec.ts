import { sentByProblem } from './sent-by-rule.js';

describe('sentByProblem', () => {
  it.each(['ops@veza.fr', '0b7e3c52-9f1d-4d8a-a3c1-5e2f6b7a8c9d'])('accepts %s', (value) => {
    expect(sentByProblem(value)).toBeNull();
  });

  it('refuses anything else, saying what it must be and why the email form fails', () => {
    expect(sentByProblem('ops')).toBe(
      "must be the inviter's email or user id (UUID); as an email it has no @: it needs a domain, like name@example.org",
    );
  });
});
