import { InvalidArgumentError } from 'commander';

/** Commander's parser for a whole number of at least `min`. */
export const atLeast = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
  return n;
};
