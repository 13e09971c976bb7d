import { describe, expect, it } from '@jest/globals';
import { errorBrand } from './error-brand.js';

/** Two copies of one package's errors, as two versions installed side by side give: each its own classes, one brand. */
function errorsOfOneCopy() {
  const brand = errorBrand('@veza/example');
  class ExampleError extends Error {
    override name = 'ExampleError';
    static override [Symbol.hasInstance](value: unknown): boolean {
      return brand.hasInstance(this, ExampleError, value);
    }
    constructor(message: string) {
      super(message);
      brand.mark(this);
    }
  }
  class ExampleMissingError extends ExampleError {
    override name = 'ExampleMissingError';
  }
  class ExampleBusyError extends ExampleError {
    override name = 'ExampleBusyError';
  }
  return { ExampleError, ExampleMissingError, ExampleBusyError };
}

describe('errorBrand', () => {
  it('matches the base class for any error of the package, a subclass by its name, in either copy', () => {
    const one = errorsOfOneCopy();
    const two = errorsOfOneCopy();
    const error = new two.ExampleMissingError('gone');
    expect(error instanceof one.ExampleError).toBe(true);
    expect(error instanceof one.ExampleMissingError).toBe(true);
    expect(error instanceof one.ExampleBusyError).toBe(false);
    expect(error instanceof Error).toBe(true);
  });

  it("matches no look-alike and no other package's error", () => {
    const one = errorsOfOneCopy();
    const lookAlike = Object.assign(new Error('gone'), { name: 'ExampleMissingError' });
    expect(lookAlike instanceof one.ExampleError).toBe(false);
    expect(lookAlike instanceof one.ExampleMissingError).toBe(false);
    const other = errorBrand('@veza/other');
    const foreign = new Error('x');
    other.mark(foreign);
    expect(foreign instanceof one.ExampleError).toBe(false);
    expect((null as unknown as object) instanceof one.ExampleError).toBe(false);
  });
});
