/** Formats an embedding as a pgvector literal (`[0.1,0.2,…]`). */
export function toVectorLiteral(values: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(values, ',')}]`;
}

/** Parses a pgvector literal back into numbers. */
export function fromVectorLiteral(literal: string): Float32Array {
  return Float32Array.from(literal.slice(1, -1).split(','), Number);
}
