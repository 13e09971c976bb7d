/**
 * `instanceof` for a package's errors across every copy of it loaded at once.
 *
 * A backend whose own @veza/x is another version than the one a lib it
 * installed depends on has two copies (npm nests the second), each with its
 * own classes: an error thrown by one failed `instanceof` against the other's.
 * Each package's base error marks its instances with a brand (Symbol.for: one
 * symbol per process, whatever the copy) and matches by it: the base class
 * any error of the package, a subclass the errors of its name. A look-alike
 * Error with the same name and code has no brand and does not match.
 */
export interface ErrorBrand {
  /** Marks an error of the package (call it in the base class's constructor). */
  mark(error: Error): void;
  /** The base class's `static [Symbol.hasInstance]`: `cls` is `this`, `base` the base class itself. */
  hasInstance(cls: abstract new (...args: never[]) => unknown, base: abstract new (...args: never[]) => unknown, value: unknown): boolean;
}

/** The brand of one package's errors (`pkg`: its name, as `@veza/invites-db`). */
export function errorBrand(pkg: string): ErrorBrand {
  const brand = Symbol.for(`${pkg}.error`);
  return {
    mark: (error) => void Object.defineProperty(error, brand, { value: true }),
    hasInstance(cls, base, value) {
      if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true;
      if (typeof value !== 'object' || value === null || !(brand in value)) return false;
      return cls === base || (value as { name?: unknown }).name === cls.name;
    },
  };
}
